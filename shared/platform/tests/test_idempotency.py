"""Idempotency keys on a real nats-server and database: a retried write acts once."""

import asyncio
import json

from punte_platform.context import CallContext, call_context
from punte_platform.messaging.rpc import ServiceClient
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.probe import Fail, RecordChange, Recorded, changes
from sqlalchemy import func, select


def client_of(runtime: ServiceRuntime) -> ServiceClient:
    assert runtime.client is not None
    return runtime.client


async def record(
    runtime: ServiceRuntime, actor: str, key: str | None, body: RecordChange
) -> Recorded:
    with call_context(CallContext(actor=actor, idempotency_key=key)):
        return await client_of(runtime).call(body)


async def changes_with(runtime: ServiceRuntime, key: str) -> int:
    async with runtime.uow.transaction(read_only=True) as session:
        count = await session.scalar(
            select(func.count()).select_from(changes).where(changes.c.key == key)
        )
    return int(count or 0)


async def stored_keys(runtime: ServiceRuntime) -> int:
    table = runtime.definition.tables.idempotency_key
    async with runtime.uow.transaction(read_only=True) as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


async def test_a_retry_with_the_same_key_answers_the_first_reply_and_writes_once(
    probe: ServiceRuntime,
) -> None:
    first = await record(probe, "user:1", "retry-1", RecordChange(key="a", seq=1))
    again = await record(probe, "user:1", "retry-1", RecordChange(key="a", seq=1))
    assert again == first
    assert await changes_with(probe, "a") == 1
    other_key = await record(probe, "user:1", "retry-2", RecordChange(key="a", seq=1))
    assert other_key.change_ids != first.change_ids
    assert await changes_with(probe, "a") == 2


async def test_without_a_key_every_request_acts(probe: ServiceRuntime) -> None:
    await record(probe, "user:1", None, RecordChange(key="b", seq=1))
    await record(probe, "user:1", None, RecordChange(key="b", seq=1))
    assert await changes_with(probe, "b") == 2
    assert await stored_keys(probe) == 0


async def test_the_same_key_from_different_actors_does_not_collide(
    probe: ServiceRuntime,
) -> None:
    one = await record(probe, "user:1", "shared", RecordChange(key="c", seq=1))
    two = await record(probe, "user:2", "shared", RecordChange(key="c", seq=1))
    assert one.change_ids != two.change_ids
    assert await changes_with(probe, "c") == 2


async def test_concurrent_duplicates_act_once_and_all_answer_the_same(
    probe: ServiceRuntime,
) -> None:
    # Each holds its transaction a while after writing: the others arrive while it runs.
    body = RecordChange(key="d", seq=1, hold_seconds=0.3)
    replies = await asyncio.gather(*(record(probe, "user:1", "twice", body) for _ in range(4)))
    assert all(reply == replies[0] for reply in replies)
    assert await changes_with(probe, "d") == 1


async def test_an_error_reply_is_not_stored_and_the_key_stays_free(
    probe: ServiceRuntime,
) -> None:
    with call_context(CallContext(actor="user:1", idempotency_key="failing")):
        raw = await client_of(probe).request_raw(
            "punte.probe.system.fail", Fail(how="not_found").model_dump_json().encode()
        )
    assert json.loads(raw)["error"]["code"] == "not_found"
    assert await stored_keys(probe) == 0


async def test_a_key_longer_than_the_store_keeps_is_refused(probe: ServiceRuntime) -> None:
    with call_context(CallContext(actor="user:1", idempotency_key="k" * 201)):
        raw = await client_of(probe).request_raw(
            "punte.probe.change.record", RecordChange(key="e", seq=1).model_dump_json().encode()
        )
    assert json.loads(raw)["error"]["fields"][0]["path"] == ["idempotency_key"]
    assert await changes_with(probe, "e") == 0
