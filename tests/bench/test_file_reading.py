"""bench/file_reading.py in smoke mode: both readers agree, and each attack file is refused."""

from .conftest import BenchSmoke


def test_the_benchmark_runs(bench_smoke: BenchSmoke) -> None:
    rows = bench_smoke("file_reading")
    figures = [figure for _, figure, *_ in rows]
    assert any(figure.startswith("xlsx of 300 rows") for figure in figures)
    assert any(figure.startswith("zip_bomb_xlsx: refused") for figure in figures)
