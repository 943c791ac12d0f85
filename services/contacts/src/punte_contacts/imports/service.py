"""Import of organisations and people from CSV or XLSX. Never commits.

`start` reads the file (staged in the file store, or inline in base64), checks every row on
its own (values, duplicates within the file) and against the database (which record its
natural key finds: CUI for organisations, the first e-mail for people; looked up a batch at a
time), stores the job and its rows (one `import_row` each) and answers the dry run. A file
over `IMPORT_CHECKED_AT_ONCE_ROWS` rows would take longer than a request may (~4,000 rows/s):
`start` stores its rows unchecked and answers `validating`, and `validate_chunk` (run by the
same subscriber as the apply, one transaction a chunk) checks them a chunk at a time, the
duplicates against the natural keys earlier chunks stored, then marks the job `validated`.
`apply` marks the job applying and queues the first chunk; `apply_chunk` (run by a
subscriber, one transaction a chunk) reads only its chunk's rows, re-checks each against the
database, updates through the organisation and person services (so their rules and messages
hold), creates the chunk's new records together as `create` would (the same cleaned values,
contact points, search words and a `...Created` message each, in bulk INSERTs) and records,
per row, what it created or the before-image of what it updated. `revert` deletes what was
created and restores what was updated, except records changed since, reported as conflicts.
Updates change only the fields a row fills: an empty cell leaves the stored value alone."""

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from punte_contracts import contacts as c
from punte_contracts.envelope import DomainMessage
from punte_contracts.errors import FieldError
from punte_contracts.files import STAGED_FILE_MAX_BYTES
from punte_platform.db import utcnow
from punte_platform.errors import FieldErrors, ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.files import FileStore
from punte_platform.messaging.outbox import Outbox
from pydantic import ValidationError
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts import file_fields, search_words, spreadsheets
from punte_contacts.imports import repository
from punte_contacts.imports.models import ImportJob
from punte_contacts.merges.repository import table_of
from punte_contacts.merges.snapshot import decode_row, encode_object, encode_value
from punte_contacts.organizations import repository as organizations
from punte_contacts.organizations import service as organization_service
from punte_contacts.organizations.models import Organization
from punte_contacts.organizations.repository import EMAIL, PHONE
from punte_contacts.people import service as person_service
from punte_contacts.people.models import Person
from punte_contacts.text import search_key

CHUNK = 2000
ORGANIZATION_FIELDS = frozenset(file_fields.ORGANIZATION_IMPORT_FIELDS)
PERSON_FIELDS = frozenset(file_fields.PERSON_IMPORT_FIELDS)
_LIST_FIELDS = file_fields.LIST_FIELDS
_ADDRESS_FIELDS = file_fields.ADDRESS_PARTS
_SPLIT = re.compile(r"[;,\n]")
_NOT_RESTORED = {"id", "version", "updated_at"}

Record = Organization | Person
_RevertMessage = c.OrganizationDeleted | c.PersonDeleted | c.OrganizationUpdated | c.PersonUpdated
Body = c.CreateOrganization | c.CreatePerson


def _fields(kind: c.ImportKind) -> frozenset[str]:
    return ORGANIZATION_FIELDS if kind is c.ImportKind.ORGANIZATIONS else PERSON_FIELDS


def _required(kind: c.ImportKind) -> str:
    return "legal_name" if kind is c.ImportKind.ORGANIZATIONS else "family_name"


def _key_field(kind: c.ImportKind) -> str:
    return "cui" if kind is c.ImportKind.ORGANIZATIONS else "emails"


# ---- reading and checking rows on their own -------------------------------------------------


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


