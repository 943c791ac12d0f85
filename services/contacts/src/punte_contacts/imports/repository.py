"""Every query of imports, and the natural-key lookups they need."""

import json
from collections.abc import Sequence
from typing import Any, NamedTuple
from uuid import UUID

from punte_contracts.contacts import IMPORT_REPORTED_ROWS, ImportAction, ImportKind
from punte_platform.db import insert_many
from sqlalchemy import (
    String,
    Table,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.imports.models import ImportJob, ImportRow, ImportRowResult
from punte_contacts.interactions.models import InteractionOrganization, InteractionPerson
from punte_contacts.models import Base
from punte_contacts.organizations.models import ContactPoint, Organization
from punte_contacts.organizations.repository import EMAIL, contact_key
from punte_contacts.people.models import Affiliation, ConsentRecord, Person


def _table(model: type[Base]) -> Table:
    """A model's table, for Core inserts that skip the ORM's per-object bookkeeping."""
    return Base.metadata.tables[model.__tablename__]


# Rows per statement: bulk inserts and IN lists stay well under SQLite's and asyncpg's limits.
BATCH = 1000


async def get(session: AsyncSession, job_id: UUID, *, lock: bool = False) -> ImportJob | None:
    """One import job (locked FOR UPDATE on PostgreSQL when `lock`)."""
    query = select(ImportJob).where(ImportJob.id == job_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


_UNDOABLE = (ImportAction.CREATE, ImportAction.UPDATE)


async def count_undoable(session: AsyncSession, job_id: UUID) -> int:
    """How many applied rows created or updated a record (what a revert has to undo)."""
    query = select(func.count()).where(
        ImportRowResult.job_id == job_id, ImportRowResult.action.in_(_UNDOABLE)
    )
    return int(await session.scalar(query) or 0)


async def undoable_before(
    session: AsyncSession, job_id: UUID, before_line: int | None, limit: int
) -> list[ImportRowResult]:
    """The next `limit` applied rows that created or updated a record, before a line, in
    reverse file order (a revert undoes the last row first)."""
    query = select(ImportRowResult).where(
        ImportRowResult.job_id == job_id, ImportRowResult.action.in_(_UNDOABLE)
    )
    if before_line is not None:
        query = query.where(ImportRowResult.line < before_line)
    return list(await session.scalars(query.order_by(ImportRowResult.line.desc()).limit(limit)))


async def add_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert a job's rows, a batch a statement."""
    for start in range(0, len(rows), BATCH):
        await session.execute(insert(ImportRow), list(rows[start : start + BATCH]))


async def cells_after(
    session: AsyncSession, job_id: UUID, after_line: int, limit: int
) -> list[tuple[int, dict[str, str]]]:
    """The line and cells of the next `limit` rows of a job after a line, in file order."""
    query = (
        select(ImportRow.line, ImportRow.cells)
        .where(ImportRow.job_id == job_id, ImportRow.line > after_line)
        .order_by(ImportRow.line)
        .limit(limit)
    )
    return [(line, cells) for line, cells in await session.execute(query)]


async def claimed_keys(session: AsyncSession, job_id: UUID, keys: Sequence[str]) -> dict[str, int]:
    """The line of the row of a job that claimed each of these natural keys, by key."""
    found: dict[str, int] = {}
    wanted = sorted(set(keys))
    for start in range(0, len(wanted), BATCH):
        query = select(ImportRow.natural_key, func.min(ImportRow.line)).where(
            ImportRow.job_id == job_id,
            _one_of(session, ImportRow.natural_key, wanted[start : start + BATCH]),
        )
        for key, line in await session.execute(query.group_by(ImportRow.natural_key)):
            if key is not None:
                found[key] = line
    return found


async def update_rows(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Update rows of jobs by primary key (`job_id`, `line`), a batch a statement."""
    for start in range(0, len(rows), BATCH):
        # ORM bulk UPDATE by primary key: an executemany, no objects loaded.
        await session.execute(update(ImportRow), list(rows[start : start + BATCH]))


async def add_unchecked_rows(
    session: AsyncSession, job_id: UUID, rows: Sequence[tuple[int, dict[str, str]]]
) -> None:
    """Insert a job's rows as read, before their check (a placeholder plan): the large files
    whose dry run runs in the background, in the time a request may take (100,000 rows).

    Straight through the driver (COPY on PostgreSQL, executemany on SQLite) with the JSON
    encoded once here: the 100 multi-row INSERTs through SQLAlchemy, with their per-value
    type processing, took ~5 s for 100,000 rows, as long as a request may take."""
    skip = ImportAction.SKIP.value
    connection = await session.connection()
    raw = (await connection.get_raw_connection()).driver_connection
    if connection.dialect.name == "postgresql":
        await raw.copy_records_to_table(  # type: ignore[union-attr]
            ImportRow.__tablename__,
            records=[(job_id, line, json.dumps(cells), "[]", skip, "[]") for line, cells in rows],
            columns=["job_id", "line", "cells", "errors", "action", "plan_errors"],
        )
        return
    # SQLite stores a UUID as 32 hex digits (SQLAlchemy's `Uuid` there) and JSON as text.
    await raw.executemany(  # type: ignore[union-attr]
        "INSERT INTO import_row (job_id, line, cells, errors, action, plan_errors) "
        "VALUES (?, ?, ?, '[]', ?, '[]')",
        [(job_id.hex, line, json.dumps(cells), skip) for line, cells in rows],
    )


async def add_results(session: AsyncSession, results: Sequence[dict[str, Any]]) -> None:
    """Insert what applied rows did, a batch a statement."""
    # Not the ORM's bulk path: it would scan the session for every batch.
    await insert_many(session, _table(ImportRowResult), results)


class CheckedRow(NamedTuple):
    """What the apply reads of a checked row."""

    line: int
    cells: dict[str, str]
    errors: list[dict[str, Any]]
    cleaned: dict[str, Any] | None


async def rows_after(
    session: AsyncSession, job_id: UUID, after_line: int, limit: int
) -> list[CheckedRow]:
    """The next `limit` rows of a job after a line, in file order (columns, not objects:
    the apply only reads them)."""
    query = (
        select(ImportRow.line, ImportRow.cells, ImportRow.errors, ImportRow.cleaned)
        .where(ImportRow.job_id == job_id, ImportRow.line > after_line)
        .order_by(ImportRow.line)
        .limit(limit)
    )
    return [CheckedRow(*row) for row in await session.execute(query)]


async def last_applied_line(session: AsyncSession, job_id: UUID) -> int:
    """The line of the last row applied so far (0 before the first)."""
    query = select(func.max(ImportRowResult.line)).where(ImportRowResult.job_id == job_id)
    return int(await session.scalar(query) or 0)


async def reported_rows(session: AsyncSession, job_id: UUID) -> list[ImportRow]:
    """The dry run's rows to report: skipped ones (they hold the errors) first, by line."""
    query = (
        select(ImportRow)
        .where(ImportRow.job_id == job_id)
        .order_by(case((ImportRow.action == ImportAction.SKIP, 0), else_=1), ImportRow.line)
        .limit(IMPORT_REPORTED_ROWS)
    )
    return list(await session.scalars(query))


async def reported_results(session: AsyncSession, job_id: UUID) -> list[ImportRowResult]:
    """The applied rows to report: skipped ones (they hold the errors) first, by line."""
    query = (
        select(ImportRowResult)
        .where(ImportRowResult.job_id == job_id)
        .order_by(
            case((ImportRowResult.action == ImportAction.SKIP, 0), else_=1), ImportRowResult.line
        )
        .limit(IMPORT_REPORTED_ROWS)
    )
    return list(await session.scalars(query))


def _one_of(session: AsyncSession, column: Any, keys: list[str]) -> Any:
    """`column IN keys`, in a shape whose plan stays an index lookup.

    On PostgreSQL a thousand-value IN list is a prepared statement whose cached generic plan,
    made while an import's table was still small and unanalysed, scans the whole table
    comparing each row with every value: seconds per chunk at 100,000 rows. A join with the
    unnested array keeps the unique index in play (or, at worst, hashes the keys)."""
    if session.get_bind().dialect.name != "postgresql":
        return column.in_(keys)
    wanted = func.unnest(cast(keys, postgresql.ARRAY(String))).table_valued("key").render_derived()
    return column.in_(select(wanted.c.key))


async def organizations_by_cui(
    session: AsyncSession, cuis: Sequence[str]
) -> dict[str, Organization]:
    """The organisations holding these CUIs, by CUI."""
    found: dict[str, Organization] = {}
    keys = sorted(set(cuis))
    for start in range(0, len(keys), BATCH):
        batch = keys[start : start + BATCH]
        query = select(Organization).where(_one_of(session, Organization.cui, batch))
        found.update((org.cui, org) for org in await session.scalars(query) if org.cui)
    return found


async def people_by_email(session: AsyncSession, emails: Sequence[str]) -> dict[str, Person]:
    """The (not merged) person holding each e-mail (lookup form), the oldest when several."""
    found: dict[str, Person] = {}
    keys = sorted({contact_key(EMAIL, email) for email in emails})
    for start in range(0, len(keys), BATCH):
        query = (
            select(ContactPoint.value, Person)
            .join(ContactPoint, ContactPoint.person_id == Person.id)
            .where(
                ContactPoint.kind == EMAIL,
                _one_of(session, ContactPoint.value, keys[start : start + BATCH]),
                Person.merged_into_id.is_(None),
            )
            .order_by(Person.id)
        )
        for value, person in await session.execute(query):
            found.setdefault(value, person)
    return found


async def organization_is_linked(session: AsyncSession, organization_id: UUID) -> bool:
    """Whether affiliations or interactions name the organisation."""
    query = select(
        exists().where(Affiliation.organization_id == organization_id)
        | exists().where(InteractionOrganization.organization_id == organization_id)
    )
    return bool(await session.scalar(query))


async def person_is_linked(session: AsyncSession, person_id: UUID) -> bool:
    """Whether affiliations, interactions or consents name the person."""
    query = select(
        exists().where(Affiliation.person_id == person_id)
        | exists().where(InteractionPerson.person_id == person_id)
        | exists().where(ConsentRecord.person_id == person_id)
    )
    return bool(await session.scalar(query))


async def count_results(session: AsyncSession, job_id: UUID) -> int:
    """How many row results a job has."""
    query = select(func.count()).where(ImportRowResult.job_id == job_id)
    return int(await session.scalar(query) or 0)


async def people_jobs_naming(
    session: AsyncSession, person_id: UUID, emails: list[str]
) -> list[UUID]:
    """Imports of people that acted on this person or whose rows hold one of their e-mails."""
    keys = {email.casefold() for email in emails}
    acted = set(
        await session.scalars(
            select(ImportRowResult.job_id).where(ImportRowResult.target_id == person_id)
        )
    )
    query = (
        select(ImportRow.job_id, ImportRow.cells, ImportRow.target_id)
        .join(ImportJob, ImportJob.id == ImportRow.job_id)
        .where(ImportJob.kind == ImportKind.PEOPLE)
    )
    for job_id, cells, target_id in await session.execute(query):
        if job_id in acted:
            continue
        cell = str(cells.get("emails", "")).casefold()
        if target_id == person_id or any(key in cell for key in keys):
            acted.add(job_id)
    return sorted(acted)


async def delete_jobs(session: AsyncSession, job_ids: list[UUID]) -> None:
    """Delete import jobs and their row results."""
    if not job_ids:
        return
    for table in (ImportRowResult, ImportRow):
        await session.execute(
            delete(table)
            .where(table.job_id.in_(job_ids))
            .execution_options(synchronize_session=False)
        )
    await session.execute(
        delete(ImportJob)
        .where(ImportJob.id.in_(job_ids))
        .execution_options(synchronize_session=False)
    )
