"""Gateway memory while files are uploaded in parallel: streamed into the store, not held.

    uv run python bench/uploads.py [--parallel 4] [--megabytes 49] [--baseline-src DIR]

Starts a nats-server of its own and the gateway (`python -m punte_gateway`, development, its
demo users, SQLite in a temporary folder), signs in as `business_liaison` (argon2 takes its
64 MB then), waits a second and reads the gateway's RSS, then sends `--parallel` uploads of
`--megabytes` MB each at once to POST /uploads while sampling the gateway's RSS every 20 ms;
prints the idle RSS, the peak, what the uploads added, and the time they took.
Baseline (same run): the gateway's idle RSS; with `--baseline-src`, also the same run against
the gateway and platform code of another checkout (e.g. `git archive` of the commit before the
streaming uploads), so the two are measured side by side.
"""

import argparse
import asyncio
import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import _common as c
import httpx
from memory import memory_of, start_service

LOGIN = (
    'mutation { login(input: {username: "business_liaison", password: "punte-demo"}) '
    "{ accessToken } }"
)
PIECE = 256 * 1024


class Sampler:
    """Reads a process's RSS every `interval` seconds in a thread; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, memory_of(self.pid)["rss_mb"])
            time.sleep(self.interval)

    def __enter__(self) -> "Sampler":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


async def body(size: int) -> Any:
    """`size` bytes in pieces, so the client holds one piece at a time."""
    piece = os.urandom(PIECE)
    sent = 0
    while sent < size:
        chunk = piece[: min(PIECE, size - sent)]
        sent += len(chunk)
        yield chunk


async def log_in(port: int) -> str:
    """An access token; signing in hashes a password with argon2's 64 MB, so it comes first."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
        login = await client.post("/graphql", json={"query": LOGIN})
        token: str = login.json()["data"]["login"]["accessToken"]
        return token


async def upload_all(port: int, token: str, parallel: int, size: int) -> tuple[list[int], float]:
    """Send the uploads at once; their statuses and the seconds they took."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=300) as client:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
        started = time.perf_counter()
        responses = await asyncio.gather(
            *(
                client.post(
                    "/uploads",
                    params={"filename": f"mare-{n}.csv"},
                    content=body(size),
                    headers={**headers, "Content-Length": str(size)},
                )
                for n in range(parallel)
            )
        )
        return [r.status_code for r in responses], time.perf_counter() - started


def measure(label: str, parallel: int, size: int, src: Path | None) -> dict[str, Any]:
    """One gateway (this checkout's code, or `src`'s), idle then under the uploads."""
    from punte_platform.testing.nats_server import NatsServer

    with tempfile.TemporaryDirectory(prefix="punte-bench-uploads-") as tmp_name:
        tmp = Path(tmp_name)
        server = NatsServer(tmp / "nats")
        server.start()
        extra = {}
        if src is not None:
            paths = [src / "gateway" / "src", src / "shared" / "platform" / "src"]
            extra["PYTHONPATH"] = os.pathsep.join(str(p) for p in paths)
        process: subprocess.Popen[bytes] | None = None
        try:
            process, port, _ = start_service("gateway", server.url, tmp, **extra)
            token = asyncio.run(log_in(port))
            time.sleep(1.0)
            idle = memory_of(process.pid)["rss_mb"]
            with Sampler(process.pid) as sampler:
                statuses, seconds = asyncio.run(upload_all(port, token, parallel, size))
            after = memory_of(process.pid)["rss_mb"]
        finally:
            if process is not None:
                c.stop_process(process)
            server.stop()
    result = {
        "label": label,
        "idle_rss_mb": idle,
        "peak_rss_mb": sampler.peak,
        "added_mb": sampler.peak - idle,
        "rss_after_mb": after,
        "statuses": statuses,
        "seconds": seconds,
        "mb_per_s": parallel * size / 1e6 / seconds,
    }
    print(
        f"  {label}: idle {idle:.0f} MB, peak {sampler.peak:.0f} MB "
        f"(+{sampler.peak - idle:.0f}), statuses {statuses}, {seconds:.1f}s"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parallel", type=int, default=4, help="uploads sent at once")
    parser.add_argument("--megabytes", type=float, default=49.0, help="size of each upload")
    parser.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="a checkout whose gateway/src and shared/platform/src to measure as well",
    )
    args = c.parse_args(parser, smoke={"parallel": 2, "megabytes": 1.0})
    facts = c.print_header(
        f"uploads: gateway RSS during {args.parallel} parallel uploads of {args.megabytes:g} MB"
    )
    size = int(args.megabytes * 1_000_000)
    runs = [measure("this checkout (streamed)", args.parallel, size, None)]
    if args.baseline_src is not None:
        runs.append(
            measure(f"{args.baseline_src} (baseline)", args.parallel, size, args.baseline_src)
        )
    rows = [
        [
            r["label"],
            r["idle_rss_mb"],
            r["peak_rss_mb"],
            r["added_mb"],
            r["added_mb"] / runs[0]["added_mb"] if runs[0]["added_mb"] > 0 else "",
            r["seconds"],
            r["mb_per_s"],
            " ".join(str(s) for s in r["statuses"]),
        ]
        for r in runs
    ]
    print(
        c.table(
            ["gateway", "idle MB", "peak MB", "added MB", "x streamed", "s", "MB/s", "statuses"],
            rows,
        )
    )
    c.write_results(
        "uploads",
        {
            "benchmark": "uploads",
            "machine": facts,
            "parallel": args.parallel,
            "megabytes": args.megabytes,
            "runs": runs,
        },
    )


if __name__ == "__main__":
    main()