def _columns(kind: c.ImportKind, headers: list[str], mapping: dict[str, str]) -> dict[int, str]:
    """Column index → field, from the mapping (or the headers that are field names)."""
    allowed = _fields(kind)
    names = [h.strip() for h in headers]
    if not mapping:
        mapping = {name: name for name in names if name in allowed}
    index = {name: i for i, name in enumerate(names) if name}
    errors = FieldErrors()
    result: dict[int, str] = {}
    for header, target in mapping.items():
        if target not in allowed:
            errors.add(["mapping", header], f"{target!r} is not a field of {kind.value}")
        elif header.strip() not in index:
            errors.add(["mapping", header], "the file has no such column")
        elif target in result.values():
            errors.add(["mapping", header], f"{target} is mapped twice")
        else:
            result[index[header.strip()]] = target
    if not errors.fields and _required(kind) not in result.values():
        errors.add(["mapping"], f"map a column to {_required(kind)}")
    errors.raise_if_any()
    return result


def _cells(row: list[str], columns: dict[int, str]) -> dict[str, str]:
    return {
        target: row[i].strip() for i, target in columns.items() if i < len(row) and row[i].strip()
    }


def _split(text: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(text) if part.strip()]


def _plain_values(cells: dict[str, str]) -> dict[str, Any]:
    return {
        name: _split(value) if name in _LIST_FIELDS else value
        for name, value in cells.items()
        if name not in _ADDRESS_FIELDS
    }


def _address(cells: dict[str, str]) -> dict[str, str]:
    return {name: cells[name] for name in _ADDRESS_FIELDS if name in cells}


def _pydantic_errors(error: ValidationError) -> list[FieldError]:
    result = []
    for item in error.errors():
        path = [p for p in item["loc"] if isinstance(p, str | int)]
        if path and path[0] == "address":
            path = path[1:]
        message = "missing" if item["type"] == "missing" else str(item["msg"])
        result.append(FieldError(path=path or ["row"], message=message))
    return result


@dataclass
class _Checked:
    """A row checked on its own: valid, with its cleaned columns (those `create` would
    store), or not, with its errors."""

    valid: bool = False
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[FieldError] = field(default_factory=list)


def _check(kind: c.ImportKind, cells: dict[str, str]) -> _Checked:
    plain = _plain_values(cells)
    body: Body
    try:
        if kind is c.ImportKind.ORGANIZATIONS:
            address = _address(cells)
            body = c.CreateOrganization.model_validate(
                {"kind": "other", **plain, "address": address, "source": "import"}
            )
            # Every field, as `create` cleans them: the values then serve a creation as they are.
            values = organization_service.clean_values(body, set(type(body).model_fields))
        else:
            body = c.CreatePerson.model_validate(plain)
            values = person_service.clean_values(body, set(type(body).model_fields))
    except ValidationError as error:
        return _Checked(errors=_pydantic_errors(error))
    except ServiceError as error:
        return _Checked(
            errors=list(error.body.fields) or [FieldError(path=["row"], message=error.body.message)]
        )
    return _Checked(valid=True, values=values)


def _natural_key(kind: c.ImportKind, values: dict[str, Any]) -> str | None:
    if kind is c.ImportKind.ORGANIZATIONS:
        cui = values.get("cui")
        return str(cui) if cui else None
    emails = values.get("emails") or []
    return str(emails[0]).casefold() if emails else None


# ---- checking rows against the database -----------------------------------------------------


@dataclass
class _Plan:
    action: c.ImportAction
    existing: Record | None = None
    update: c.UpdateOrganization | c.UpdatePerson | None = None
    errors: list[FieldError] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)  # a creation's cleaned columns


async def _existing(
    session: AsyncSession, kind: c.ImportKind, keys: list[str]
) -> dict[str, Record]:
    """The records the rows' natural keys find, by key (a query per batch, not per row)."""
    if kind is c.ImportKind.ORGANIZATIONS:
        return dict(await repository.organizations_by_cui(session, keys))
    return dict(await repository.people_by_email(session, keys))


def _update_body(
    kind: c.ImportKind, existing: Record, cells: dict[str, str]
) -> c.UpdateOrganization | c.UpdatePerson:
    plain = _plain_values(cells)
    if isinstance(existing, Organization):
        address = _address(cells)
        if address:
            current = {name: getattr(existing, name) for name in _ADDRESS_FIELDS}
            plain["address"] = c.Address(**(current | address))
        return c.UpdateOrganization(id=existing.id, expected_version=existing.version, **plain)
    return c.UpdatePerson(id=existing.id, expected_version=existing.version, **plain)


