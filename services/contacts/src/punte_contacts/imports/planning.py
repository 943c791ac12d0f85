"""The dry run of an import: each row checked on its own (values, duplicates within the
file) and against the database (the record its natural key finds, looked up a batch at a
time), and what it would do. `start` plans a small file at once; over
`IMPORT_CHECKED_AT_ONCE_ROWS` rows it stores the rows unchecked and `validate_chunk` (run by
the imports subscriber, one transaction a chunk) plans them a chunk at a time, the
duplicates against the natural keys earlier chunks stored."""

from dataclasses import dataclass, field
from typing import Any

from punte_contracts import contacts as c
from punte_contracts.errors import FieldError
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.files import FileStore
from punte_platform.messaging.outbox import Outbox
from punte_platform.tables import TableLimits
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.imports import repository, service
from punte_contacts.imports.kinds import AnyStrategy, Record, strategy_for
from punte_contacts.imports.models import ImportJob
from punte_contacts.imports.reading import Rows, address, plain_values, read_rows
from punte_contacts.merges.snapshot import decode_row, encode_value


@dataclass
class Checked:
    """A row checked on its own: valid, with its cleaned columns (those `create` would
    store), or not, with its errors."""

    valid: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


@dataclass
class Plan:
    """What a checked row does, given the record its key finds."""

    action: c.ImportAction
    existing: Record | None = None
    update: c.UpdateOrganization | c.UpdatePerson | None = None
    errors: list[FieldError] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # a creation's cleaned columns


def check(strategy: AnyStrategy, cells: dict[str, str]) -> Checked:
    """A row checked on its own by the record's rules."""
    try:
        values = strategy.cleaned(plain_values(cells), cells)
    except ValidationError as error:
        return Checked(errors=_pydantic_errors(error))
    except ServiceError as error:
        return Checked(
            errors=list(error.body.fields) or [FieldError(path=["row"], message=error.body.message)]
        )
    return Checked(valid=True, values=values)


def _pydantic_errors(error: ValidationError) -> list[FieldError]:
    result = []
    for item in error.errors():
        path = [p for p in item["loc"] if isinstance(p, str | int)]
        if path and path[0] == "address":
            path = path[1:]
        message = "missing" if item["type"] == "missing" else str(item["msg"])
        result.append(FieldError(path=path or ["row"], message=message))
    return result


def _changes(strategy: AnyStrategy, update: Any, existing: Record) -> list[str]:
    fields = {
        name
        for name in type(update).model_fields
        if name not in {"id", "expected_version", "clear"} and getattr(update, name) is not None
    }
    values = strategy.update_values(update, fields)
    return sorted(name for name, value in values.items() if getattr(existing, name) != value)


def _plan(
    strategy: AnyStrategy,
    mode: c.ImportMode,
    checked: Checked,
    existing: Any,
    cells: dict[str, str],
) -> Plan:
    """What a row checked on its own does, given the record its key finds."""
    if not checked.valid:
        return Plan(c.ImportAction.SKIP, errors=checked.errors)
    key_field = strategy.key_field
    if existing is None:
        if mode is c.ImportMode.UPDATE:
            message = f"no record with this {key_field} to update"
            return Plan(c.ImportAction.SKIP, errors=[FieldError(path=[key_field], message=message)])
        return Plan(c.ImportAction.CREATE, values=checked.values)
    if mode is c.ImportMode.CREATE:
        message = f"already exists as {existing.id}"
        return Plan(
            c.ImportAction.SKIP, existing, errors=[FieldError(path=[key_field], message=message)]
        )
    refused = strategy.not_updatable(existing)
    if refused is not None:
        return Plan(
            c.ImportAction.SKIP, existing, errors=[FieldError(path=[key_field], message=refused)]
        )
    if cells.keys() <= checked.values.keys() and all(
        getattr(existing, name) == checked.values[name] for name in cells
    ):
        # The row's cleaned values are what is stored already (a re-run): nothing to build.
        return Plan(c.ImportAction.UNCHANGED, existing)
    update = strategy.update_body(existing, {**plain_values(cells), "address": address(cells)})
    changed = _changes(strategy, update, existing)
    action = c.ImportAction.UPDATE if changed else c.ImportAction.UNCHANGED
    return Plan(action, existing, update=update)


def rechecked(strategy: AnyStrategy, row: repository.CheckedRow) -> Checked:
    """A stored row as checked on its own: its file errors stand as they were, and the
    dry run's cleaned columns serve as they are (the same rules would give the same)."""
    if row.errors:
        return Checked(errors=[FieldError.model_validate(e) for e in row.errors])
    if row.cleaned is not None:
        return Checked(valid=True, values=decode_row(strategy.table, row.cleaned))
    return check(strategy, row.cells)


async def plans(
    session: AsyncSession,
    strategy: AnyStrategy,
    mode: c.ImportMode,
    rows: list[tuple[Checked, dict[str, str]]],
) -> list[Plan]:
    """Plan checked rows against the database, with one lookup per batch of keys."""
    keys = [strategy.natural_key(one.values) if one.valid else None for one, _ in rows]
    existing: dict[str, Any] = dict(
        await strategy.existing(session, [key for key in keys if key is not None])
    )
    return [
        _plan(strategy, mode, one, existing.get(key) if key is not None else None, cells)
        for (one, cells), key in zip(rows, keys, strict=True)
    ]


