"""bench/rpc.py in smoke mode: request/reply through the platform and raw nats-py, both measured."""

from .conftest import BenchSmoke


def test_the_benchmark_runs(bench_smoke: BenchSmoke) -> None:
    rows = bench_smoke("rpc")
    assert any(figure.startswith("platform/raw") for _, figure, *_ in rows)
