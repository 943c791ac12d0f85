"""bench/uploads.py in smoke mode: the gateway takes parallel uploads and is measured."""

from .conftest import BenchSmoke


def test_the_benchmark_runs(bench_smoke: BenchSmoke) -> None:
    rows = bench_smoke("uploads")
    assert rows
    assert all(row[4] is True for row in rows), rows
