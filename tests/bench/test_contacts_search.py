"""bench/contacts_search.py in smoke mode: searches on seeded organisations and people."""

from .conftest import BenchSmoke


def test_the_benchmark_runs(bench_smoke: BenchSmoke) -> None:
    rows = bench_smoke("contacts_search", has_backend=True)
    assert any("misspelled" in figure for _, figure, *_ in rows)
