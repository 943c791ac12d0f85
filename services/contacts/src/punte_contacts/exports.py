"""What every list export shares: paging through a search, writing CSV/XLSX, staging the file."""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from punte_contracts import contacts as c
from punte_contracts.files import STAGED_FILE_MAX_BYTES
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.messaging.files import FileStore

from punte_contacts import spreadsheets

BATCH = 1000
LIST_SEPARATOR = "; "

Row = TypeVar("Row")
Search = Callable[[list[Any] | None, int], Awaitable[list[tuple[Row, int]]]]


def too_much(message: str) -> ServiceError:
    """The error of an export over a bound: the filter needs narrowing."""
    return ServiceError.invalid(["query"], f"{message}: narrow the filter")


def text(value: object) -> str:
    """A cell's text: empty for None, lists joined with `LIST_SEPARATOR`, enums by value."""
    if value is None:
        return ""
    if isinstance(value, list):
        return LIST_SEPARATOR.join(str(v) for v in value)
    if isinstance(value, StrEnum):
        return value.value
    return str(value)


def cells(record: object, columns: Sequence[str], **computed: object) -> list[str]:
    """A record's row of an export, in `columns` order: its attributes, or what `computed`
    gives for a column."""
    return [text(computed[n] if n in computed else getattr(record, n, None)) for n in columns]


async def matching(
    search: Search[Row], sort_values: Callable[[Row, int], list[Any]], *, noun: str
) -> list[Row]:
    """Every row a search lists, in its order, fetched in batches; over
    `EXPORT_MAX_ROWS` is `validation_failed`."""
    found: list[Row] = []
    after: list[Any] | None = None
    while True:
        batch = await search(after, BATCH)
        found.extend(row for row, _ in batch)
        if len(found) > c.EXPORT_MAX_ROWS:
            raise too_much(f"more than {c.EXPORT_MAX_ROWS} {noun} match")
        if len(batch) < BATCH:
            return found
        last, rank = batch[-1]
        after = sort_values(last, rank)


async def stage(
    files: FileStore,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    format: c.ExportFormat,
    title: str,
    stem: str,
) -> c.ExportFile:
    """The rows written as CSV or XLSX and staged for download as `<stem>-<time>.<format>`."""
    # Written in a thread: the file of 20,000 rows takes seconds of CPU, during which the
    # service's event loop must go on answering requests.
    if format is c.ExportFormat.XLSX:
        content = await asyncio.to_thread(spreadsheets.to_xlsx, headers, rows, title=title)
        media_type = spreadsheets.XLSX_MEDIA_TYPE
    else:
        content = await asyncio.to_thread(spreadsheets.to_csv, headers, rows)
        media_type = spreadsheets.CSV_MEDIA_TYPE
    limit = min(files.max_bytes, STAGED_FILE_MAX_BYTES)
    if len(content) > limit:
        raise too_much(f"the file would exceed {limit // 1_000_000} MB")
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    staged = await files.put(
        content, filename=f"{stem}-{stamp}.{format.value}", media_type=media_type
    )
    return c.ExportFile(
        file=staged, filename=staged.filename, media_type=staged.media_type, rows=len(rows)
    )
