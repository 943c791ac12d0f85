"""Untrusted tables: good CSV and XLSX files read as Excel shows them; each limit refuses a
file over it while reading, naming itself; damaged files are unreadable; reading runs off the
event loop; and the memory measure the services' tests rely on sees what it should."""

import asyncio
import io
import threading
import time
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from openpyxl.utils.datetime import CALENDAR_MAC_1904
from punte_platform.tables import (
    Table,
    TableFormat,
    TableLimits,
    TableRow,
    TableTooLarge,
    UnreadableTable,
    open_table,
    read_table,
)
from punte_platform.testing.hostile_files import (
    cell,
    dimension_lie_xlsx,
    long_line_csv,
    peak_memory,
    row,
    xlsx,
    zip_bomb_xlsx,
    zip_file,
)


def rows(filename: str, content: bytes, **limits: int) -> list[TableRow]:
    return list(open_table(filename, content, TableLimits(**limits)).rows)


def refusal(filename: str, content: bytes, **limits: int) -> TableTooLarge:
    with pytest.raises(TableTooLarge) as caught:
        rows(filename, content, **limits)
    return caught.value


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_workbook_reads_as_excel_shows_it() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Denumire", "CUI", "Înființată", "Cotă", "Activă", "Întâlnire"])
    sheet.append(["Asociația Bănățeană", 4269282, date(2020, 5, 1), 1.5, True, None])
    sheet["F2"] = datetime(2021, 3, 4, 9, 30)
    sheet["H5"] = "departe"
    table = open_table("firme.xlsx", workbook_bytes(workbook), TableLimits())
    assert table.format is TableFormat.XLSX
    assert list(table.rows) == [
        (1, ["Denumire", "CUI", "Înființată", "Cotă", "Activă", "Întâlnire"]),
        (2, ["Asociația Bănățeană", "4269282", "2020-05-01", "1.5", "True", "2021-03-04 09:30:00"]),
        (5, ["", "", "", "", "", "", "", "departe"]),  # a row's gap costs nothing
    ]


def test_a_mac_workbook_counts_dates_from_1904() -> None:
    workbook = Workbook()
    workbook.epoch = CALENDAR_MAC_1904
    sheet = workbook.active
    assert sheet is not None
    sheet.append([date(2024, 2, 29)])
    assert rows("mac.xlsx", workbook_bytes(workbook)) == [(1, ["2024-02-29"])]


def test_shared_strings_join_their_runs_and_leave_out_phonetic_hints() -> None:
    strings = (
        b"<si><r><t>Ti</t></r><r><t xml:space='preserve'>mi\xc8\x99oara </t></r>"
        b"<rPh sb='0' eb='1'><t>x</t></rPh></si><si><t>CUI</t></si>"
    )
    content = xlsx(
        [row(1, b'<c r="A1" t="s"><v>1</v></c>', b'<c r="C1" t="s"><v>0</v></c>')],
        shared_strings=strings,
    )
    assert rows("f.xlsx", content) == [(1, ["CUI", "", "Timișoara "])]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("Nume,CUI\nȘcoala Gimnazială,123\n".encode("utf-8-sig"), ["Școala Gimnazială", "123"]),
        ("Nume;CUI\nŞcoala;123\n".encode("cp1250"), ["Şcoala", "123"]),
        (b'Nume,Note\r\n"Alfa, SRL","two\r\nlines"\r\n', ["Alfa, SRL", "two\r\nlines"]),
    ],
)
def test_a_csv_reads_in_its_encoding_and_delimiter(content: bytes, expected: list[str]) -> None:
    table = open_table("f.csv", content, TableLimits())
    assert table.format is TableFormat.CSV
    assert list(table.rows)[1] == (2, expected)


def test_the_4_7_kb_dimension_lie_is_refused_at_its_far_row() -> None:
    content = dimension_lie_xlsx()
    assert len(content) < 4_700
    error = refusal("f.xlsx", content)
    assert (error.limit, error.value) == ("max_rows", 100_001)
    assert str(error) == "row 1048576: over the limit max_rows = 100001"


def test_a_zip_bomb_is_refused_by_its_declared_size_or_when_its_ratio_shows() -> None:
    honest = zip_bomb_xlsx()
    assert len(honest) < 5_000_000
    assert "max_unpacked_bytes" in str(refusal("bomb.xlsx", honest))  # before inflating
    lying = zip_bomb_xlsx(declared=4096)
    error = refusal("bomb.xlsx", lying)
    assert error.limit == "max_compression_ratio"  # while inflating, after the first MB


def test_a_member_under_the_ratio_but_over_the_size_is_refused_while_inflating() -> None:
    rows_xml = (row(n, cell(f"A{n}", f"{n * 7919 % 100_003:06d}")) for n in range(1, 60_000))
    content = xlsx(rows_xml, declared_sizes={"xl/worksheets/sheet1.xml": 1000})
    error = refusal("f.xlsx", content, max_unpacked_bytes=1_000_000)
    assert error.limit == "max_unpacked_bytes"
    assert "inflating xl/worksheets/sheet1.xml" in str(error)


LONG_SHARED_STRING = xlsx(
    [row(1, b'<c r="A1" t="s"><v>0</v></c>')],
    shared_strings=b"<si><t>%s</t></si>" % (b"x" * 40_000),
)
TWELVE_CELLS = xlsx([row(n, cell(f"A{n}", "x"), cell(f"B{n}", "y")) for n in range(1, 7)])
LONG_TAG = xlsx([row(1, b'<c r="A1" s="%s"/>' % (b"1" * 600_000))])
SHARED_TEXT = xlsx([], shared_strings=b"<si><t>abcdefgh</t></si>" * 200)
DTD = zip_file({"xl/workbook.xml": b'<!DOCTYPE w [<!ENTITY a "a">]><w>&a;</w>'})


