"""bench/contacts_jobs.py in smoke mode: an export and a revert run as jobs (figures not judged)."""

from .conftest import BenchSmoke


def test_the_benchmark_runs(bench_smoke: BenchSmoke) -> None:
    rows = bench_smoke("contacts_jobs", has_backend=True)
    figures = [row[1] for row in rows if "slowest answer" in row[1]]
    assert [figure.split()[1] for figure in figures] == ["export", "revert"]
