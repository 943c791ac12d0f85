"""CSV and XLSX files as staff open them: writing exports (imports read them with the kit's
`punte_platform.tables`, and `unguard` what an export guarded)."""

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
