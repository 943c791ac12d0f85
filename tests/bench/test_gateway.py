"""bench/gateway.py in smoke mode: a query through the gateway and the same call over NATS."""

from .conftest import BenchSmoke


def test_the_benchmark_runs(bench_smoke: BenchSmoke) -> None:
    rows = bench_smoke("gateway")
    assert any("through the gateway" in figure for _, figure, *_ in rows)
