"""Outbox, relay and inbox against a real nats-server: nothing lost, nothing applied twice."""

import asyncio
import json
import os
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from punte_platform.messaging.nats import connect
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import NatsServer, nats_identity, test_credentials
from punte_platform.testing.probe import (
    ChangeRecorded,
    RecordBatch,
    RecordChange,
    applied_rows,
    definition,
    probe_settings,
    start_probe_process,
)
from punte_platform.testing.services import gateway_caller, running_service
from punte_platform.testing.waiting import eventually
from sqlalchemy import func, select


async def pending(runtime: ServiceRuntime) -> int:
    outbox = runtime.definition.tables.outbox
    async with runtime.session_factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.sent_at.is_(None))
        )
    return int(count or 0)


def assert_in_order_per_key(rows: list[tuple[str, int]]) -> None:
    last: dict[str, int] = {}
    for key, seq in rows:
        assert seq > last.get(key, -1), f"{key}: {seq} after {last.get(key)}"
        last[key] = seq


async def test_a_committed_change_reaches_the_consumer_once(
    nats_server_factory: Callable[[], NatsServer], database_url: str
) -> None:
    server = nats_server_factory()
    async with running_service(definition(), probe_settings(server.url, database_url)) as runtime:
        assert runtime.client is not None
        await runtime.client.call(
            RecordBatch(changes=[RecordChange(key=f"k{i % 3}", seq=i) for i in range(30)])
        )
        rows = await eventually(lambda: applied_rows(runtime), lambda r: len(r) == 30)
        assert sorted(seq for _, seq in rows) == list(range(30))
        assert_in_order_per_key(rows)
        # The relay marks rows sent after the acks, which can come after the consumer's apply.
        await eventually(lambda: pending(runtime), lambda n: n == 0)


async def test_nats_down_while_committing_loses_nothing_and_applies_once(
    nats_server_factory: Callable[[], NatsServer], database_url: str
) -> None:
    server = nats_server_factory()
    settings = probe_settings(server.url, database_url, request_timeout=0.5)
    async with running_service(definition(), settings) as runtime:
        assert runtime.client is not None
        client = runtime.client
        # The writer commits through the service's own unit of work, as a handler would,
        # so it keeps going while the broker is away.
        written = 0

        async def write(seconds: float) -> None:
            nonlocal written
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                async with runtime.uow.transaction() as session:
                    for _ in range(5):
                        await runtime.outbox.add(
                            session,
                            ChangeRecorded(
                                change_id=runtime_id(), key=f"key-{written % 4}", seq=written
                            ),
                            key=f"key-{written % 4}",
                        )
                        written += 1
                await asyncio.sleep(0.02)

        writer = asyncio.create_task(write(3.5))
        await asyncio.sleep(0.5)
        server.stop()
        await asyncio.sleep(1.5)
        assert await pending(runtime) > 0, "changes kept committing while NATS was down"
        server.start()
        await writer
        rows = await eventually(
            lambda: applied_rows(runtime), lambda r: len(r) >= written, timeout=30
        )
        assert len(rows) == written
        assert sorted(seq for _, seq in rows) == list(range(written))
        assert_in_order_per_key(rows)
        await eventually(lambda: pending(runtime), lambda n: n == 0)
        del client


def runtime_id() -> object:
    from punte_platform.ids import new_id

    return new_id()


async def test_a_failing_handler_dead_letters_after_max_deliver_and_the_rest_go_on(
    nats_server_factory: Callable[[], NatsServer], database_url: str
) -> None:
    server = nats_server_factory()
    settings = probe_settings(server.url, database_url, consumer_max_deliver=3)
    async with running_service(definition(recorder=False, picky=True), settings) as runtime:
        assert runtime.client is not None
        await runtime.client.call(
            RecordBatch(
                changes=[
                    RecordChange(key="a", seq=1),
                    RecordChange(key="poison-1", seq=2),
                    RecordChange(key="b", seq=3),
                ]
            )
        )
        rows = await eventually(lambda: applied_rows(runtime, "picky"), lambda r: len(r) == 2)
        assert rows == [("a", 1), ("b", 3)]
        dead_letter = runtime.definition.tables.dead_letter

        async def dead() -> list[object]:
            async with runtime.session_factory() as session:
                return list((await session.execute(select(dead_letter))).all())

        letters = await eventually(dead, lambda r: len(r) == 1)
        letter = letters[0]
        assert letter.deliveries == 3  # type: ignore[attr-defined]
        assert "cannot apply poison-1" in letter.error  # type: ignore[attr-defined]
        assert json.loads(letter.payload)["data"]["key"] == "poison-1"  # type: ignore[attr-defined]
        # Later messages are still processed.
        await runtime.client.call(RecordChange(key="c", seq=4))
        await eventually(lambda: applied_rows(runtime, "picky"), lambda r: len(r) == 3)


