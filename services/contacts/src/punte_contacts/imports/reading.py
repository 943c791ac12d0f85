"""Reading an import file into rows: the file (staged or inline), its columns mapped to the
kind's fields, and each data row's non-empty cells."""

import base64
import binascii
import re
from typing import Any

from punte_contracts import contacts as c
from punte_contracts.files import STAGED_FILE_MAX_BYTES
from punte_platform import tables
from punte_platform.errors import FieldErrors, ServiceError
from punte_platform.messaging.files import FileStore
from punte_platform.tables import TableLimits

from punte_contacts import spreadsheets
from punte_contacts.imports.kinds import ADDRESS_FIELDS, LIST_FIELDS, AnyStrategy

_SPLIT = re.compile(r"[;,\n]")

Rows = list[tuple[int, dict[str, str]]]


async def read_rows(
    body: c.StartImport, files: FileStore | None, strategy: AnyStrategy, limits: TableLimits
) -> tuple[str, Rows]:
    """The file's name and its data rows (line, mapped non-empty cells), read in a worker
    thread within `limits` (at most `IMPORT_MAX_ROWS` data rows); a file that cannot be
    read, or is over a limit, is `validation_failed` on the file's field."""
    field_name, filename, content = await _content(body, files)
    limits = limits.model_copy(update={"max_rows": min(limits.max_rows, c.IMPORT_MAX_ROWS + 1)})
    mapping = dict(body.mapping)
    try:
        rows = await tables.read_table(
            filename, content, limits, lambda table: _mapped_rows(table, strategy, mapping)
        )
    except tables.UnreadableTable as error:
        raise ServiceError.invalid([field_name], str(error)) from None
    return filename, rows


def _mapped_rows(table: tables.Table, strategy: AnyStrategy, mapping: dict[str, str]) -> Rows:
    """The rows under the header (the first row), each with its mapped non-empty cells.

    A CSV's cells lose the guard an export put against formulas (`spreadsheets.unguard`)."""
    csv = table.format is tables.TableFormat.CSV
    rows = iter(table.rows)
    first = next(rows, None)
    if first is None:
        raise tables.UnreadableTable("the file has no header row")
    headers = [spreadsheets.unguard(h) for h in first[1]] if csv else first[1]
    columns = _columns(strategy, headers, mapping)
    return [(line, cells) for line, raw in rows if (cells := _cells(raw, columns, unguard=csv))]


async def _content(body: c.StartImport, files: FileStore | None) -> tuple[str, str, bytes]:
    """The file's field (for error paths), its name and its bytes, staged or inline."""
    if body.staged_file_id is not None:
        if files is None:
            raise ServiceError.unavailable("staged files are not available")
        field_name = "staged_file_id"
        staged, content = await files.get(body.staged_file_id)
        filename = (body.filename or staged.filename)[:200]
        limit = STAGED_FILE_MAX_BYTES
    else:
        field_name = "content_base64"
        try:
            content = base64.b64decode(body.content_base64 or "", validate=True)
        except (binascii.Error, ValueError):
            raise ServiceError.invalid([field_name], "not base64") from None
        filename = body.filename or ""
        limit = c.IMPORT_MAX_BYTES
    if len(content) > limit:
        raise ServiceError.invalid([field_name], f"the file exceeds {limit // 1000} kB: split it")
    if not content.strip():
        raise ServiceError.invalid([field_name], "the file is empty")
    return field_name, filename, content


def _columns(strategy: AnyStrategy, headers: list[str], mapping: dict[str, str]) -> dict[int, str]:
    """Column index → field, from the mapping (or the headers that are field names)."""
    allowed = strategy.fields
    names = [h.strip() for h in headers]
    if not mapping:
        mapping = {name: name for name in names if name in allowed}
    index = {name: i for i, name in enumerate(names) if name}
    errors = FieldErrors()
    result: dict[int, str] = {}
    for header, target in mapping.items():
        if target not in allowed:
            errors.add(["mapping", header], f"{target!r} is not a field of {strategy.kind.value}")
        elif header.strip() not in index:
            errors.add(["mapping", header], "the file has no such column")
        elif target in result.values():
            errors.add(["mapping", header], f"{target} is mapped twice")
        else:
            result[index[header.strip()]] = target
    if not errors.fields and strategy.required not in result.values():
        errors.add(["mapping"], f"map a column to {strategy.required}")
    errors.raise_if_any()
    return result


def _cells(row: list[str], columns: dict[int, str], *, unguard: bool) -> dict[str, str]:
    cells = {}
    for i, target in columns.items():
        if i < len(row):
            value = (spreadsheets.unguard(row[i]) if unguard else row[i]).strip()
            if value:
                cells[target] = value
    return cells


def plain_values(cells: dict[str, str]) -> dict[str, Any]:
    """A row's cells as contract values (lists split), but the address."""
    return {
        name: _split(value) if name in LIST_FIELDS else value
        for name, value in cells.items()
        if name not in ADDRESS_FIELDS
    }


def address(cells: dict[str, str]) -> dict[str, str]:
    """A row's address cells."""
    return {name: cells[name] for name in ADDRESS_FIELDS if name in cells}


def _split(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text) if part.strip()]