def _changes(update: c.UpdateOrganization | c.UpdatePerson, existing: Record) -> list[str]:
    fields = {
        name
        for name in type(update).model_fields
        if name not in {"id", "expected_version", "clear"} and getattr(update, name) is not None
    }
    if isinstance(update, c.UpdateOrganization):
        values = organization_service.clean_values(update, fields)
    else:
        values = person_service.clean_values(update, fields)
    return sorted(name for name, value in values.items() if getattr(existing, name) != value)


def _plan(
    job_kind: c.ImportKind,
    mode: c.ImportMode,
    checked: _Checked,
    existing: Record | None,
    cells: dict[str, str],
) -> _Plan:
    """What a row checked on its own does, given the record its key finds."""
    if not checked.valid:
        return _Plan(c.ImportAction.SKIP, errors=checked.errors)
    key_field = _key_field(job_kind)
    if existing is None:
        if mode is c.ImportMode.UPDATE:
            message = f"no record with this {key_field} to update"
            return _Plan(
                c.ImportAction.SKIP, errors=[FieldError(path=[key_field], message=message)]
            )
        return _Plan(c.ImportAction.CREATE, values=checked.values)
    if mode is c.ImportMode.CREATE:
        message = f"already exists as {existing.id}"
        return _Plan(
            c.ImportAction.SKIP, existing, errors=[FieldError(path=[key_field], message=message)]
        )
    if isinstance(existing, Organization) and existing.status is c.OrganizationStatus.MERGED:
        message = f"belongs to an organisation merged into {existing.merged_into_id}"
        return _Plan(
            c.ImportAction.SKIP, existing, errors=[FieldError(path=[key_field], message=message)]
        )
    if cells.keys() <= checked.values.keys() and all(
        getattr(existing, name) == checked.values[name] for name in cells
    ):
        # The row's cleaned values are what is stored already (a re-run): nothing to build.
        return _Plan(c.ImportAction.UNCHANGED, existing)
    update = _update_body(job_kind, existing, cells)
    action = c.ImportAction.UPDATE if _changes(update, existing) else c.ImportAction.UNCHANGED
    return _Plan(action, existing, update=update)


def _rechecked(kind: c.ImportKind, row: repository.CheckedRow) -> _Checked:
    """A stored row as checked on its own: its file errors stand as they were, and the
    dry run's cleaned columns serve as they are (the same rules would give the same)."""
    if row.errors:
        return _Checked(errors=[FieldError.model_validate(e) for e in row.errors])
    if row.cleaned is not None:
        return _Checked(valid=True, values=decode_row(_table(kind), row.cleaned))
    return _check(kind, row.cells)


def _table(kind: c.ImportKind) -> Table:
    return table_of(Organization if kind is c.ImportKind.ORGANIZATIONS else Person)


async def _plans(
    session: AsyncSession,
    kind: c.ImportKind,
    mode: c.ImportMode,
    rows: list[tuple[_Checked, dict[str, str]]],
) -> list[_Plan]:
    """Plan checked rows against the database, with one lookup per batch of keys."""
    keys = [_natural_key(kind, one.values) if one.valid else None for one, _ in rows]
    existing = await _existing(session, kind, [key for key in keys if key is not None])
    return [
        _plan(kind, mode, one, existing.get(key) if key is not None else None, cells)
        for (one, cells), key in zip(rows, keys, strict=True)
    ]


# ---- endpoints ------------------------------------------------------------------------------


def _counts(actions: list[c.ImportAction]) -> dict[str, int]:
    return {action.value: actions.count(action) for action in c.ImportAction}