async def test_the_consumer_resumes_by_itself_after_nats_restarts(
    nats_server_factory: Callable[[], NatsServer], database_url: str
) -> None:
    server = nats_server_factory()
    async with running_service(definition(), probe_settings(server.url, database_url)) as runtime:
        assert runtime.client is not None
        await runtime.client.call(RecordChange(key="k", seq=1))
        await eventually(lambda: applied_rows(runtime), lambda r: len(r) == 1)
        server.stop(kill=True)
        await asyncio.sleep(0.5)
        server.start()
        await eventually(lambda: asyncio.sleep(0, runtime.check_nats().ok), bool, timeout=15)
        await runtime.client.call(RecordChange(key="k", seq=2))
        rows = await eventually(lambda: applied_rows(runtime), lambda r: len(r) == 2, timeout=20)
        assert rows == [("k", 1), ("k", 2)]


async def stream_messages(server: NatsServer, subject: str) -> int:
    nc = await connect(server.url, "counter", attempts=3, identity=nats_identity())
    try:
        info = await nc.jetstream().stream_info("PUNTE", subjects_filter=subject)
        return int((info.state.subjects or {}).get(subject, 0))
    finally:
        await nc.close()


@pytest.mark.parametrize("crash_point", ["relay:before_publish", "relay:after_publish"])
async def test_a_crash_between_commit_and_mark_publishes_the_message_once(
    nats_server_factory: Callable[[], NatsServer],
    database_url: str,
    tmp_path: Path,
    crash_point: str,
) -> None:
    server = nats_server_factory()
    env = {
        **os.environ,
        "PUNTE_NATS_URL": server.url,
        **test_credentials().environment("probe"),
        "PUNTE_PROBE_DATABASE_URL": database_url,
        "PUNTE_ENVIRONMENT": "test",
        "PUNTE_LOG_JSON": "false",
    }

    def start_probe(extra: dict[str, str]) -> subprocess.Popen[str]:
        return start_probe_process({**env, **extra}, tmp_path)

    crashing = start_probe({"PUNTE_CRASH_POINT": crash_point})
    nc = await connect(server.url, "test-client", attempts=3, identity=nats_identity())
    try:
        client = gateway_caller(nc, timeout=5)
        await client.call(RecordChange(key="k", seq=1))
        assert await asyncio.to_thread(crashing.wait, 20) == 70
        subject = ChangeRecorded.message_type()
        expected_before = 0 if crash_point == "relay:before_publish" else 1
        assert await stream_messages(server, subject) == expected_before

        restarted = start_probe({})
        try:
            await eventually(lambda: stream_messages(server, subject), lambda n: n >= 1)
            await asyncio.sleep(1.0)  # the relay would have re-sent by now, were it to
            assert await stream_messages(server, subject) == 1
        finally:
            restarted.terminate()
            assert await asyncio.to_thread(restarted.wait, 20) == 0
    finally:
        await nc.close()
        if crashing.poll() is None:
            crashing.kill()


async def test_a_message_whose_type_is_not_its_subject_is_dead_lettered_unapplied(
    nats_server_factory: Callable[[], NatsServer], database_url: str
) -> None:
    """Only a service may publish on its own subjects, so a consumer believes only a message
    whose type is the subject it came on: any other is a forgery (say, a contacts message
    sent on events' subjects to a subscriber that listens to both)."""
    from punte_contracts.envelope import CloudEvent
    from punte_platform.db import utcnow
    from punte_platform.ids import new_id

    # A server of its own: on the shared one the durable consumer resumes other tests' messages.
    settings = probe_settings(nats_server_factory().url, database_url)
    async with running_service(definition(), settings) as runtime:
        assert runtime.client is not None
        forged = CloudEvent(
            id=new_id(),
            source="punte/events",
            type="punte.msg.events.change.recorded.v1",
            time=utcnow(),
            data=ChangeRecorded(change_id=new_id(), key="forged", seq=1).model_dump(mode="json"),
        )
        # The harness may publish anywhere: it stands for the one service allowed here.
        js = runtime.client.nc.jetstream()
        await js.publish(ChangeRecorded.message_type(), forged.model_dump_json().encode())
        dead_letter = runtime.definition.tables.dead_letter

        async def dead() -> list[object]:
            async with runtime.session_factory() as session:
                return list((await session.execute(select(dead_letter))).all())

        (letter,) = await eventually(dead, lambda r: len(r) == 1)
        assert letter.deliveries == 1  # type: ignore[attr-defined]
        error = letter.error  # type: ignore[attr-defined]
        assert f"came on {ChangeRecorded.message_type()}" in error
        assert await applied_rows(runtime) == []
