"""bench/outbox.py in smoke mode: the relay's throughput and the outbox-to-consumer latency."""

from .conftest import BenchSmoke


def test_the_benchmark_runs(bench_smoke: BenchSmoke) -> None:
    rows = bench_smoke("outbox", has_backend=True)
    assert any(figure.startswith("relay ") for _, figure, *_ in rows)
    assert any(figure.startswith("e2e ") for _, figure, *_ in rows)
