"""Resident memory of each idle service process, and how long each takes to stop on SIGTERM.

    uv run python bench/memory.py [--idle 5]

Starts a nats-server of its own, then `python -m punte_contacts`, `punte_events`,
`punte_partnerships` and `punte_gateway` one after the other (each with a SQLite database in a
temporary folder and a free HTTP port, PUNTE_ENVIRONMENT=development), waits until each
answers GET /readyz with 200, lets them all sit idle, reads their RSS (and USS: memory only
that process holds), then stops each with SIGTERM and times its exit.
Baseline: a bare `python -c "import time; time.sleep(...)"` under the same interpreter.
Aim (issue): under 150 MB RSS per service.
"""

import argparse
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import _common as c

AIM_MB = 150.0
SERVICES = ["contacts", "events", "partnerships", "gateway"]
MB = 1024 * 1024
IMPORTS = "import punte_platform.runtime, punte_platform.entrypoint, uvicorn, uvloop"
IMPORTS_LABEL = "platform imports only (reference)"
# The reference processes outlive the run (they are stopped at its end): however long the
# services take to start, they must still be there to be measured.
REFERENCE_SECONDS = 3600


def memory_of(pid: int) -> dict[str, float]:
    """RSS and USS in MB (psutil), or RSS from /proc when psutil is missing."""
    try:
        import psutil
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return {"rss_mb": int(line.split()[1]) / 1024, "uss_mb": float("nan")}
        raise RuntimeError(f"no VmRSS for {pid}") from None
    process = psutil.Process(pid)
    try:
        info = process.memory_full_info()
        return {"rss_mb": info.rss / MB, "uss_mb": info.uss / MB}
    except psutil.AccessDenied:
        return {"rss_mb": process.memory_info().rss / MB, "uss_mb": float("nan")}


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_service(
    name: str, nats_url: str, tmp: Path, **extra_env: str
) -> tuple[subprocess.Popen[bytes], int, float]:
    """Start one service and wait for /readyz; return the process, port and seconds to ready."""
    from punte_platform.devserver import free_port

    port = free_port()
    prefix = f"PUNTE_{name.upper()}_"
    workdir = tmp / name
    workdir.mkdir(parents=True)
    env = c.child_env(
        name,
        PUNTE_NATS_URL=nats_url,
        PUNTE_ENVIRONMENT="development",
        PUNTE_LOG_LEVEL="INFO",
        **{
            f"{prefix}DATABASE_URL": f"sqlite+aiosqlite:///{workdir / name}.db",
            f"{prefix}HTTP_PORT": str(port),
        },
        **extra_env,
    )
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", f"punte_{name}"],
        cwd=workdir,  # away from the checkout's .env and ./var
        env=env,
        stdout=(workdir / "stdout.log").open("wb"),
        stderr=(workdir / "stderr.log").open("wb"),
    )
    deadline = started + 90
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited with {process.returncode}; see {workdir}")
        if ready(port):
            return process, port, time.perf_counter() - started
        time.sleep(0.1)
    c.stop_process(process)
    raise RuntimeError(f"{name} not ready within 90s; see {workdir}")