def _without_duplicates(
    strategy: AnyStrategy, rows: Rows, checks: list[Checked], seen: dict[str, int]
) -> list[tuple[Checked, dict[str, str]]]:
    """Rows checked on their own, in file order, with their cells; a valid row whose natural
    key an earlier line holds (`seen`, which gains the keys claimed here) is a duplicate."""
    key_field = strategy.key_field
    result: list[tuple[Checked, dict[str, str]]] = []
    for (line, cells), checked in zip(rows, checks, strict=True):
        key = strategy.natural_key(checked.values) if checked.valid else None
        if key is not None and key in seen:
            message = f"duplicate in the file: same {key_field} as line {seen[key]}"
            checked = Checked(errors=[FieldError(path=[key_field], message=message)])
        elif key is not None:
            seen[key] = line
        result.append((checked, cells))
    return result


def _row_values(strategy: AnyStrategy, checked: Checked, plan: Plan) -> dict[str, Any]:
    """The dry run's columns of one row: its errors, its plan and its cleaned values."""
    return {
        "errors": [e.model_dump(mode="json") for e in checked.errors],
        "action": plan.action,
        "target_id": plan.existing.id if plan.existing is not None else None,
        "plan_errors": [e.model_dump(mode="json") for e in plan.errors],
        "cleaned": (
            {name: encode_value(value) for name, value in checked.values.items()}
            if checked.valid
            else None
        ),
        "natural_key": strategy.natural_key(checked.values) if checked.valid else None,
    }


def _counts(actions: list[c.ImportAction]) -> dict[str, int]:
    return {action.value: actions.count(action) for action in c.ImportAction}


def _add_counts(counts: dict[str, int], planned: list[Plan]) -> dict[str, int]:
    result = dict(counts)
    for plan in planned:
        result[plan.action.value] = result.get(plan.action.value, 0) + 1
    return result


async def start(
    session: AsyncSession,
    files: FileStore | None,
    outbox: Outbox,
    body: c.StartImport,
    *,
    actor: str | None,
    table_limits: TableLimits,
) -> c.ImportJob:
    """Read the file and store the job and its rows; check them at once and answer the dry
    run, or, over `IMPORT_CHECKED_AT_ONCE_ROWS` rows, answer `validating` and queue the
    first chunk's check for the background subscriber (`validate_chunk`)."""
    strategy = strategy_for(body.kind)
    filename, rows = await read_rows(body, files, strategy, table_limits)
    job = ImportJob(
        id=new_id(),
        kind=body.kind,
        mode=body.mode,
        filename=filename,
        status=c.ImportStatus.VALIDATING,
        total_rows=len(rows),
        rows_done=0,
        next_chunk=0,
        error_rows=0,
        planned=_counts([]),
        done=_counts([]),
        created_by=actor,
        created_at=utcnow(),
        applied_at=None,
        reverted_at=None,
    )
    session.add(job)
    if len(rows) > c.IMPORT_CHECKED_AT_ONCE_ROWS:
        await session.flush()
        # Only the cells for now (a placeholder plan): `validate_chunk` checks them.
        await repository.add_unchecked_rows(session, job.id, rows)
        await outbox.add(
            session,
            c.ImportValidateRequested(import_id=job.id, chunk=0, after_line=0),
            key=str(job.id),
        )
        return await service.to_contract(session, job)
    checked = _without_duplicates(strategy, rows, [check(strategy, cells) for _, cells in rows], {})
    planned = await plans(session, strategy, body.mode, checked)
    job.status = c.ImportStatus.VALIDATED
    job.error_rows = sum(1 for plan in planned if plan.errors)
    job.planned = _add_counts(job.planned, planned)
    await session.flush()
    await repository.add_rows(
        session,
        [
            {"job_id": job.id, "line": line, "cells": cells, **_row_values(strategy, one, plan)}
            for (line, cells), (one, _), plan in zip(rows, checked, planned, strict=True)
        ],
    )
    return await service.to_contract(session, job)


async def validate_chunk(
    session: AsyncSession, outbox: Outbox, message: c.ImportValidateRequested
) -> None:
    """Check the next `CHUNK` rows of a job still validating (one transaction), as `start`
    checks a small file, queueing the next chunk or marking the job validated.

    A message for a chunk already done, or for a job no longer validating, does nothing."""
    job = await repository.get(session, message.import_id, lock=True)
    if job is None or job.status is not c.ImportStatus.VALIDATING:
        return
    if message.chunk != job.next_chunk:
        return
    strategy = strategy_for(job.kind)
    rows = await repository.cells_after(session, job.id, message.after_line, service.CHUNK)
    checks = [check(strategy, cells) for _, cells in rows]
    keys = [strategy.natural_key(one.values) for one in checks if one.valid]
    # The keys earlier chunks' rows claimed (by line), then this chunk's in turn.
    seen = await repository.claimed_keys(session, job.id, [key for key in keys if key])
    again = _without_duplicates(strategy, rows, checks, seen)
    planned = await plans(session, strategy, job.mode, again)
    await repository.update_rows(
        session,
        [
            {"job_id": job.id, "line": line, **_row_values(strategy, one, plan)}
            for (line, _), (one, _), plan in zip(rows, again, planned, strict=True)
        ],
    )
    job.planned = _add_counts(job.planned, planned)
    job.error_rows += sum(1 for plan in planned if plan.errors)
    job.rows_done += len(rows)
    job.next_chunk += 1
    if not rows or job.rows_done >= job.total_rows:
        # Checked: the counters now serve the apply.
        job.status = c.ImportStatus.VALIDATED
        job.rows_done = 0
        job.next_chunk = 0
    else:
        await outbox.add(
            session,
            c.ImportValidateRequested(
                import_id=job.id, chunk=job.next_chunk, after_line=rows[-1][0]
            ),
            key=str(job.id),
        )
    await session.flush()
