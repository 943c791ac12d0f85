"""The embedded runner `python -m punte_platform.devserver`.

Two kinds of test:

* with stand-in services (tiny HTTP servers written into tmp_path, put first on PYTHONPATH so
  `python -m punte_contacts` finds them): the runner's own behaviour, fast and independent of
  the services' code: bundled NATS, env defaults, prefixed output, clean Ctrl-C, SIGTERM,
  a child dying, a second start reusing the data directory;
* with the real services and gateway (skipped until their `__main__` modules exist): the
  whole stack comes up, every /healthz answers, GraphQL answers, Ctrl-C leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from punte_platform import devserver

SERVICE_NAMES = ("contacts", "events", "partnerships", "gateway")
URL_RE = re.compile(r"GraphQL at (http://127\.0\.0\.1:(\d+)/graphql)")

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

STUB_MAIN = """
import http.server, json, os, signal, socket, sys, threading, time

name = __spec__.parent.removeprefix("punte_")
prefix = f"PUNTE_{name.upper()}_"
host = os.environ[prefix + "HTTP_HOST"]
port = int(os.environ[prefix + "HTTP_PORT"])
nats = os.environ["PUNTE_NATS_URL"].removeprefix("nats://")
nats_host, _, nats_port = nats.rpartition(":")


def nats_up():
    try:
        with socket.create_connection((nats_host, int(nats_port)), timeout=1) as sock:
            return sock.recv(4) == b"INFO"
    except OSError:
        return False


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        ok = self.path == "/healthz" or (self.path == "/readyz" and nats_up())
        self.send_response(200 if ok else 503)
        self.end_headers()
        self.wfile.write(json.dumps({"service": name}).encode())

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer((host, port), Handler)
signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
print("stub", name, "env", json.dumps({
    "database_url": os.environ.get(prefix + "DATABASE_URL"),
    "environment": os.environ.get("PUNTE_ENVIRONMENT"),
    "nats_url": os.environ.get("PUNTE_NATS_URL"),
}), flush=True)
print("stub", name, "stderr works", file=sys.stderr, flush=True)
if os.environ.get("STUB_CRASH") == name:
    threading.Timer(1.0, lambda: os._exit(3)).start()
if os.environ.get("STUB_IGNORE_TERM") == name:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
server.serve_forever()
print("stub", name, "stopped cleanly", flush=True)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Runner:
    """The runner as a subprocess, its output collected line by line."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "punte_platform.devserver"],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.descendants: list[psutil.Process] = []

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, pattern: re.Pattern[str], timeout: float) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                line = self._queue.get(timeout=remaining)
            except queue.Empty:
                break
            if line is None:
                break
            match = pattern.search(line)
            if match:
                return match
        pytest.fail(f"no line matching {pattern.pattern!r}; output:\n{self.output}")

    def snapshot_descendants(self) -> list[psutil.Process]:
        try:
            self.descendants = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            self.descendants = []
        return self.descendants

    def stop(self, sig: signal.Signals, timeout: float) -> int:
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"runner did not exit within {timeout} s; output:\n{self.output}")

    def kill(self) -> None:
        for proc in [*self.descendants, psutil.Process(self.process.pid)]:
            with contextlib.suppress(psutil.Error):
                proc.kill()
        self.process.wait(timeout=10)
        self._reader.join(timeout=5)

    def left_over(self) -> list[psutil.Process]:
        alive = []
        for proc in self.descendants:
            try:
                if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                    alive.append(proc)
            except psutil.NoSuchProcess:
                continue
        return alive


def _clean_env(tmp_path: Path) -> dict[str, str]:
    """The current environment without PUNTE_ settings, plus a data dir and free ports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PUNTE_")}
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    env["PUNTE_DATA_DIR"] = str(tmp_path / "data")
    for name in SERVICE_NAMES:
        env[f"PUNTE_{name.upper()}_HTTP_PORT"] = str(_free_port())
    return env


@pytest.fixture
def runners() -> Iterator[list[Runner]]:
    started: list[Runner] = []
    yield started
    for runner in started:
        if runner.process.poll() is None:
            runner.kill()


