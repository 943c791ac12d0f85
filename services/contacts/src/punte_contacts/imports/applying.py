"""The apply of a validated import, in the background: `apply` marks the job applying and
queues the first chunk; `apply_chunk` (run by the imports subscriber, one transaction a
chunk) reads only its chunk's rows, re-checks each against the database, updates through
the record's service (so its rules and messages hold), creates the chunk's new records
together as `create` would (the same cleaned values, contact points, search words and a
`...Created` message each, in bulk INSERTs) and records, per row, what it created or the
before-image of what it updated. Updates change only the fields a row fills: an empty cell
leaves the stored value alone."""

from typing import Any
from uuid import UUID

from punte_contracts import contacts as c
from punte_contracts.envelope import DomainMessage
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts import search_words
from punte_contacts.imports import repository, service
from punte_contacts.imports.kinds import AnyStrategy, strategy_for
from punte_contacts.imports.models import ImportJob
from punte_contacts.imports.planning import Plan, plans, rechecked
from punte_contacts.merges.snapshot import encode_object
from punte_contacts.organizations.repository import EMAIL, PHONE


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
    created = await _create_all(session, outbox, strategy, [plan for _, plan in creations])
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


async def _apply_plan(
    session: AsyncSession,
    outbox: Outbox,
    strategy: AnyStrategy,
    job: ImportJob,
    line: int,
    plan: Plan,
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
    if plan.action is c.ImportAction.UPDATE and plan.existing is not None:
        result["before"] = encode_object(strategy.table, plan.existing)
        update: Any = plan.update
        result["version_after"] = await strategy.update(session, outbox, update)
    return result


async def _create_all(
    session: AsyncSession, outbox: Outbox, strategy: AnyStrategy, planned: list[Plan]
) -> list[tuple[UUID, int]]:
    """Create the planned records of a chunk together: one INSERT batch each for the records,
    their contact points, their search words and their `...Created` messages, instead of a
    round trip per row; the id and version of each, in order.

    The rows were checked by the record's own rules (`clean_values`, as `create` does) and the
    natural-key lookup found nothing; the unique CUI index still refuses a concurrent twin
    (the chunk's transaction then fails and its message is retried). The records are written
    with Core INSERTs, without ORM objects (a third of the apply's time went to building and
    flushing them), so the flush hooks do not see them: their search words are added here."""
    if not planned:
        return []
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for plan in planned:
        row = {
            **plan.values,
            "id": new_id(),
            "version": 1,  # the ORM's first version (`version_id_col`)
            "created_at": now,
            "updated_at": now,
            "merged_into_id": None,
        }
        rows.append(row | strategy.creation(row))
    await repository.add_records(session, strategy.model, rows)
    await search_words.vocabulary.add_words(session, [row["search_key"] for row in rows])
    await repository.add_contact_points(
        session,
        [
            (row["id"], strategy.owner_column, kind, value)
            for row in rows
            for kind, values in ((EMAIL, row["emails"]), (PHONE, row["phones"]))
            for value in values
        ],
    )
    messages: list[tuple[DomainMessage, str | None]] = [
        (strategy.created(row["id"], row), str(row["id"])) for row in rows
    ]
    await outbox.add_many(session, messages)
    return [(row["id"], row["version"]) for row in rows]