@pytest.mark.parametrize(
    ("filename", "content", "limits", "limit"),
    [
        ("f.xlsx", xlsx([row(1, cell("XFD1", "x"))]), {}, "max_columns"),
        ("f.csv", b",".join([b"c"] * 201), {}, "max_columns"),
        ("f.xlsx", xlsx([row(1, cell("A1", "x" * 32_768))]), {}, "max_cell_chars"),
        ("f.csv", b"a,b\n" + b"x" * 32_768 + b",y\n", {}, "max_cell_chars"),
        ("f.csv", b'a\n"' + b"x\n" * 70_000 + b'"\n', {}, "max_cell_chars"),
        ("f.xlsx", LONG_SHARED_STRING, {}, "max_cell_chars"),
        ("f.csv", b"a,b,c\n" * 6, {"max_rows": 5}, "max_rows"),
        ("f.csv", b"a,b,c\n" * 4, {"max_cells": 10}, "max_cells"),
        ("f.xlsx", TWELVE_CELLS, {"max_cells": 10}, "max_cells"),
        ("f.csv", long_line_csv(3_000_000), {}, "max_line_chars"),
        ("f.xlsx", LONG_TAG, {"max_line_chars": 100_000}, "max_line_chars"),
        ("f.xlsx", SHARED_TEXT, {"max_shared_text_bytes": 1_000}, "max_shared_text_bytes"),
        ("f.xlsx", xlsx([]), {"max_zip_members": 5}, "max_zip_members"),
    ],
)  # fmt: skip
def test_each_limit_refuses_a_file_over_it_naming_itself(
    filename: str, content: bytes, limits: dict[str, int], limit: str
) -> None:
    error = refusal(filename, content, **limits)
    value = getattr(TableLimits(**limits), limit)
    assert (error.limit, error.value) == (limit, value)
    assert f"over the limit {limit} = {value}" in str(error)


def _with_byte_changed(content: bytes, marker: bytes) -> bytes:
    at = content.index(marker)
    return content[:at] + bytes([content[at] ^ 1]) + content[at + 1 :]


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("f.xlsx", b"PK\x03\x04 not a zip", "no zip directory"),
        ("f.xlsx", xlsx([])[:-30], "no zip directory"),
        ("f.xlsx", zip_file({"[Content_Types].xml": b"<Types/>"}), "no xl/workbook.xml"),
        (
            "f.xlsx",
            zip_file({"xl/workbook.xml": b'<!DOCTYPE w [<!ENTITY a "a">]><w>&a;</w>'}),
            "DTD",
        ),
        ("f.xlsx", xlsx([b"<row><c><v>1</v></row>"]), "mismatched tag"),
        ("f.xlsx", xlsx([row(1, b'<c r="A1" t="s"><v>7</v></c>')]), "no shared string 7"),
        ("f.xlsx", _with_byte_changed(xlsx([]), b"PK\x01\x02"), "damaged zip directory"),
        ("f.zip", xlsx([]), "not .xlsx"),
        ("f.pdf", b"%PDF-1.7", "not a CSV or XLSX"),
        ("f.csv", b"a,b\x00c", "binary content"),
    ],
)
def test_a_damaged_or_foreign_file_is_unreadable(
    filename: str, content: bytes, message: str
) -> None:
    with pytest.raises(UnreadableTable, match=message) as caught:
        rows(filename, content)
    assert not isinstance(caught.value, TableTooLarge)


def test_a_member_whose_bytes_do_not_match_its_checksum_is_damaged() -> None:
    content = xlsx([row(1, cell("A1", "x"))])
    directory = content.rindex(b"PK\x01\x02" + b"\x14\x00" * 2)  # the sheet's entry, last
    crc_at = directory + 16
    broken = content[:crc_at] + b"\x00\x00\x00\x00" + content[crc_at + 4 :]
    with pytest.raises(UnreadableTable, match=r"sheet1\.xml is damaged"):
        rows("f.xlsx", broken)


async def test_a_table_is_read_in_a_worker_while_the_event_loop_keeps_running() -> None:
    content = b"".join(b"%d,Firma %d,Timisoara\n" % (n, n) for n in range(150_000))
    loop_thread = threading.get_ident()
    readers: set[int] = set()
    gaps: list[float] = []
    reading = True

    def consume(table: Table) -> int:
        readers.add(threading.get_ident())
        return sum(len(cells) for _, cells in table.rows)

    async def tick() -> None:
        last = time.monotonic()
        while reading:
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now

    ticker = asyncio.create_task(tick())
    cells = await read_table("f.csv", content, TableLimits(max_rows=200_000), consume)
    reading = False
    await ticker
    assert cells == 450_000
    assert readers
    assert loop_thread not in readers
    assert len(gaps) > 5  # the loop ran while the file was read
    assert max(gaps) < 0.5


async def test_the_memory_measure_sees_what_a_worker_thread_holds() -> None:
    def hold() -> int:
        block = bytearray(150 * 1024 * 1024)
        block[::4096] = b"\x01" * len(block[::4096])  # touched: resident
        return len(block)

    async with peak_memory() as peak:
        await asyncio.to_thread(hold)
    assert peak.growth > 140 * 1024 * 1024
    async with peak_memory() as idle:
        await asyncio.sleep(0.01)
    assert idle.growth < 10 * 1024 * 1024
