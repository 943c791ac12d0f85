"""bench/contacts_import.py in smoke mode: an import, then the same file again creating nothing."""

from .conftest import BenchSmoke


def test_the_benchmark_runs(bench_smoke: BenchSmoke) -> None:
    rows = bench_smoke("contacts_import", has_backend=True)
    assert any("re-run" in figure for _, figure, *_ in rows)