async def to_contract(session: AsyncSession, job: ImportJob) -> c.ImportJob:
    """The job as callers see it: counts, progress and up to `IMPORT_REPORTED_ROWS` rows."""
    reports: list[c.ImportRowReport]
    if job.status in {c.ImportStatus.VALIDATING, c.ImportStatus.APPLYING}:
        # The rows are reported once all are done: a progress poll (several a second from a
        # UI or the benchmark) then costs no thousand-row report (~40 ms, on the core the
        # chunks need).
        total, reports = 0, []
    elif job.status is c.ImportStatus.VALIDATED:
        total = job.total_rows
        reports = [
            c.ImportRowReport(
                line=row.line,
                action=row.action,
                target_id=row.target_id,
                errors=[FieldError.model_validate(e) for e in row.plan_errors],
            )
            for row in await repository.reported_rows(session, job.id)
        ]
    else:
        total = job.rows_done
        reports = [
            c.ImportRowReport(
                line=result.line,
                action=result.action,
                target_id=result.target_id,
                errors=[FieldError.model_validate(e) for e in result.errors],
            )
            for result in await repository.reported_results(session, job.id)
        ]
    reported = len(reports)
    progress = job.rows_done / job.total_rows if job.total_rows else 1.0
    if job.status is c.ImportStatus.VALIDATED:
        progress = 0.0
    return c.ImportJob(
        id=job.id,
        kind=job.kind,
        mode=job.mode,
        filename=job.filename,
        status=job.status,
        total_rows=job.total_rows,
        rows_done=job.rows_done,
        progress=progress,
        error_rows=job.error_rows,
        planned=c.ImportCounts.model_validate(job.planned),
        done=c.ImportCounts.model_validate(job.done),
        rows=reports,
        rows_truncated=total > reported,
        created_at=job.created_at,
        applied_at=job.applied_at,
        reverted_at=job.reverted_at,
    )


def _without_duplicates(
    kind: c.ImportKind,
    rows: list[tuple[int, dict[str, str]]],
    checks: list[_Checked],
    seen: dict[str, int],
) -> list[tuple[_Checked, dict[str, str]]]:
    """Rows checked on their own, in file order, with their cells; a valid row whose natural
    key an earlier line holds (`seen`, which gains the keys claimed here) is a duplicate."""
    key_field = _key_field(kind)
    result: list[tuple[_Checked, dict[str, str]]] = []
    for (line, cells), checked in zip(rows, checks, strict=True):
        key = _natural_key(kind, checked.values) if checked.valid else None
        if key is not None and key in seen:
            message = f"duplicate in the file: same {key_field} as line {seen[key]}"
            checked = _Checked(errors=[FieldError(path=[key_field], message=message)])
        elif key is not None:
            seen[key] = line
        result.append((checked, cells))
    return result


def _row_values(kind: c.ImportKind, checked: _Checked, plan: _Plan) -> dict[str, Any]:
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
        "natural_key": _natural_key(kind, checked.values) if checked.valid else None,
    }


def _add_counts(counts: dict[str, int], plans: list[_Plan]) -> dict[str, int]:
    result = dict(counts)
    for plan in plans:
        result[plan.action.value] = result.get(plan.action.value, 0) + 1
    return result


