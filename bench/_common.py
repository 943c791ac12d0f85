"""Helpers the benchmark scripts share: machine facts, tables, results, processes, databases.

Not a benchmark itself. Each script puts `bench/` first on `sys.path` (Python does that for
`python bench/<name>.py`) and imports this module as `_common`.
"""

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
POSTGRES_URL_VARIABLE = "PUNTE_BENCH_POSTGRES_URL"
# Smoke mode: tiny counts, same code paths, a few seconds per script (the test suite runs it).
SMOKE_VARIABLE = "PUNTE_BENCH_SMOKE"
# Where results go instead of bench/results (the smoke test writes into its temporary folder).
RESULTS_DIR_VARIABLE = "PUNTE_BENCH_RESULTS_DIR"
DEFAULT_POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def machine() -> dict[str, Any]:
    """What the figures were measured on; printed at the top of every run."""
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout
        cores = int(nproc.strip())
    except (OSError, ValueError, subprocess.CalledProcessError):
        cores = os.cpu_count() or 0
    try:
        load = os.getloadavg()
    except OSError:
        load = (math.nan, math.nan, math.nan)
    return {
        "nproc": cores,
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "loadavg_at_start": [round(x, 2) for x in load],
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def print_header(title: str) -> dict[str, Any]:
    """Print the benchmark's title and the machine; return the machine facts."""
    facts = machine()
    print(f"== {title}")
    print(
        f"   nproc={facts['nproc']}  python={facts['python']} ({facts['implementation']})  "
        f"load avg={facts['loadavg_at_start']}"
    )
    print(f"   {facts['platform']}")
    if facts["loadavg_at_start"][0] > facts["nproc"] * 0.5:
        print("   note: the machine is busy (1-min load above half the cores): figures are noisy")
    return facts


def parse_args(parser: argparse.ArgumentParser, smoke: dict[str, Any]) -> argparse.Namespace:
    """The command line; with `--smoke` (or PUNTE_BENCH_SMOKE=1) `smoke` replaces defaults."""
    parser.add_argument(
        "--smoke",
        action="store_true",
        default=smoke_mode(),
        help="tiny counts: check that the script runs, in seconds; its figures mean nothing",
    )
    args = parser.parse_args()
    if args.smoke:
        # Counts given on the command line still win over the smoke ones.
        parser.set_defaults(**smoke)
        args = parser.parse_args()
        os.environ[SMOKE_VARIABLE] = "1"  # for the scripts run_all.py starts
    return args


def smoke_mode() -> bool:
    """Whether this run is a smoke run."""
    return os.environ.get(SMOKE_VARIABLE) == "1"


def results_dir() -> Path:
    """`bench/results`, or its `smoke/` folder for smoke runs, unless PUNTE_BENCH_RESULTS_DIR."""
    chosen = os.environ.get(RESULTS_DIR_VARIABLE)
    if chosen:
        return Path(chosen)
    return RESULTS_DIR / "smoke" if smoke_mode() else RESULTS_DIR


def drop_service_settings() -> None:
    """Remove the shell's PUNTE_ settings (not the benchmarks' own) from this process."""
    for name in [
        n for n in os.environ if n.startswith("PUNTE_") and not n.startswith("PUNTE_BENCH_")
    ]:
        del os.environ[name]


def write_results(name: str, data: dict[str, Any]) -> Path:
    """Write `<results dir>/<name>.json` and say where."""
    folder = results_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    with contextlib.suppress(OSError):
        load = [round(x, 2) for x in os.getloadavg()]
        data.setdefault("machine", {})["loadavg_at_end"] = load
        print(f"\nload avg at the end: {load} (other work on the machine skews figures)")
    path.write_text(json.dumps(_finite(data), indent=2, default=str, allow_nan=False) + "\n")
    print(f"\nresults written to {path}")
    return path


def _finite(value: Any) -> Any:
    """JSON has no inf/nan: write them as the strings "inf" / "nan"."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100), nearest-rank on sorted values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, left: int = 1) -> str:
    """A plain text table: the first `left` columns left-aligned, the others right-aligned."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], len(value))

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.ljust(widths[i]) if i < left else v.rjust(widths[i]) for i, v in enumerate(values)
        )

    lines = [line(headers), "  ".join("-" * w for w in widths)]
    lines += [line(row) for row in cells]
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def verdict(ok: bool) -> str:
    """How a figure compares with its aim."""
    return "meets aim" if ok else "MISSES AIM"


def child_env(*identities: str, **extra: str) -> dict[str, str]:
    """The environment for a child process: no PUNTE_ settings from the shell, the bench's
    NATS credentials of the `identities` it runs as (see `bench_credentials`), plus `extra`."""
    from punte_platform.testing.nats_server import test_credentials

    env = {k: v for k, v in os.environ.items() if not k.startswith("PUNTE_")}
    for identity in identities:
        env.update(test_credentials().environment(identity))
    env.update(extra)
    return env


