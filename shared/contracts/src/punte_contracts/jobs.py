"""Background jobs, whatever the service: the job as a reply, asking for one, and the
messages that run and finish it (each service's own, under `punte.msg.<service>.job.`)."""

from datetime import datetime
from enum import StrEnum
from functools import cache
from typing import Any, ClassVar
from uuid import UUID

from punte_contracts.envelope import DomainMessage
from punte_contracts.rpc import Contract


class JobStatus(StrEnum):
    """Where a job is: queued until its first step commits, then running until it ends."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


FINISHED_JOB_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED})


class Job(Contract):
    """A background job: its kind, status, progress, and its result (the kind's result
    contract) or error once finished."""

    id: UUID
    kind: str
    status: JobStatus
    done: int
    total: int | None
    result: dict[str, Any] | None
    error: str | None
    actor: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None


class GetJob(Contract):
    """Ask for a job by id."""

    id: UUID


class JobStepRequested(DomainMessage):
    """Run step `step` of a job (internal: the job's service sends it to itself)."""

    message_entity: ClassVar[str] = "job"
    message_verb: ClassVar[str] = "step_requested"

    job_id: UUID
    step: int


class JobFinished(DomainMessage):
    """A job ended: succeeded with its result, or failed with its error."""

    message_entity: ClassVar[str] = "job"
    message_verb: ClassVar[str] = "finished"

    job_id: UUID
    kind: str
    status: JobStatus
    result: dict[str, Any] | None = None
    error: str | None = None


@cache
def job_messages(service: str) -> tuple[type[JobStepRequested], type[JobFinished]]:
    """A service's own step and finished message types (`punte.msg.<service>.job...`)."""
    name = service.title().replace("_", "")
    step = type(f"{name}JobStepRequested", (JobStepRequested,), {"message_service": service})
    finished = type(f"{name}JobFinished", (JobFinished,), {"message_service": service})
    return step, finished
