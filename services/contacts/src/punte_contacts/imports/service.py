"""Import of organisations and people from CSV or XLSX. Never commits.

`start` reads the file, checks every row on its own (values, duplicates within the file)
and against the database (which record its natural key finds: CUI for organisations, any
e-mail for people), stores the job and answers the dry run. `apply` marks the job applying
and queues the first chunk; `apply_chunk` (run by a subscriber, one transaction a chunk)
re-checks each row against the database, acts through the organisation and person services
(so their rules and messages hold) and records, per row, what it created or the before-image
of what it updated. `revert` deletes what was created and restores what was updated, except
records changed since, reported as conflicts. Updates change only the fields a row fills:
an empty cell leaves the stored value alone."""

import base64
import binascii
import re
from dataclasses import dataclass, field
from typing import Any, get_args
from uuid import UUID

from punte_contracts import contacts as c
from punte_contracts.errors import FieldError
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.outbox import Outbox
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts import spreadsheets
from punte_contacts.identifiers import FieldErrors
from punte_contacts.imports import repository
from punte_contacts.imports.models import ImportJob, ImportRowResult
from punte_contacts.merges.repository import table_of
from punte_contacts.merges.snapshot import decode_row, encode_object
from punte_contacts.organizations import repository as organizations
from punte_contacts.organizations import service as organization_service
from punte_contacts.organizations.models import Organization
from punte_contacts.people import service as person_service
from punte_contacts.people.models import Person

CHUNK = 500
ORGANIZATION_FIELDS = frozenset(get_args(c.OrganizationImportField))
PERSON_FIELDS = frozenset(get_args(c.PersonImportField))
_LIST_FIELDS = {"emails", "phones", "tags", "sectors"}
_ADDRESS_FIELDS = ("street", "locality", "county", "postal_code", "country")
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


def _decode(body: c.StartImport) -> bytes:
    try:
        content = base64.b64decode(body.content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise ServiceError.invalid(["content_base64"], "not base64") from None
    if len(content) > c.IMPORT_MAX_BYTES:
        raise ServiceError.invalid(
            ["content_base64"], f"the file exceeds {c.IMPORT_MAX_BYTES // 1000} kB: split it"
        )
    if not content.strip():
        raise ServiceError.invalid(["content_base64"], "the file is empty")
    return content


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
    """A row checked on its own: its create body and stored values, or its errors."""

    body: Body | None = None
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
            fields = set(plain) | {"kind"} | ({"address"} if address else set())
            values = organization_service.clean_values(body, fields)
        else:
            body = c.CreatePerson.model_validate(plain)
            values = person_service.clean_values(body, set(plain))
    except ValidationError as error:
        return _Checked(errors=_pydantic_errors(error))
    except ServiceError as error:
        return _Checked(
            errors=list(error.body.fields) or [FieldError(path=["row"], message=error.body.message)]
        )
    return _Checked(body=body, values=values)


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
    body: Body | None = None
    update: c.UpdateOrganization | c.UpdatePerson | None = None
    errors: list[FieldError] = field(default_factory=list)


async def _find(session: AsyncSession, kind: c.ImportKind, key: str | None) -> Record | None:
    if key is None:
        return None
    if kind is c.ImportKind.ORGANIZATIONS:
        return await organizations.find_by_cui(session, key)
    return await repository.person_by_email(session, key)


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


async def _plan(
    session: AsyncSession, job_kind: c.ImportKind, mode: c.ImportMode, row: dict[str, Any]
) -> _Plan:
    if row["errors"]:
        errors = [FieldError.model_validate(e) for e in row["errors"]]
        return _Plan(c.ImportAction.SKIP, errors=errors)
    checked = _check(job_kind, row["cells"])
    if checked.body is None:
        return _Plan(c.ImportAction.SKIP, errors=checked.errors)
    key_field = _key_field(job_kind)
    existing = await _find(session, job_kind, _natural_key(job_kind, checked.values))
    if existing is None:
        if mode is c.ImportMode.UPDATE:
            message = f"no record with this {key_field} to update"
            return _Plan(
                c.ImportAction.SKIP, errors=[FieldError(path=[key_field], message=message)]
            )
        return _Plan(c.ImportAction.CREATE, body=checked.body)
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
    update = _update_body(job_kind, existing, row["cells"])
    action = c.ImportAction.UPDATE if _changes(update, existing) else c.ImportAction.UNCHANGED
    return _Plan(action, existing, update=update)


# ---- endpoints ------------------------------------------------------------------------------


def _report(row: dict[str, Any]) -> c.ImportRowReport:
    return c.ImportRowReport.model_validate(row)


def _counts(actions: list[c.ImportAction]) -> dict[str, int]:
    return {action.value: actions.count(action) for action in c.ImportAction}


async def to_contract(session: AsyncSession, job: ImportJob) -> c.ImportJob:
    """The job as callers see it: counts, progress and up to `IMPORT_REPORTED_ROWS` rows."""
    if job.status is c.ImportStatus.VALIDATED:
        reports = [_report(row["plan"]) for row in job.rows]
    else:
        reports = [
            c.ImportRowReport(
                line=result.line,
                action=result.action,
                target_id=result.target_id,
                errors=[FieldError.model_validate(e) for e in result.errors],
            )
            for result in await repository.results(session, job.id)
        ]
    reports.sort(key=lambda report: (not report.errors, report.line))
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
        rows=reports[: c.IMPORT_REPORTED_ROWS],
        rows_truncated=len(reports) > c.IMPORT_REPORTED_ROWS,
        created_at=job.created_at,
        applied_at=job.applied_at,
        reverted_at=job.reverted_at,
    )