@pytest.fixture
def stub_env(tmp_path: Path) -> dict[str, str]:
    stubs = tmp_path / "stubs"
    for name in SERVICE_NAMES:
        package = stubs / f"punte_{name}"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("")
        (package / "__main__.py").write_text(STUB_MAIN)
    env = _clean_env(tmp_path)
    env["PYTHONPATH"] = os.pathsep.join([str(stubs), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["PUNTE_DEVSERVER_START_TIMEOUT"] = "60"
    return env


# --------------------------------------------------------------------------- unit


def test_child_env_defaults_respect_what_is_set(tmp_path: Path) -> None:
    environ = {
        "PUNTE_EVENTS_DATABASE_URL": "postgresql+asyncpg://u:p@db:5432/events",
        "PUNTE_GATEWAY_HTTP_PORT": "9000",
        "PUNTE_ENVIRONMENT": "test",
    }
    env = devserver.build_child_env(environ, tmp_path, "nats://127.0.0.1:1234")

    assert env["PUNTE_NATS_URL"] == "nats://127.0.0.1:1234"
    assert env["PUNTE_ENVIRONMENT"] == "test"
    assert env["PUNTE_CONTACTS_DATABASE_URL"] == f"sqlite+aiosqlite:///{tmp_path}/contacts.db"
    assert env["PUNTE_EVENTS_DATABASE_URL"] == "postgresql+asyncpg://u:p@db:5432/events"
    assert env["PUNTE_GATEWAY_DATABASE_URL"] == f"sqlite+aiosqlite:///{tmp_path}/gateway.db"
    assert env["PUNTE_GATEWAY_HTTP_PORT"] == "9000"
    assert env["PUNTE_CONTACTS_HTTP_PORT"] == "8101"
    assert env["PUNTE_EVENTS_HTTP_PORT"] == "8102"
    assert env["PUNTE_PARTNERSHIPS_HTTP_PORT"] == "8103"
    assert env["PUNTE_PARTNERSHIPS_HTTP_HOST"] == "127.0.0.1"

    assert devserver.build_child_env({}, tmp_path, None)["PUNTE_ENVIRONMENT"] == "development"
    assert "PUNTE_NATS_URL" not in devserver.build_child_env({}, tmp_path, None)


def test_nats_server_binary_is_found() -> None:
    binary = devserver.find_nats_server()
    assert binary is not None
    assert binary.name.startswith("nats-server")


def test_free_port_is_never_the_nats_default() -> None:
    ports = {devserver.free_port() for _ in range(5)}
    assert 4222 not in ports
    assert all(devserver.port_is_free("127.0.0.1", port) for port in ports)


def test_prefix_is_fixed_width() -> None:
    console = devserver.Console(open(os.devnull, "w"), colour=False)  # noqa: SIM115
    assert console.prefix("contacts") == "contacts     | "
    assert console.prefix("partnerships") == "partnerships | "
    coloured = devserver.Console(open(os.devnull, "w"), colour=True)  # noqa: SIM115
    assert coloured.prefix("gateway").startswith("\x1b[")


# --------------------------------------------------------------------------- stand-ins


def test_runner_starts_nats_and_children_and_stops_on_ctrl_c(
    tmp_path: Path, stub_env: dict[str, str], runners: list[Runner]
) -> None:
    runner = Runner(stub_env, cwd=tmp_path)
    runners.append(runner)
    match = runner.wait_for(URL_RE, timeout=90)
    assert match.group(2) == stub_env["PUNTE_GATEWAY_HTTP_PORT"]

    descendants = runner.snapshot_descendants()
    assert len(descendants) >= 5  # nats-server and four children
    nats_port = re.search(r"NATS \(JetStream.*\) at nats://127\.0\.0\.1:(\d+)", runner.output)
    assert nats_port is not None, runner.output
    assert int(nats_port.group(1)) != 4222

    data = Path(stub_env["PUNTE_DATA_DIR"])
    assert (data / "nats").is_dir()
    for name in SERVICE_NAMES:
        line = next(x for x in runner.lines if f"stub {name} env" in x)
        assert line.startswith(f"{name:<12} | ")
        seen = json.loads(line.split(" env ", 1)[1])
        assert seen["database_url"] == f"sqlite+aiosqlite:///{data}/{name}.db"
        assert seen["environment"] == "development"
        assert seen["nats_url"] == f"nats://127.0.0.1:{nats_port.group(1)}"
        assert any(x == f"{name:<12} | stub {name} stderr works" for x in runner.lines)
        port = stub_env[f"PUNTE_{name.upper()}_HTTP_PORT"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
            assert reply.status == 200

    assert runner.stop(signal.SIGINT, timeout=20) == 0, runner.output
    assert runner.left_over() == []
    for name in SERVICE_NAMES:
        assert f"{name:<12} | stub {name} stopped cleanly" in runner.lines


def test_second_start_reuses_the_data_dir_and_sigterm_stops(
    tmp_path: Path, stub_env: dict[str, str], runners: list[Runner]
) -> None:
    for _ in range(2):
        runner = Runner(stub_env, cwd=tmp_path)
        runners.append(runner)
        runner.wait_for(URL_RE, timeout=90)
        runner.snapshot_descendants()
        assert runner.stop(signal.SIGTERM, timeout=20) == 0, runner.output
        assert runner.left_over() == []
    assert (Path(stub_env["PUNTE_DATA_DIR"]) / "nats" / "jetstream").is_dir()


def test_a_child_that_dies_stops_everything(
    tmp_path: Path, stub_env: dict[str, str], runners: list[Runner]
) -> None:
    stub_env["STUB_CRASH"] = "events"
    runner = Runner(stub_env, cwd=tmp_path)
    runners.append(runner)
    runner.wait_for(re.compile(r"stub events env"), timeout=60)
    runner.snapshot_descendants()
    try:
        code = runner.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail(f"runner kept running after a child died:\n{runner.output}")
    assert code != 0
    assert "events exited" in runner.output
    assert runner.left_over() == []


def test_a_child_ignoring_sigterm_is_killed(
    tmp_path: Path, stub_env: dict[str, str], runners: list[Runner]
) -> None:
    stub_env["STUB_IGNORE_TERM"] = "partnerships"
    stub_env["PUNTE_DEVSERVER_STOP_TIMEOUT"] = "2"
    runner = Runner(stub_env, cwd=tmp_path)
    runners.append(runner)
    runner.wait_for(URL_RE, timeout=90)
    runner.snapshot_descendants()
    assert runner.stop(signal.SIGINT, timeout=20) == 0, runner.output
    assert "partnerships did not stop in time" in runner.output
    assert runner.left_over() == []


def test_a_busy_port_is_reported(
    tmp_path: Path, stub_env: dict[str, str], runners: list[Runner]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        stub_env["PUNTE_CONTACTS_HTTP_PORT"] = str(busy.getsockname()[1])
        runner = Runner(stub_env, cwd=tmp_path)
        runners.append(runner)
        runner.snapshot_descendants()
        assert runner.process.wait(timeout=30) == 1
    assert "PUNTE_CONTACTS_HTTP_PORT" in runner.output
    assert runner.left_over() == []


# --------------------------------------------------------------------------- real stack


def _has_main(package: str) -> bool:
    try:
        return importlib.util.find_spec(f"{package}.__main__") is not None
    except ModuleNotFoundError:
        return False


@pytest.mark.skipif(
    not all(_has_main(f"punte_{name}") for name in SERVICE_NAMES),
    reason="the services' and the gateway's __main__ modules are not there yet",
)
def test_whole_stack_comes_up_and_stops_on_ctrl_c(tmp_path: Path, runners: list[Runner]) -> None:
    env = _clean_env(tmp_path)
    runner = Runner(env, cwd=tmp_path)
    runners.append(runner)
    match = runner.wait_for(URL_RE, timeout=180)
    graphql_url = match.group(1)
    assert graphql_url == f"http://127.0.0.1:{env['PUNTE_GATEWAY_HTTP_PORT']}/graphql"
    runner.snapshot_descendants()

    for name in SERVICE_NAMES:
        port = env[f"PUNTE_{name.upper()}_HTTP_PORT"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
            assert reply.status == 200, name

    request = urllib.request.Request(
        graphql_url,
        data=json.dumps({"query": "{ health { service status version } }"}).encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as reply:
            assert reply.status == 200
            body = json.loads(reply.read())
    except urllib.error.HTTPError as exc:
        pytest.fail(f"GraphQL answered {exc.code}: {exc.read()!r}\n{runner.output}")
    assert not body.get("errors"), body
    assert body["data"]["health"], body

    assert runner.stop(signal.SIGINT, timeout=20) == 0, runner.output
    assert runner.left_over() == [], runner.output
    assert (Path(env["PUNTE_DATA_DIR"]) / "contacts.db").exists()
