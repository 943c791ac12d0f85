"""bench/memory.py in smoke mode: every service starts, is measured and stops on SIGTERM."""

from .conftest import BenchSmoke


def test_the_benchmark_runs(bench_smoke: BenchSmoke) -> None:
    rows = bench_smoke("memory")
    assert [row for row in rows if row[2] == "did not start"] == []
