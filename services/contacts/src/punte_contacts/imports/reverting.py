"""The revert of an applied import, as a background job: each step undoes a chunk of rows
in its own short transaction, the last row first, so other writes go on between steps
(one long write transaction would hold SQLite's only write lock for the whole revert).

Created records are deleted and updated ones get their before-image back, except records
changed since the import (their version moved), deleted since, or (created ones) now linked
to affiliations, interactions or consents: those are reported as conflicts and left alone."""

from typing import Any

from punte_contracts import contacts as c
from punte_contracts.envelope import DomainMessage
from punte_contracts.errors import FieldError
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.jobs import JobProgress, RunningJob
from punte_platform.messaging.consumer import MessageContext
from punte_platform.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.imports import repository
from punte_contacts.imports.kinds import AnyStrategy, strategy_for
from punte_contacts.imports.models import ImportRowResult
from punte_contacts.imports.service import find, to_contract
from punte_contacts.jobs import jobs
from punte_contacts.merges.snapshot import decode_row
from punte_contacts.organizations import repository as organizations

# Rows undone a step: a step of 500 takes well under a second, so a create waits at most that.
REVERT_CHUNK = 500
_NOT_RESTORED = {"id", "version", "updated_at"}


async def revert(session: AsyncSession, outbox: Outbox, body: c.RevertImport) -> c.ImportJob:
    """Mark an applied import reverting and start the job that undoes it."""
    imported = await find(session, body.id, lock=True)
    if imported.status is not c.ImportStatus.APPLIED:
        raise ServiceError.conflict(f"import {imported.id} is {imported.status.value}, not applied")
    total = await repository.count_undoable(session, imported.id)
    job = await jobs.start(
        session, outbox, revert_chunk, c.ImportRevertInput(import_id=imported.id), total=total
    )
    imported.status = c.ImportStatus.REVERTING
    imported.revert_job_id = job.id
    await session.flush()
    return await to_contract(session, imported)


@jobs.kind(
    c.IMPORT_REVERT_JOB,
    c.ImportRevertInput,
    c.ImportRevertReport,
    read_permission=c.READ_PERMISSION,
)
async def revert_chunk(
    ctx: MessageContext, job: RunningJob[c.ImportRevertInput]
) -> JobProgress | c.ImportRevertReport:
    """Undo the next `REVERT_CHUNK` rows; after the last, mark the import reverted."""
    session, outbox = ctx.session, ctx.outbox
    imported = await find(session, job.input.import_id, lock=True)
    if imported.status is not c.ImportStatus.REVERTING:
        raise ServiceError.conflict(f"import {imported.id} is {imported.status.value}")
    # The counts and conflicts so far travel with the job from step to step.
    cursor = job.cursor or {
        "before_line": None,
        "report": {
            "import_id": imported.id,
            "kind": imported.kind,
            "deleted": 0,
            "restored": 0,
            "conflicts": [],
        },
    }
    so_far = c.ImportRevertReport.model_validate(cursor["report"])
    deleted, restored, conflicts = so_far.deleted, so_far.restored, list(so_far.conflicts)
    strategy = strategy_for(imported.kind)
    results = await repository.undoable_before(
        session, imported.id, cursor["before_line"], REVERT_CHUNK
    )
    for result in results:
        reason = await _undo(session, outbox, strategy, result)
        if reason is None:
            if result.action is c.ImportAction.CREATE:
                deleted += 1
            else:
                restored += 1
        elif reason:
            conflicts.append(
                c.ImportRowReport(
                    line=result.line,
                    action=result.action,
                    target_id=result.target_id,
                    errors=[FieldError(path=["row"], message=reason)],
                )
            )
    report = c.ImportRevertReport(
        import_id=imported.id,
        kind=imported.kind,
        deleted=deleted,
        restored=restored,
        conflicts=sorted(conflicts, key=lambda conflict: conflict.line),
    )
    if len(results) == REVERT_CHUNK:
        cursor = {"before_line": results[-1].line, "report": report.model_dump(mode="json")}
        return JobProgress(done=job.done + len(results), cursor=cursor)
    imported.status = c.ImportStatus.REVERTED
    imported.reverted_at = utcnow()
    await session.flush()
    await outbox.add(session, c.ImportReverted(import_id=imported.id), key=str(imported.id))
    return report


async def _undo(
    session: AsyncSession, outbox: Outbox, strategy: AnyStrategy, result: ImportRowResult
) -> str | None:
    """Undo one applied row; None when done, why not when left alone ("" when the record
    it created is already gone: nothing to undo, nothing to report)."""
    assert result.target_id is not None
    record: Any = await session.get(strategy.model, result.target_id)
    if record is None:
        return "" if result.action is c.ImportAction.CREATE else "deleted since the import"
    if record.version != result.version_after:
        return (
            f"changed since the import (version {result.version_after} then, {record.version} now)"
        )
    message: DomainMessage
    if result.action is c.ImportAction.CREATE:
        if await strategy.is_linked(session, record.id):
            return "now linked to affiliations, interactions or consents"
        await session.delete(record)
        await session.flush()
        message = strategy.deleted(record.id)
    else:
        assert result.before is not None
        values = decode_row(strategy.table, result.before)
        changed = sorted(
            name
            for name, value in values.items()
            if name not in _NOT_RESTORED and getattr(record, name) != value
        )
        for name in changed:
            setattr(record, name, values[name])
        record.updated_at = utcnow()
        await session.flush()
        await organizations.replace_contact_points(
            session,
            emails=record.emails,
            phones=record.phones,
            **{strategy.owner_column: record.id},
        )
        message = strategy.restored(record.id, record.version, changed)
    await outbox.add(session, message, key=str(result.target_id))
    return None