def bench(idle: float) -> dict[str, Any]:
    from punte_platform.testing.nats_server import NatsServer

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="punte-bench-memory-") as tmp_name:
        tmp = Path(tmp_name)
        baseline = subprocess.Popen(
            [sys.executable, "-c", f"import time; time.sleep({REFERENCE_SECONDS})"],
            env=c.child_env(),
        )
        # Second reference: the platform's imports alone (FastAPI, SQLAlchemy, nats, pydantic,
        # uvicorn...), to tell what importing costs from what a running service holds.
        imports_only = subprocess.Popen(
            [sys.executable, "-c", f"{IMPORTS}; import time; time.sleep({REFERENCE_SECONDS})"],
            env=c.child_env(),
        )
        server = NatsServer(tmp / "nats")
        server.start()
        running: dict[str, subprocess.Popen[bytes]] = {}
        try:
            for name in SERVICES:
                try:
                    process, port, took = start_service(name, server.url, tmp)
                except RuntimeError as error:
                    # One broken service must not hide the others' figures.
                    log = (tmp / name / "stderr.log").read_text(errors="replace")
                    last = log.strip().splitlines()[-1:] or [""]
                    results[name] = {"error": f"{error}: {last[0][:300]}"}
                    print(f"  {name:<13} DID NOT START: {results[name]['error']}")
                    continue
                running[name] = process
                results[name] = {"pid": process.pid, "port": port, "seconds_to_ready": took}
                print(f"  {name:<13} ready in {took:.1f}s")
            print(f"  idle for {idle:g}s ...")
            time.sleep(idle)
            results["python -c sleep (baseline)"] = memory_of(baseline.pid)
            results[IMPORTS_LABEL] = memory_of(imports_only.pid)
            for name, process in running.items():
                if process.poll() is not None:
                    raise RuntimeError(f"{name} exited while idle")
                results[name].update(memory_of(process.pid))
            for name, process in running.items():
                results[name]["seconds_to_exit"] = c.stop_process(process, timeout=30)
                results[name]["exit_code"] = process.returncode
                # uvicorn drains, then re-raises the signal: rc -15 is normal; the runtime's
                # last log line says whether the lifespan shutdown ran to its end.
                log = (tmp / name / "stderr.log").read_text(errors="replace")
                results[name]["drained"] = f"{name} stopped" in log
        finally:
            for process in running.values():
                c.stop_process(process)
            c.stop_process(baseline)
            c.stop_process(imports_only)
            server.stop()
    return results


def report(results: dict[str, dict[str, Any]]) -> bool:
    base = results["python -c sleep (baseline)"]
    rows = [["python -c sleep (baseline)", base["rss_mb"], base["uss_mb"], 1.0, "", "", "", "", ""]]
    imports = results[IMPORTS_LABEL]
    rows.append(
        [
            IMPORTS_LABEL,
            imports["rss_mb"],
            imports["uss_mb"],
            imports["rss_mb"] / base["rss_mb"],
            "",
            "",
            "",
            "",
            "",
        ]
    )
    all_ok = True
    for name in SERVICES:
        r = results[name]
        if "error" in r:
            all_ok = False
            rows.append([name, "", "", "", "", "", "", "", "DID NOT START (see JSON)"])
            continue
        ok = r["rss_mb"] < AIM_MB
        all_ok = all_ok and ok
        rows.append(
            [
                name,
                r["rss_mb"],
                r["uss_mb"],
                r["rss_mb"] / base["rss_mb"],
                r["seconds_to_ready"],
                r["seconds_to_exit"],
                r["exit_code"],
                "yes" if r["drained"] else "NO",
                c.verdict(ok),
            ]
        )
    print(f"\nidle memory (MB), aim: RSS under {AIM_MB:g} MB per service")
    print(
        c.table(
            [
                "process",
                "RSS MB",
                "USS MB",
                "x baseline",
                "ready s",
                "SIGTERM exit s",
                "rc",
                "drained",
                "",
            ],
            rows,
        )
    )
    print("   USS = memory no other process shares (what stopping it would give back)")
    print("   rc -15: uvicorn re-raises SIGTERM after its graceful shutdown; 'drained' = the")
    print("   runtime logged '<service> stopped' (lifespan shutdown completed)")
    return all_ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--idle", type=float, default=5.0, help="seconds idle before reading")
    args = c.parse_args(parser, smoke={"idle": 0.2})
    facts = c.print_header("memory: RSS of each idle service, time to stop on SIGTERM")
    results = bench(args.idle)
    ok = report(results)
    c.write_results(
        "memory",
        {
            "benchmark": "memory",
            "machine": facts,
            "aim_rss_mb": AIM_MB,
            "idle_seconds": args.idle,
            "processes": results,
            "meets_aim": ok,
        },
    )


if __name__ == "__main__":
    main()