async def start(
    session: AsyncSession,
    files: FileStore | None,
    outbox: Outbox,
    body: c.StartImport,
    *,
    actor: str | None,
) -> c.ImportJob:
    """Read the file and store the job and its rows; check them at once and answer the dry
    run, or, over `IMPORT_CHECKED_AT_ONCE_ROWS` rows, answer `validating` and queue the
    first chunk's check for the background subscriber (`validate_chunk`)."""
    field_name, filename, content = await _content(body, files)
    try:
        table = spreadsheets.read_table(filename, content)
    except spreadsheets.UnreadableFile as error:
        raise ServiceError.invalid([field_name], str(error)) from None
    if not table:
        raise ServiceError.invalid([field_name], "the file has no header row")
    headers, data = table[0], table[1:]
    if len(data) > c.IMPORT_MAX_ROWS:
        raise ServiceError.invalid(
            [field_name], f"more than {c.IMPORT_MAX_ROWS} rows: split the file"
        )
    columns = _columns(body.kind, headers, dict(body.mapping))
    rows = [
        (line, cells) for line, raw in enumerate(data, start=2) if (cells := _cells(raw, columns))
    ]
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
        return await to_contract(session, job)
    checked = _without_duplicates(
        body.kind, rows, [_check(body.kind, cells) for _, cells in rows], {}
    )
    plans = await _plans(session, body.kind, body.mode, checked)
    job.status = c.ImportStatus.VALIDATED
    job.error_rows = sum(1 for plan in plans if plan.errors)
    job.planned = _add_counts(job.planned, plans)
    await session.flush()
    await repository.add_rows(
        session,
        [
            {"job_id": job.id, "line": line, "cells": cells, **_row_values(body.kind, one, plan)}
            for (line, cells), (one, _), plan in zip(rows, checked, plans, strict=True)
        ],
    )
    return await to_contract(session, job)


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
    rows = await repository.cells_after(session, job.id, message.after_line, CHUNK)
    checks = [_check(job.kind, cells) for _, cells in rows]
    keys = [_natural_key(job.kind, one.values) for one in checks if one.valid]
    # The keys earlier chunks' rows claimed (by line), then this chunk's in turn.
    seen = await repository.claimed_keys(session, job.id, [key for key in keys if key])
    again = _without_duplicates(job.kind, rows, checks, seen)
    plans = await _plans(session, job.kind, job.mode, again)
    await repository.update_rows(
        session,
        [
            {"job_id": job.id, "line": line, **_row_values(job.kind, one, plan)}
            for (line, _), (one, _), plan in zip(rows, again, plans, strict=True)
        ],
    )
    job.planned = _add_counts(job.planned, plans)
    job.error_rows += sum(1 for plan in plans if plan.errors)
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


async def _job(session: AsyncSession, job_id: UUID, *, lock: bool = False) -> ImportJob:
    job = await repository.get(session, job_id, lock=lock)
    if job is None:
        raise ServiceError.not_found("import", job_id)
    return job


async def get(session: AsyncSession, body: c.GetImport) -> c.ImportJob:
    """An import's state and progress."""
    return await to_contract(session, await _job(session, body.id))


async def apply(session: AsyncSession, outbox: Outbox, body: c.ApplyImport) -> c.ImportJob:
    """Mark the job applying and queue its first chunk for the background subscriber."""
    job = await _job(session, body.id, lock=True)
    if job.status is c.ImportStatus.VALIDATING:
        raise ServiceError.conflict(
            f"import {job.id} is still being checked ({job.rows_done} of {job.total_rows} "
            "rows): apply it once it is validated"
        )
    if job.status is not c.ImportStatus.VALIDATED:
        raise ServiceError.conflict(f"import {job.id} is {job.status.value}, not validated")
    job.status = c.ImportStatus.APPLYING
    await session.flush()
    await outbox.add(session, c.ImportApplyRequested(import_id=job.id, chunk=0), key=str(job.id))
    return await to_contract(session, job)


async def _apply_plan(
    session: AsyncSession, outbox: Outbox, job: ImportJob, line: int, plan: _Plan
) -> dict[str, Any]:
    """Act on one planned row (an update, through the record's service; creations are made
    together by `_create_all`); what it did, as a result row."""
    result: dict[str, Any] = {
        "id": new_id(),
        "job_id": job.id,
        "line": line,
        "action": plan.action,
        "target_id": plan.existing.id if plan.existing is not None else None,
        "errors": [e.model_dump(mode="json") for e in plan.errors],
        "before": None,
        "version_after": None,
    }
    changed: c.Organization | c.Person
    if plan.action is c.ImportAction.UPDATE and plan.existing is not None:
        result["before"] = encode_object(table_of(type(plan.existing)), plan.existing)
        if isinstance(plan.update, c.UpdateOrganization):
            changed = await organization_service.update(session, outbox, plan.update)
        elif isinstance(plan.update, c.UpdatePerson):
            changed = await person_service.update(session, outbox, plan.update)
        result["version_after"] = changed.version
    return result


