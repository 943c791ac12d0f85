"""CSV and XLSX files as staff open them: writing exports (reading imports lives here too)."""

import csv
import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.cell import WriteOnlyCell  # type: ignore[import-untyped]

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Characters XML 1.0 (so XLSX) cannot hold.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMBER = re.compile(r"^[+-][\d\s().]*$")


def neutralise(value: str) -> str:
    """A cell text that a spreadsheet will not run as a formula (CSV injection).

    `=`, `@`, tab and carriage return always get a leading `'`; `+` and `-` only when not
    followed by a plain number (so E.164 phones stay as they are)."""
    if not value:
        return value
    if value[0] in "=@\t\r" or (value[0] in "+-" and not _NUMBER.match(value)):
        return "'" + value
    return value


def unguard(value: str) -> str:
    """Undo `neutralise`: an exported CSV imports back with the values it was made from."""
    # A value that itself began with the `'` the guard adds (rare) loses it too.
    if value.startswith("'") and neutralise(value[1:]) == value:
        return value[1:]
    return value


def to_csv(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> bytes:
    """RFC 4180 CSV, comma-separated, CRLF, UTF-8 with a BOM (Excel reads diacritics)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(headers: Sequence[str], rows: Iterable[Sequence[str]], *, title: str) -> bytes:
    """One sheet with a header row; every value stored as text (never as a formula)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title)
    for row in (headers, *rows):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=_ILLEGAL.sub("", value))
            cell.data_type = "s"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class UnreadableFile(ValueError):
    """Not a CSV or XLSX file this service can read."""


_ZIP_MAGIC = b"PK\x03\x04"


def read_table(filename: str, content: bytes) -> list[list[str]]:
    """The rows of a CSV or XLSX file (first sheet) as texts; `UnreadableFile` otherwise.

    CSV: UTF-8 (with or without BOM) or, failing that, Windows-1250 (what Romanian Excel
    saves); the delimiter is `;` when the first line holds more of them than commas."""
    name = filename.casefold()
    if content.startswith(_ZIP_MAGIC):
        if not name.endswith(".xlsx"):
            raise UnreadableFile("a zip-based file that is not .xlsx: upload CSV or XLSX")
        return _read_xlsx(content)
    if not name.endswith((".csv", ".txt")):
        raise UnreadableFile("not a CSV or XLSX file")
    return _read_csv(content)


def _read_csv(content: bytes) -> list[list[str]]:
    if b"\x00" in content:
        raise UnreadableFile("binary content: not a CSV file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1250", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        return [[unguard(cell) for cell in row] for row in rows]
    except csv.Error as error:
        raise UnreadableFile(f"not a readable CSV file: {error}") from None


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged file
        raise UnreadableFile(f"not a readable XLSX file: {error}") from None
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    """A cell as text: whole numbers without `.0` (a CUI typed as a number stays digits)."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
