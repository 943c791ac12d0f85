"""Reading import files: the bounded streaming reader against the reader it replaced.

    uv run python bench/file_reading.py [--rows 20000] [--repeat 3]

A realistic organisations file of `--rows` rows (the `contacts_import.py` rows: Romanian names
with diacritics, valid CUIs, Timișoara addresses, an e-mail and a phone; 9 columns) is written
as CSV (UTF-8 with BOM, as the export writes it) and as XLSX (openpyxl's ordinary workbook,
shared strings, as Excel saves one). Each is read to the last cell, best of `--repeat`:

- baseline (same run): the reader before issue 9 (`spreadsheets.read_table` at 9f8c057,
  copied below): openpyxl's read-only mode for XLSX, the whole CSV decoded then split;
- `punte_platform.tables.open_table` iterated in this thread, and `read_table` (the same in
  the kit's worker thread, awaited from an event loop, as contacts calls it).

Then the peak of Python allocations while reading (tracemalloc, a separate pass), and the
seconds and peak to refuse the attack files of issue 9 (which the old reader took 25 s and
2 GB, or 386 s, to fail on). Aim: the new reader within 1.5x the old one's time.
"""

import argparse
import asyncio
import csv
import functools
import io
import time
import tracemalloc
from collections.abc import Callable, Iterable
from typing import Any

import _common as c
from contacts_import import HEADERS, csv_bytes, generate_rows
from openpyxl import Workbook, load_workbook
from punte_platform.tables import Table, TableLimits, UnreadableTable, open_table, read_table
from punte_platform.testing.hostile_files import dimension_lie_xlsx, long_line_csv, zip_bomb_xlsx

AIM_RATIO = 1.5


def old_read_table(filename: str, content: bytes) -> list[list[str]]:
    """The reader before issue 9 (punte_contacts.spreadsheets at 9f8c057), for the baseline."""
    if content.startswith(b"PK\x03\x04"):
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            return [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
        finally:
            workbook.close()
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1250", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filled(rows: Iterable[list[str]]) -> int:
    """The non-empty cells: what both readers must agree on (widths of empty tails differ)."""
    return sum(1 for row in rows for text in row if text)


def count_new(filename: str, content: bytes) -> int:
    return filled(cells for _, cells in open_table(filename, content, TableLimits()).rows)


def count_new_in_worker(filename: str, content: bytes) -> int:
    def consume(table: Table) -> int:
        return filled(cells for _, cells in table.rows)

    return asyncio.run(read_table(filename, content, TableLimits(), consume))


def count_old(filename: str, content: bytes) -> int:
    return filled(old_read_table(filename, content))


def best_seconds(read: Callable[[], int], repeat: int) -> tuple[float, int]:
    times, cells = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        cells = read()
        times.append(time.perf_counter() - started)
    return min(times), cells


def peak_mb(read: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        read()
        return tracemalloc.get_traced_memory()[1] / 1024**2
    finally:
        tracemalloc.stop()


def refusal(filename: str, content: bytes) -> tuple[float, float, str]:
    """Seconds and peak MB to refuse a file, and the refusal."""
    message = ""

    def read() -> None:
        nonlocal message
        try:
            count_new(filename, content)
        except UnreadableTable as error:
            message = str(error)

    started = time.perf_counter()
    read()
    seconds = time.perf_counter() - started
    return seconds, peak_mb(read), message


def bench(args: argparse.Namespace) -> dict[str, Any]:
    rows = generate_rows(args.rows)
    files = {"csv": ("firme.csv", csv_bytes(rows)), "xlsx": ("firme.xlsx", xlsx_bytes(rows))}
    figures: dict[str, Any] = {}
    for kind, (filename, content) in files.items():
        old = functools.partial(count_old, filename, content)
        new = functools.partial(count_new, filename, content)
        old_s, old_cells = best_seconds(old, args.repeat)
        new_s, new_cells = best_seconds(new, args.repeat)
        worker_s, _ = best_seconds(
            functools.partial(count_new_in_worker, filename, content), args.repeat
        )
        assert new_cells == old_cells, (kind, new_cells, old_cells)  # the same cells, read
        figures[kind] = {
            "bytes": len(content),
            "rows": args.rows,
            "cells": new_cells,
            "old_s": old_s,
            "new_s": new_s,
            "new_in_worker_s": worker_s,
            "old_rows_per_s": args.rows / old_s,
            "new_rows_per_s": args.rows / new_s,
            "new_in_worker_rows_per_s": args.rows / worker_s,
            "ratio_new_over_old": new_s / old_s,
            "old_peak_mb": peak_mb(old),
            "new_peak_mb": peak_mb(new),
        }
    attacks = {
        "dimension_lie_xlsx": ("f.xlsx", dimension_lie_xlsx()),
        "zip_bomb_xlsx": ("f.xlsx", zip_bomb_xlsx(args.bomb_mb * 1024**2, declared=4096)),
        "one_line_csv": ("f.csv", long_line_csv(args.line_mb * 1_000_000)),
    }
    refused = {}
    for name, (filename, content) in attacks.items():
        seconds, peak, message = refusal(filename, content)
        assert "over the limit" in message, (name, message)
        refused[name] = {
            "bytes": len(content),
            "seconds": seconds,
            "peak_mb": peak,
            "error": message,
        }
    return {"rows": args.rows, "repeat": args.repeat, "figures": figures, "refused": refused}


def report(result: dict[str, Any]) -> dict[str, bool]:
    verdicts = {}
    rows = []
    for kind, f in result["figures"].items():
        ok = f["ratio_new_over_old"] <= AIM_RATIO
        verdicts[f"{kind}_within_aim"] = ok
        rows.append(
            [
                kind,
                f"{f['bytes'] / 1024**2:.1f}",
                f"{f['old_rows_per_s']:,.0f}",
                f"{f['new_rows_per_s']:,.0f}",
                f"{f['new_in_worker_rows_per_s']:,.0f}",
                f"{f['ratio_new_over_old']:.2f}x",
                f"{f['old_peak_mb']:.1f} / {f['new_peak_mb']:.1f}",
                f"<= {AIM_RATIO}x",
                c.verdict(ok),
            ]
        )
    headers = ["file", "MB", "old rows/s", "new rows/s", "in worker", "new/old", "peak MB o/n"]
    print(c.table([*headers, "aim", ""], rows))
    print()
    refusals = [
        [
            name,
            f"{r['bytes'] / 1024**2:.2f}",
            f"{r['seconds']:.3f}",
            f"{r['peak_mb']:.1f}",
            r["error"],
        ]
        for name, r in result["refused"].items()
    ]
    print(c.table(["attack", "MB", "refused in s", "peak MB", "refusal"], refusals))
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--bomb-mb", type=int, default=1100, help="the zip bomb's inflated MB")
    parser.add_argument("--line-mb", type=int, default=50, help="the one-line CSV's MB")
    args = c.parse_args(parser, smoke={"rows": 300, "repeat": 1, "bomb_mb": 20, "line_mb": 2})
    facts = c.print_header(f"file reading: {args.rows:,} organisations as CSV and XLSX")
    result = bench(args)
    verdicts = report(result)
    c.write_results(
        "file_reading",
        {"benchmark": "file_reading", "machine": facts, **result, "meets_aims": verdicts},
    )


if __name__ == "__main__":
    main()