async def _create_all(
    session: AsyncSession, outbox: Outbox, kind: c.ImportKind, plans: list[_Plan]
) -> list[tuple[UUID, int]]:
    """Create the planned records of a chunk together: one INSERT batch each for the records,
    their contact points, their search words and their `...Created` messages, instead of a
    round trip per row; the id and version of each, in order.

    The rows were checked by the record's own rules (`clean_values`, as `create` does) and the
    natural-key lookup found nothing; the unique CUI index still refuses a concurrent twin
    (the chunk's transaction then fails and its message is retried). The records are written
    with Core INSERTs, without ORM objects (a third of the apply's time went to building and
    flushing them), so the flush hooks do not see them: their search words are added here."""
    if not plans:
        return []
    now = utcnow()
    organizations_kind = kind is c.ImportKind.ORGANIZATIONS
    rows: list[dict[str, Any]] = []
    for plan in plans:
        values = plan.values
        row = {
            **values,
            "id": new_id(),
            "version": 1,  # the ORM's first version (`version_id_col`)
            "created_at": now,
            "updated_at": now,
            "merged_into_id": None,
        }
        if organizations_kind:
            row["source"] = c.OrganizationSource.IMPORT
            row["status"] = c.OrganizationStatus.ACTIVE
            row["search_key"] = search_key(values["legal_name"], values.get("short_name"))
        else:
            row["search_key"] = search_key(values.get("given_name"), values["family_name"])
        rows.append(row)
    await repository.add_records(session, Organization if organizations_kind else Person, rows)
    await search_words.vocabulary.add_words(session, [row["search_key"] for row in rows])
    owner = "organization_id" if organizations_kind else "person_id"
    await repository.add_contact_points(
        session,
        [
            (row["id"], owner, kind_, value)
            for row in rows
            for kind_, values in ((EMAIL, row["emails"]), (PHONE, row["phones"]))
            for value in values
        ],
    )
    messages: list[tuple[DomainMessage, str | None]] = [
        (
            c.OrganizationCreated(organization_id=row["id"], version=1, kind=row["kind"])
            if organizations_kind
            else c.PersonCreated(person_id=row["id"], version=1),
            str(row["id"]),
        )
        for row in rows
    ]
    await outbox.add_many(session, messages)
    return [(row["id"], row["version"]) for row in rows]


async def apply_chunk(
    session: AsyncSession, outbox: Outbox, message: c.ImportApplyRequested
) -> None:
    """Apply the next `CHUNK` rows (one transaction), queueing the next chunk or finishing.

    A message for a chunk already done, or for a job no longer applying, does nothing."""
    job = await repository.get(session, message.import_id, lock=True)
    if job is None or job.status is not c.ImportStatus.APPLYING:
        return
    if message.chunk != job.next_chunk:
        return
    after = await repository.last_applied_line(session, job.id)
    rows = await repository.rows_after(session, job.id, after, CHUNK)
    last = not rows or job.rows_done + len(rows) >= job.total_rows
    if not last:
        # Queued first, so the relay publishes it ahead of this chunk's `...Created` messages
        # and the next chunk starts while they are still being published, not after.
        await outbox.add(
            session,
            c.ImportApplyRequested(import_id=job.id, chunk=job.next_chunk + 1),
            key=str(job.id),
        )
    plans = await _plans(
        session, job.kind, job.mode, [(_rechecked(job.kind, row), row.cells) for row in rows]
    )
    results = [
        await _apply_plan(session, outbox, job, row.line, plan)
        for row, plan in zip(rows, plans, strict=True)
    ]
    creations = [
        (result, plan)
        for result, plan in zip(results, plans, strict=True)
        if plan.action is c.ImportAction.CREATE
    ]
    created = await _create_all(session, outbox, job.kind, [plan for _, plan in creations])
    for (result, _), (record_id, version) in zip(creations, created, strict=True):
        result["target_id"], result["version_after"] = record_id, version
    await repository.add_results(session, results)
    done = dict(job.done)
    for result in results:
        action = result["action"].value
        done[action] = done.get(action, 0) + 1
    job.done = done
    job.rows_done += len(rows)
    job.next_chunk += 1
    if last:
        job.status = c.ImportStatus.APPLIED
        job.applied_at = utcnow()
        await outbox.add(
            session,
            c.ImportApplied(
                import_id=job.id,
                created=done.get(c.ImportAction.CREATE.value, 0),
                updated=done.get(c.ImportAction.UPDATE.value, 0),
            ),
            key=str(job.id),
        )
    await session.flush()


