"""Background jobs: work that can outlast a request runs as steps, one transaction each.

A service declares its job kinds on its `Jobs`, lists `jobs.subscriber` among its
subscribers, and starts a job in the caller's transaction:

    jobs = Jobs("contacts", messaging_tables)

    @jobs.kind("contacts.revert", Revert, Reverted, read_permission="contacts:import")
    async def revert(ctx: MessageContext, job: RunningJob[Revert]) -> JobProgress | Reverted:
        ...  # one bounded piece of work: JobProgress(...) to go on, the result when done

    job = await jobs.start(ctx.session, ctx.outbox, revert, RevertInput(...))

`start` writes the job row and the message asking for its first step through the outbox,
so a committed job is never lost. Each step runs in the subscriber's transaction, with its
inbox row (a redelivered step does nothing), under the actor who started the job; it
stores the progress and queues the next step's message, or finishes the job and publishes
`punte.msg.<service>.job.finished.v1`. A `ServiceError` from a step fails the job (its
writes rolled back); any other error retries the step, and fails the job on the last try.
"""

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from uuid import UUID

from punte_contracts.jobs import (
    FINISHED_JOB_STATUSES,
    Job,
    JobStatus,
    JobStepRequested,
    job_messages,
)
from pydantic import BaseModel
from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncSession

from punte_platform.context import CallContext, current_context
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.faults import crash_point
from punte_platform.ids import new_id
from punte_platform.messaging.consumer import MessageContext, Subscriber
from punte_platform.messaging.outbox import Outbox
from punte_platform.messaging.tables import MessagingTables

log = logging.getLogger(__name__)

InputT = TypeVar("InputT", bound=BaseModel)
ResultT = TypeVar("ResultT", bound=BaseModel)


@dataclass(frozen=True)
class JobProgress:
    """A step's report that more remains: how far the job is, and where the next step
    starts (any JSON value; the job keeps it for the next step)."""

    done: int
    total: int | None = None
    cursor: Any = None


@dataclass(frozen=True)
class RunningJob(Generic[InputT]):
    """The job a step works on: its input, and what the previous step left."""

    id: UUID
    kind: str
    input: InputT
    step: int
    done: int
    total: int | None
    cursor: Any


JobStep = Callable[[MessageContext, RunningJob[InputT]], Awaitable[JobProgress | ResultT]]


@dataclass(frozen=True)
class JobKind(Generic[InputT, ResultT]):
    """One kind of job: its input and result contracts, who may read it, and its step."""

    name: str
    input_model: type[InputT]
    result_model: type[ResultT]
    read_permission: str
    step: JobStep[InputT, ResultT]

    def result_of(self, job: Job) -> ResultT | None:
        """The finished job's result, as the kind's contract."""
        return None if job.result is None else self.result_model.model_validate(job.result)


