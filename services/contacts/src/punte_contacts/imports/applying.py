"""The apply of a validated import, in the background: `apply` marks the job applying and
queues the first chunk; `apply_chunk` (run by the imports subscriber, one transaction a
chunk) reads only its chunk's rows, re-checks each against the database, updates through
the record's service (so its rules and messages hold), creates the chunk's new records
together through the service's `create_many` (the values cleaned as `create` cleans them)
and records, per row, what it created or the
before-image of what it updated. Updates change only the fields a row fills: an empty cell
leaves the stored value alone."""

from typing import Any

from punte_contracts import contacts as c
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.imports import repository, service
from punte_contacts.imports.kinds import AnyStrategy, strategy_for
from punte_contacts.imports.models import ImportJob
from punte_contacts.imports.planning import Plan, plans, rechecked
from punte_contacts.merges.snapshot import encode_object


async def apply(session: AsyncSession, outbox: Outbox, body: c.ApplyImport) -> c.ImportJob:
    """Mark the job applying and queue its first chunk for the background subscriber."""
    job = await service.find(session, body.id, lock=True)
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
    return await service.to_contract(session, job)


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
    strategy = strategy_for(job.kind)
    after = await repository.last_applied_line(session, job.id)
    rows = await repository.rows_after(session, job.id, after, service.CHUNK)
    last = not rows or job.rows_done + len(rows) >= job.total_rows
    if not last:
        # Queued first, so the relay publishes it ahead of this chunk's `...Created` messages
        # and the next chunk starts while they are still being published, not after.
        await outbox.add(
            session,
            c.ImportApplyRequested(import_id=job.id, chunk=job.next_chunk + 1),
            key=str(job.id),
        )
    planned = await plans(
        session, strategy, job.mode, [(rechecked(strategy, row), row.cells) for row in rows]
    )
    results = [
        await _apply_plan(session, outbox, strategy, job, row.line, plan)
        for row, plan in zip(rows, planned, strict=True)
    ]
    creations = [
        (result, plan)
        for result, plan in zip(results, planned, strict=True)
        if plan.action is c.ImportAction.CREATE
    ]
    # Created together, as the record's service creates many (the natural-key lookup found
    # none of them; a concurrent twin fails the chunk's transaction and its message is retried).
    created = await strategy.create_many(session, outbox, [plan.values for _, plan in creations])
    for (result, _), record_id in zip(creations, created, strict=True):
        result["target_id"], result["version_after"] = record_id, 1  # a first version
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


async def _apply_plan(
    session: AsyncSession,
    outbox: Outbox,
    strategy: AnyStrategy,
    job: ImportJob,
    line: int,
    plan: Plan,
) -> dict[str, Any]:
    """Act on one planned row (an update, through the record's service; creations are made
    together afterwards); what it did, as a result row."""
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
    if plan.action is c.ImportAction.UPDATE and plan.existing is not None:
        result["before"] = encode_object(strategy.table, plan.existing)
        update: Any = plan.update
        result["version_after"] = await strategy.update(session, outbox, update)
    return result