async def revert(
    session: AsyncSession, outbox: Outbox, body: c.RevertImport
) -> c.ImportRevertReport:
    """Delete what the import created and restore what it updated, unless changed since."""
    job = await _job(session, body.id, lock=True)
    if job.status is not c.ImportStatus.APPLIED:
        raise ServiceError.conflict(f"import {job.id} is {job.status.value}, not applied")
    organizations_kind = job.kind is c.ImportKind.ORGANIZATIONS
    table = table_of(Organization if organizations_kind else Person)
    deleted = restored = 0
    conflicts: list[c.ImportRowReport] = []
    for result in reversed(await repository.results(session, job.id)):
        if result.action not in {c.ImportAction.CREATE, c.ImportAction.UPDATE}:
            continue
        assert result.target_id is not None
        record: Record | None = (
            await session.get(Organization, result.target_id)
            if organizations_kind
            else await session.get(Person, result.target_id)
        )
        if record is None:
            if result.action is c.ImportAction.CREATE:
                continue  # already gone
            reason = "deleted since the import"
        elif record.version != result.version_after:
            reason = (
                f"changed since the import "
                f"(version {result.version_after} then, {record.version} now)"
            )
        elif result.action is c.ImportAction.CREATE and (
            await repository.organization_is_linked(session, record.id)
            if organizations_kind
            else await repository.person_is_linked(session, record.id)
        ):
            reason = "now linked to affiliations, interactions or consents"
        else:
            if result.action is c.ImportAction.CREATE:
                await session.delete(record)
                await session.flush()
                message: (
                    c.OrganizationDeleted
                    | c.PersonDeleted
                    | c.OrganizationUpdated
                    | c.PersonUpdated
                )
                message = (
                    c.OrganizationDeleted(organization_id=record.id)
                    if organizations_kind
                    else c.PersonDeleted(person_id=record.id)
                )
                deleted += 1
            else:
                assert result.before is not None
                values = decode_row(table, result.before)
                changed = sorted(
                    name
                    for name, value in values.items()
                    if name not in _NOT_RESTORED and getattr(record, name) != value
                )
                for name in changed:
                    setattr(record, name, values[name])
                record.updated_at = utcnow()
                await session.flush()
                owner = {"organization_id" if organizations_kind else "person_id": record.id}
                await organizations.replace_contact_points(
                    session, emails=record.emails, phones=record.phones, **owner
                )
                message = (
                    c.OrganizationUpdated(
                        organization_id=record.id, version=record.version, changed=changed
                    )
                    if organizations_kind
                    else c.PersonUpdated(
                        person_id=record.id, version=record.version, changed=changed
                    )
                )
                restored += 1
            await outbox.add(session, message, key=str(result.target_id))
            continue
        conflicts.append(
            c.ImportRowReport(
                line=result.line,
                action=result.action,
                target_id=result.target_id,
                errors=[FieldError(path=["row"], message=reason)],
            )
        )
    job.status = c.ImportStatus.REVERTED
    job.reverted_at = utcnow()
    await session.flush()
    await outbox.add(session, c.ImportReverted(import_id=job.id), key=str(job.id))
    conflicts.sort(key=lambda report: report.line)
    return c.ImportRevertReport(
        job=await to_contract(session, job), deleted=deleted, restored=restored, conflicts=conflicts
    )