class Jobs:
    """A service's job kinds, its job store, and the subscriber that runs the steps."""

    def __init__(self, service: str, tables: MessagingTables) -> None:
        self.table = tables.job
        self.kinds: dict[str, JobKind[Any, Any]] = {}
        self.step_message, self.finished_message = job_messages(service)
        self.subscriber = Subscriber("jobs", description=f"runs {service}'s background jobs")
        self.subscriber.handles(self.step_message)(self._run_step)

    def kind(
        self,
        name: str,
        input_model: type[InputT],
        result_model: type[ResultT],
        *,
        read_permission: str,
    ) -> Callable[[JobStep[InputT, ResultT]], JobKind[InputT, ResultT]]:
        """Declare a job kind by its step: `step(ctx, job) -> JobProgress | result`."""

        def register(step: JobStep[InputT, ResultT]) -> JobKind[InputT, ResultT]:
            if name in self.kinds:
                raise ValueError(f"job kind {name} declared twice")
            kind = JobKind(name, input_model, result_model, read_permission, step)
            self.kinds[name] = kind
            return kind

        return register

    async def start(
        self,
        session: AsyncSession,
        outbox: Outbox,
        kind: JobKind[InputT, Any],
        job_input: InputT,
        *,
        total: int | None = None,
    ) -> Job:
        """Queue a job in the session's transaction (its row and its first step's message)."""
        now = utcnow()
        values = {
            "id": new_id(),
            "kind": kind.name,
            "status": JobStatus.QUEUED.value,
            "actor": current_context().actor,
            "input": job_input.model_dump(mode="json"),
            "cursor": None,
            "step": 0,
            "done": 0,
            "total": total,
            "result": None,
            "error": None,
            "created_at": now,
            "updated_at": now,
            "finished_at": None,
        }
        await session.execute(insert(self.table).values(**values))
        await outbox.add(
            session, self.step_message(job_id=values["id"], step=0), key=str(values["id"])
        )
        return _job(values)

    async def get(self, session: AsyncSession, job_id: UUID) -> Job | None:
        """A job by id, or None."""
        row = (await session.execute(select(self.table).where(self.table.c.id == job_id))).first()
        return None if row is None else _job(row._asdict())

    async def read(self, session: AsyncSession, call: CallContext, job_id: UUID) -> Job:
        """A job for a caller holding its kind's read permission (a `GetJob` handler's body)."""
        job = await self.get(session, job_id)
        kind = self.kinds.get(job.kind) if job is not None else None
        if job is None or kind is None:
            raise ServiceError.not_found("job", str(job_id))
        if not call.may(kind.read_permission):
            raise ServiceError.forbidden(
                f"{call.actor or 'anonymous'} lacks {kind.read_permission}"
            )
        return job

    async def _run_step(self, ctx: MessageContext, message: JobStepRequested) -> None:
        t = self.table
        row = (
            await ctx.session.execute(select(t).where(t.c.id == message.job_id).with_for_update())
        ).first()
        if row is None or row.status in FINISHED_JOB_STATUSES or row.step != message.step:
            return  # a step already taken, or a job already over
        kind = self.kinds.get(row.kind)
        if kind is None:
            await self._finish(ctx, row, JobStatus.FAILED, error=f"unknown job kind {row.kind}")
            return
        job = RunningJob(
            id=row.id,
            kind=row.kind,
            input=kind.input_model.model_validate(row.input),
            step=row.step,
            done=row.done,
            total=row.total,
            cursor=row.cursor,
        )
        try:
            async with ctx.session.begin_nested():
                outcome = await kind.step(ctx, job)
                crash_point("jobs:after_step")
        except ServiceError as error:
            await self._finish(ctx, row, JobStatus.FAILED, error=error.body.message)
            return
        except Exception:
            if not ctx.last_delivery:
                raise
            log.exception("job %s failed on its last try of step %d", row.id, row.step)
            internal = f"internal error (request id {ctx.call.request_id})"
            await self._finish(ctx, row, JobStatus.FAILED, error=internal)
            return
        if isinstance(outcome, JobProgress):
            await ctx.session.execute(
                update(t)
                .where(t.c.id == row.id)
                .values(
                    status=JobStatus.RUNNING.value,
                    step=row.step + 1,
                    done=outcome.done,
                    total=outcome.total if outcome.total is not None else row.total,
                    cursor=outcome.cursor,
                    updated_at=utcnow(),
                )
            )
            next_step = self.step_message(job_id=row.id, step=row.step + 1)
            await ctx.outbox.add(ctx.session, next_step, key=str(row.id))
            return
        result = kind.result_model.model_validate(outcome).model_dump(mode="json")
        await self._finish(ctx, row, JobStatus.SUCCEEDED, result=result)

    async def _finish(
        self,
        ctx: MessageContext,
        row: Row[Any],
        status: JobStatus,
        *,
        result: dict[str, Any] | None = None,
        error: str | None = None,
    ) -> None:
        now = utcnow()
        await ctx.session.execute(
            update(self.table)
            .where(self.table.c.id == row.id)
            .values(
                status=status.value,
                step=row.step + 1,
                done=row.total if status is JobStatus.SUCCEEDED and row.total else row.done,
                result=result,
                error=error,
                updated_at=now,
                finished_at=now,
            )
        )
        finished = self.finished_message(
            job_id=row.id, kind=row.kind, status=status, result=result, error=error
        )
        await ctx.outbox.add(ctx.session, finished, key=str(row.id))


def _job(values: dict[str, Any]) -> Job:
    return Job.model_validate({name: values[name] for name in Job.model_fields})
