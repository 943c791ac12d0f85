"""Hostile import files, as an attack run sent them: each is refused with a typed error
naming the limit it crossed, no import is stored, the service answers other requests while
it reads the file, and its memory grows by less than 100 MB while refusing it."""

import base64

import pytest
from punte_contacts.imports.models import ImportJob
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_contracts.system import health_request
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.hostile_files import (
    cell,
    dimension_lie_xlsx,
    long_line_csv,
    peak_memory,
    probing,
    row,
    xlsx,
    zip_bomb_xlsx,
)

from ..conftest import WRITER, call_error, count_rows
from .test_imports import HEADERS, MAPPING, csv_bytes

MEMORY_BUDGET = 100 * 1024 * 1024
# Other requests wait at most this long while a file is read (the old reader blocked 25 s).
SLOWEST_ANSWER = 1.0


def _attack(name: str) -> tuple[str, bytes]:
    header = ",".join(HEADERS).encode() + b"\n"
    header_row = row(
        1, *[cell(f"{col}1", name) for col, name in zip("ABCDEF", HEADERS, strict=True)]
    )
    if name == "dimension_lie":
        return "firme.xlsx", dimension_lie_xlsx()
    if name == "zip_bomb":
        return "firme.xlsx", zip_bomb_xlsx(header=header_row)
    if name == "zip_bomb_lying_about_its_size":
        return "firme.xlsx", zip_bomb_xlsx(declared=4096, header=header_row)
    if name == "one_50_mb_line":
        return "firme.csv", long_line_csv(50_000_000)
    if name == "too_many_rows":
        return "firme.csv", header + b"Firma,,,,,\n" * (c.IMPORT_MAX_ROWS + 1)
    if name == "too_many_cells":
        return "firme.csv", header + (b"," * 59 + b"\n") * 90_000
    if name == "too_long_a_cell":
        return "firme.csv", csv_bytes([["Firma " + "x" * 40_000, "", "", "", "", ""]])
    if name == "too_many_columns":
        return "firme.xlsx", xlsx([header_row, row(2, cell("A2", "Firma"), cell("ZZ2", "x"))])
    raise AssertionError(name)


@pytest.mark.parametrize(
    ("attack", "limit"),
    [
        ("dimension_lie", "max_rows = 100001"),
        ("zip_bomb", "max_unpacked_bytes = 268435456"),
        ("zip_bomb_lying_about_its_size", "max_compression_ratio = 100"),
        ("one_50_mb_line", "max_line_chars = 1000000"),
        ("too_many_rows", "max_rows = 100001"),
        ("too_many_cells", "max_cells = 5000000"),
        ("too_long_a_cell", "max_cell_chars = 32767"),
        ("too_many_columns", "max_columns = 200"),
    ],
)
async def test_a_hostile_file_is_refused_naming_the_limit_while_the_service_answers(
    contacts: ServiceRuntime, attack: str, limit: str
) -> None:
    filename, content = _attack(attack)
    if len(content) <= c.IMPORT_MAX_BYTES:
        body = c.StartImport(
            kind=c.ImportKind.ORGANIZATIONS,
            filename=filename,
            content_base64=base64.b64encode(content).decode(),
            mapping=MAPPING,
        )
        field = "content_base64"
    else:
        staged = await contacts.files.put(
            content, filename=filename, media_type="text/csv", owner=WRITER.actor
        )
        body = c.StartImport(
            kind=c.ImportKind.ORGANIZATIONS, staged_file_id=staged.id, mapping=MAPPING
        )
        field = "staged_file_id"
    assert contacts.client is not None
    client = contacts.client
    health = health_request("contacts")()

    async with peak_memory() as memory, probing(lambda: client.call(health)) as answers:
        error = await call_error(contacts, body)

    assert error.code is ErrorCode.VALIDATION_FAILED
    assert error.fields[0].path == [field]
    assert f"over the limit {limit}" in error.message
    assert await count_rows(contacts, ImportJob) == 0  # nothing stored, nothing half-done
    assert answers.gaps  # at least one request was served while the file was read
    assert answers.slowest < SLOWEST_ANSWER, answers.gaps
    assert memory.growth < MEMORY_BUDGET, f"{memory.growth / 1024**2:.0f} MB"
