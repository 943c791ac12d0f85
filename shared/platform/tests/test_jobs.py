"""Background jobs on a real nats-server and database: steps, progress, the end, crashes."""

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from uuid import UUID

import pytest
from nats.js.errors import NotFoundError
from punte_contracts.envelope import CloudEvent
from punte_contracts.errors import ErrorCode
from punte_contracts.jobs import Job, JobFinished, JobStatus
from punte_platform.context import CallContext, call_context
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.nats import connect
from punte_platform.messaging.rpc import ServiceClient
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import NatsServer, nats_identity, test_credentials
from punte_platform.testing.probe import (
    Counted,
    CountTo,
    GetProbeJob,
    count,
    definition,
    jobs,
    probe_settings,
    start_probe_process,
)
from punte_platform.testing.services import gateway_caller, running_service
from punte_platform.testing.waiting import eventually

READER = CallContext(actor="user:reader", permissions=frozenset({"probe:read"}))


@pytest.fixture
async def probe_with_jobs(
    nats_server_factory: Callable[[], NatsServer], database_url: str
) -> AsyncIterator[ServiceRuntime]:
    settings = probe_settings(nats_server_factory().url, database_url)
    async with running_service(definition(recorder=False, with_jobs=True), settings) as runtime:
        yield runtime


async def get_job(client: ServiceClient, job_id: UUID) -> Job:
    with call_context(READER):
        return await client.call(GetProbeJob(id=job_id))


async def finished(client: ServiceClient, job_id: UUID, timeout: float = 20) -> Job:
    return await eventually(
        lambda: get_job(client, job_id),
        lambda job: job.status in (JobStatus.SUCCEEDED, JobStatus.FAILED),
        timeout=timeout,
    )


async def finished_message(runtime: ServiceRuntime, job_id: UUID) -> JobFinished:
    subject = jobs.finished_message.message_type()

    async def last() -> bytes | None:
        try:
            message = await runtime.jetstream().get_last_msg("PUNTE", subject)
        except NotFoundError:
            return None
        return message.data

    data = await eventually(last, lambda d: d is not None)
    assert data is not None
    event = CloudEvent.model_validate_json(data)
    assert event.actor == "user:starter"  # the steps ran as the one who started the job
    message = event.parse_data(JobFinished)
    assert message.job_id == job_id
    return message


async def test_a_job_runs_step_by_step_to_its_result_and_says_so(
    probe_with_jobs: ServiceRuntime,
) -> None:
    client = probe_with_jobs.client
    assert client is not None
    with call_context(CallContext(actor="user:starter")):
        started = await client.call(CountTo(to=7, per_step=2))
    assert (started.status, started.done, started.total) == (JobStatus.QUEUED, 0, 7)
    job = await finished(client, started.id)
    assert job.status is JobStatus.SUCCEEDED
    assert (job.done, job.total, job.error) == (7, 7, None)
    assert job.actor == "user:starter"
    assert job.finished_at is not None
    # Four steps of at most two changes each, every one written once.
    assert count.result_of(job) == Counted(count=7)
    message = await finished_message(probe_with_jobs, started.id)
    assert message.status is JobStatus.SUCCEEDED
    assert message.result == {"count": 7}


async def test_a_step_that_refuses_fails_the_job_keeping_the_progress_before_it(
    probe_with_jobs: ServiceRuntime,
) -> None:
    client = probe_with_jobs.client
    assert client is not None
    with call_context(CallContext(actor="user:starter")):
        started = await client.call(CountTo(to=10, per_step=2, fail_at=5))
    job = await finished(client, started.id)
    assert job.status is JobStatus.FAILED
    assert (job.done, job.total) == (4, 10)
    assert job.error == "cannot count past 5"
    assert job.result is None
    message = await finished_message(probe_with_jobs, started.id)
    assert (message.status, message.error) == (JobStatus.FAILED, "cannot count past 5")


async def test_reading_a_job_takes_its_kinds_read_permission(
    probe_with_jobs: ServiceRuntime,
) -> None:
    client = probe_with_jobs.client
    assert client is not None
    started = await client.call(CountTo(to=1, per_step=1))
    with call_context(CallContext(actor="user:stranger")), pytest.raises(ServiceError) as error:
        await client.call(GetProbeJob(id=started.id))
    assert error.value.body.code is ErrorCode.FORBIDDEN
    with pytest.raises(ServiceError) as missing:
        await get_job(client, new_id())
    assert missing.value.body.code is ErrorCode.NOT_FOUND
    assert (await get_job(client, started.id)).id == started.id


async def test_a_crash_in_the_middle_of_a_step_resumes_and_writes_each_step_once(
    nats_server_factory: Callable[[], NatsServer], database_url: str, tmp_path: Path
) -> None:
    server = nats_server_factory()
    env = {
        **os.environ,
        "PUNTE_NATS_URL": server.url,
        **test_credentials().environment("probe"),
        "PUNTE_PROBE_DATABASE_URL": database_url,
        "PUNTE_PROBE_CONSUMER_ACK_WAIT_SECONDS": "1",
        "PUNTE_ENVIRONMENT": "test",
        "PUNTE_LOG_JSON": "false",
        "PROBE_JOBS": "1",
    }

    def start_probe(extra: dict[str, str]) -> subprocess.Popen[str]:
        return start_probe_process({**env, **extra}, tmp_path)

    crashing = start_probe({"PUNTE_CRASH_POINT": "jobs:after_step"})
    nc = await connect(server.url, "test-client", attempts=3, identity=nats_identity())
    try:
        client = gateway_caller(nc, timeout=5)
        with call_context(CallContext(actor="user:starter")):
            started = await client.call(CountTo(to=5, per_step=2))
        # The first step wrote its changes, then the process died before committing them.
        assert await asyncio.to_thread(crashing.wait, 20) == 70
        restarted = start_probe({})
        try:
            job = await finished(client, started.id, timeout=30)
            assert job.status is JobStatus.SUCCEEDED
            assert count.result_of(job) == Counted(count=5)
        finally:
            restarted.terminate()
            assert await asyncio.to_thread(restarted.wait, 20) == 0
    finally:
        await nc.close()
        if crashing.poll() is None:
            crashing.kill()