async def start(session: AsyncSession, body: c.StartImport, *, actor: str | None) -> c.ImportJob:
    """Read and check the file, store the job, answer the dry run."""
    content = _decode(body)
    try:
        table = spreadsheets.read_table(body.filename, content)
    except spreadsheets.UnreadableFile as error:
        raise ServiceError.invalid(["content_base64"], str(error)) from None
    if not table:
        raise ServiceError.invalid(["content_base64"], "the file has no header row")
    headers, data = table[0], table[1:]
    if len(data) > c.IMPORT_MAX_ROWS:
        raise ServiceError.invalid(
            ["content_base64"], f"more than {c.IMPORT_MAX_ROWS} rows: split the file"
        )
    columns = _columns(body.kind, headers, dict(body.mapping))
    key_field = _key_field(body.kind)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(data, start=2):
        cells = _cells(raw, columns)
        if not cells:
            continue
        checked = _check(body.kind, cells)
        errors = list(checked.errors)
        key = _natural_key(body.kind, checked.values) if not errors else None
        if key is not None and key in seen:
            errors.append(
                FieldError(
                    path=[key_field],
                    message=f"duplicate in the file: same {key_field} as line {seen[key]}",
                )
            )
        elif key is not None:
            seen[key] = line
        rows.append(
            {
                "line": line,
                "cells": cells,
                "errors": [e.model_dump(mode="json") for e in errors],
            }
        )
    actions = []
    for row in rows:
        plan = await _plan(session, body.kind, body.mode, row)
        actions.append(plan.action)
        row["plan"] = {
            "line": row["line"],
            "action": plan.action.value,
            "target_id": str(plan.existing.id) if plan.existing is not None else None,
            "errors": [e.model_dump(mode="json") for e in plan.errors],
        }
    job = ImportJob(
        id=new_id(),
        kind=body.kind,
        mode=body.mode,
        filename=body.filename,
        status=c.ImportStatus.VALIDATED,
        rows=rows,
        total_rows=len(rows),
        rows_done=0,
        next_chunk=0,
        error_rows=sum(1 for row in rows if row["plan"]["errors"]),
        planned=_counts(actions),
        done=_counts([]),
        created_by=actor,
        created_at=utcnow(),
        applied_at=None,
        reverted_at=None,
    )
    session.add(job)
    await session.flush()
    return await to_contract(session, job)


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
    if job.status is not c.ImportStatus.VALIDATED:
        raise ServiceError.conflict(f"import {job.id} is {job.status.value}, not validated")
    job.status = c.ImportStatus.APPLYING
    await session.flush()
    await outbox.add(
        session, c.ImportApplyRequested(import_id=job.id, chunk=0), subject=str(job.id)
    )
    return await to_contract(session, job)


async def _apply_row(
    session: AsyncSession, outbox: Outbox, job: ImportJob, row: dict[str, Any]
) -> ImportRowResult:
    plan = await _plan(session, job.kind, job.mode, row)
    result = ImportRowResult(
        id=new_id(),
        job_id=job.id,
        line=row["line"],
        action=plan.action,
        target_id=plan.existing.id if plan.existing is not None else None,
        errors=[e.model_dump(mode="json") for e in plan.errors],
        before=None,
        version_after=None,
    )
    created: c.Organization | c.Person
    if plan.action is c.ImportAction.CREATE:
        if isinstance(plan.body, c.CreateOrganization):
            created = await organization_service.create(session, outbox, plan.body)
        elif isinstance(plan.body, c.CreatePerson):
            created = await person_service.create(session, outbox, plan.body)
        result.target_id, result.version_after = created.id, created.version
    elif plan.action is c.ImportAction.UPDATE and plan.existing is not None:
        result.before = encode_object(table_of(type(plan.existing)), plan.existing)
        if isinstance(plan.update, c.UpdateOrganization):
            created = await organization_service.update(session, outbox, plan.update)
        elif isinstance(plan.update, c.UpdatePerson):
            created = await person_service.update(session, outbox, plan.update)
        result.version_after = created.version
    session.add(result)
    return result


async def apply_chunk(
    session: AsyncSession, outbox: Outbox, message: c.ImportApplyRequested
) -> None:
    """Apply the next `CHUNK` rows (one transaction), then queue the next chunk or finish.

    A message for a chunk already done, or for a job no longer applying, does nothing."""
    job = await repository.get(session, message.import_id, lock=True)
    if job is None or job.status is not c.ImportStatus.APPLYING:
        return
    if message.chunk != job.next_chunk:
        return
    rows = job.rows[job.rows_done : job.rows_done + CHUNK]
    done = dict(job.done)
    for row in rows:
        result = await _apply_row(session, outbox, job, row)
        done[result.action.value] = done.get(result.action.value, 0) + 1
        await session.flush()
    job.done = done
    job.rows_done += len(rows)
    job.next_chunk += 1
    if job.rows_done >= job.total_rows:
        job.status = c.ImportStatus.APPLIED
        job.applied_at = utcnow()
        await session.flush()
        await outbox.add(
            session,
            c.ImportApplied(
                import_id=job.id,
                created=done.get(c.ImportAction.CREATE.value, 0),
                updated=done.get(c.ImportAction.UPDATE.value, 0),
            ),
            subject=str(job.id),
        )
        return
    await session.flush()
    await outbox.add(
        session,
        c.ImportApplyRequested(import_id=job.id, chunk=job.next_chunk),
        subject=str(job.id),
    )


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
            await outbox.add(session, message, subject=str(result.target_id))
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
    await outbox.add(session, c.ImportReverted(import_id=job.id), subject=str(job.id))
    conflicts.sort(key=lambda report: report.line)
    return c.ImportRevertReport(
        job=await to_contract(session, job), deleted=deleted, restored=restored, conflicts=conflicts
    )