async def call_as_gateway(runtime: Any) -> None:
    """Make `runtime.client` a caller the service believes: the harness's connection signing
    contexts as the gateway does (a service's own credentials may not call services)."""
    from punte_platform.messaging.nats import connect
    from punte_platform.testing.nats_server import nats_identity
    from punte_platform.testing.services import gateway_caller

    nc = await connect(runtime.settings.nats_url, "bench-caller", identity=nats_identity())
    runtime.client = gateway_caller(nc, timeout=runtime.settings.request_timeout)


async def close_caller(runtime: Any) -> None:
    """Close the connection `call_as_gateway` opened."""
    if runtime.client is not None:
        await runtime.client.nc.close()


def start_probe(
    *, nats_url: str, database_url: str, workdir: Path, recorder: bool = False
) -> subprocess.Popen[str]:
    """Run `python -m punte_platform.testing.probe` and wait for its "probe ready" line."""
    workdir.mkdir(parents=True, exist_ok=True)
    env = child_env(
        "probe",
        PUNTE_NATS_URL=nats_url,
        PUNTE_PROBE_DATABASE_URL=database_url,
        PUNTE_ENVIRONMENT="test",
        PUNTE_LOG_JSON="false",
        PUNTE_LOG_LEVEL="WARNING",
        PROBE_RECORDER="1" if recorder else "0",
    )
    log_file = (workdir / "probe.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "punte_platform.testing.probe"],
        cwd=workdir,  # away from the checkout's .env and ./var
        env=env,
        stdout=subprocess.PIPE,
        stderr=log_file,
        text=True,
    )
    assert process.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if "probe ready" in line:
            return process
        if not line and process.poll() is not None:
            break
    stop_process(process)
    raise RuntimeError(f"the probe did not start; see {workdir / 'probe.log'}")


def stop_process(process: subprocess.Popen[Any], timeout: float = 15.0) -> float:
    """SIGTERM, wait (SIGKILL after `timeout`); return the seconds it took to exit."""
    if process.poll() is not None:
        return 0.0
    started = time.perf_counter()
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    return time.perf_counter() - started


def postgres_server_url() -> str:
    """The PostgreSQL server the benchmarks create their databases on."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or DEFAULT_POSTGRES_URL


async def reachable_backends(choice: str) -> tuple[list[str], dict[str, str]]:
    """The backends `--backend` names (`both` is the two), less an unreachable PostgreSQL,
    and why each left out was."""
    backends = ["sqlite", "postgresql"] if choice == "both" else [choice]
    skipped: dict[str, str] = {}
    if "postgresql" in backends:
        problem = await postgres_reachable(postgres_server_url())
        if problem is not None:
            skipped["postgresql"] = problem
            backends.remove("postgresql")
    return backends, skipped


async def postgres_reachable(url: str) -> str | None:
    """None if we can connect to the server's `postgres` database, else why not."""
    import asyncpg
    from sqlalchemy.engine import make_url

    dsn = make_url(url).set(drivername="postgresql", database="postgres")
    try:
        connection = await asyncio.wait_for(
            asyncpg.connect(dsn.render_as_string(hide_password=False)), timeout=5
        )
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    await connection.close()
    return None


@contextlib.contextmanager
def stopwatch() -> Iterator[list[float]]:
    """`with stopwatch() as took:` ... `took[0]` is the elapsed seconds afterwards."""
    took = [0.0]
    started = time.perf_counter()
    try:
        yield took
    finally:
        took[0] = time.perf_counter() - started


async def wait_until(
    done: Callable[[], Awaitable[bool]], *, timeout: float, interval: float
) -> bool:
    """Poll `done` every `interval` seconds; False if it still fails after `timeout`."""
    deadline = time.perf_counter() + timeout
    while True:
        if await done():
            return True
        if time.perf_counter() > deadline:
            return False
        await asyncio.sleep(interval)


class Databases:
    """Fresh databases: SQLite files in the run's folder, or PostgreSQL ones dropped after."""

    def __init__(self, tmp: Path, postgres_url: str | None) -> None:
        from punte_platform.testing.databases import TestDatabases

        self.sqlite_root = tmp / "sqlite"
        self.postgres = TestDatabases(tmp / "unused", postgres_url) if postgres_url else None

    async def create(self, backend: str, label: str) -> str:
        if backend == "sqlite":
            self.sqlite_root.mkdir(parents=True, exist_ok=True)
            return f"sqlite+aiosqlite:///{self.sqlite_root / label}-{uuid.uuid4().hex[:6]}.db"
        assert self.postgres is not None
        return await self.postgres.create(f"bench_{label}")

    async def drop_all(self) -> None:
        if self.postgres is not None:
            await self.postgres.drop_all()
