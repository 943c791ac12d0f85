"""Runs a benchmark script in smoke mode: tiny counts, the same code paths as a real run."""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from punte_platform.testing.databases import postgres_url

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"
SMOKE_TIMEOUT = 300  # a smoke run takes seconds; a busy shared machine, several times that

BenchSmoke = Callable[..., list[list[Any]]]


@pytest.fixture
def bench_smoke(tmp_path: Path) -> BenchSmoke:
    """Run `bench/<name>.py --smoke`; the rows `run_all.py` would summarise from its results."""

    def run(name: str, *, has_backend: bool = False) -> list[list[Any]]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PUNTE_")}
        env["PUNTE_BENCH_RESULTS_DIR"] = str(tmp_path / "results")
        args = [sys.executable, str(BENCH_DIR / f"{name}.py"), "--smoke"]
        server = postgres_url()
        if has_backend:
            # The backend the suite runs on.
            args += ["--backend", "postgresql" if server else "sqlite"]
            if server:
                env["PUNTE_BENCH_POSTGRES_URL"] = server
        done = subprocess.run(
            args,
            cwd=tmp_path,  # away from the checkout's .env and ./var
            env=env,
            capture_output=True,
            text=True,
            timeout=SMOKE_TIMEOUT,
        )
        assert done.returncode == 0, (
            f"bench/{name}.py --smoke failed:\n{done.stdout}\n{done.stderr}"
        )
        results = json.loads((tmp_path / "results" / f"{name}.json").read_text())
        return _run_all().summary(name, results)

    return run


def _run_all() -> Any:
    """bench/run_all.py as a module (it imports `_common` from its own folder)."""
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    import run_all

    return run_all
