"""Request/reply: contract validation both ways, permissions, typed errors, timeouts, context
headers."""

import json
import time
from collections.abc import AsyncIterator

import pytest
from punte_contracts.errors import ErrorCode
from punte_contracts.rpc import Request
from punte_contracts.system import health_request
from punte_platform.context import CallContext, call_context
from punte_platform.db import is_sqlite
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext, RpcServer, ServiceClient
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import nats_identity
from punte_platform.testing.probe import (
    Echo,
    EchoReply,
    GetChanges,
    RecordBatch,
    RecordChange,
    RecordGuarded,
    Sleep,
    changes,
)
from punte_platform.testing.services import gateway_caller
from sqlalchemy import func, insert, select

READER = CallContext(actor="user:1", permissions=frozenset({"probe:read"}))


def client_of(runtime: ServiceRuntime) -> ServiceClient:
    assert runtime.client is not None
    return runtime.client


async def test_a_valid_request_gets_its_reply_with_the_callers_context(
    probe: ServiceRuntime,
) -> None:
    with call_context(CallContext(actor="user:42", request_id="req-1")):
        reply = await client_of(probe).call(Echo(text="ab", count=2))
    assert reply == EchoReply(text="abab", actor="user:42", request_id="req-1")


@pytest.mark.parametrize(
    ("payload", "path"),
    [
        ({"text": "x", "count": 99}, ["count"]),
        ({"text": "", "count": 1}, ["text"]),
        ({"count": 1}, ["text"]),
        ({"text": "x", "surprise": True}, ["surprise"]),
    ],
)
async def test_an_invalid_body_is_validation_failed_with_the_field_path(
    probe: ServiceRuntime, payload: dict[str, object], path: list[str]
) -> None:
    raw = await client_of(probe).request_raw(
        "punte.probe.system.echo", json.dumps(payload).encode()
    )
    error = json.loads(raw)["error"]
    assert error["code"] == "validation_failed"
    assert [field["path"] for field in error["fields"]] == [path]


async def test_malformed_json_is_validation_failed(probe: ServiceRuntime) -> None:
    raw = await client_of(probe).request_raw("punte.probe.system.echo", b"{not json")
    with pytest.raises(ServiceError) as caught:
        ServiceClient.decode("punte.probe.system.echo", raw, EchoReply)
    assert caught.value.code is ErrorCode.VALIDATION_FAILED


async def test_an_unknown_endpoint_is_unavailable_at_once(probe: ServiceRuntime) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceError) as caught:
        await client_of(probe).request_raw(
            "punte.probe.nothing.here", Echo(text="x").model_dump_json().encode(), timeout=5
        )
    assert caught.value.code is ErrorCode.UNAVAILABLE
    assert time.monotonic() - started < 1.0


async def test_a_silent_endpoint_is_unavailable_within_the_timeout(probe: ServiceRuntime) -> None:
    started = time.monotonic()
    with pytest.raises(ServiceError) as caught:
        await client_of(probe).call(Sleep(seconds=1.5), timeout=0.3)
    assert caught.value.code is ErrorCode.UNAVAILABLE
    assert 0.3 <= time.monotonic() - started < 1.5


async def test_a_stopped_service_is_unavailable_not_a_hang(
    probe: ServiceRuntime, nats_server: object
) -> None:
    from punte_platform.messaging.nats import connect

    outside = await connect(probe.settings.nats_url, "outside", identity=nats_identity())
    try:
        client = gateway_caller(outside, timeout=2)
        await client.call(Echo(text="up"))
        await probe.rpc.stop()
        started = time.monotonic()
        with pytest.raises(ServiceError) as caught:
            await client.call(Echo(text="down"))
        assert caught.value.code is ErrorCode.UNAVAILABLE
        assert time.monotonic() - started < 2.5
    finally:
        await outside.close()


async def test_a_typed_error_crosses_the_wire_and_rolls_back(probe: ServiceRuntime) -> None:
    raw = await client_of(probe).request_raw("punte.probe.system.fail", b'{"how": "not_found"}')
    assert json.loads(raw)["error"]["code"] == "not_found"
    async with probe.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(changes)) == 0


async def test_a_bug_is_internal_without_details_and_rolls_back(probe: ServiceRuntime) -> None:
    raw = await client_of(probe).request_raw("punte.probe.system.fail", b'{"how": "crash"}')
    error = json.loads(raw)["error"]
    assert error["code"] == "internal"
    assert "secret" not in raw.decode()
    assert "Traceback" not in raw.decode()
    async with probe.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(changes)) == 0


async def test_a_reply_outside_its_contract_is_refused_by_the_client(
    probe: ServiceRuntime,
) -> None:
    body = RecordChange(key="k", seq=1)
    raw = await client_of(probe).request_raw(body.request_subject, body.model_dump_json().encode())
    with pytest.raises(ServiceError) as caught:
        ServiceClient.decode(body.request_subject, raw, EchoReply)
    assert caught.value.code is ErrorCode.INTERNAL
    assert "outside its contract" in caught.value.body.message


async def test_requests_are_served_concurrently(probe: ServiceRuntime) -> None:
    import asyncio

    started = time.monotonic()
    await asyncio.gather(*(client_of(probe).call(Sleep(seconds=0.3), timeout=5) for _ in range(10)))
    assert time.monotonic() - started < 1.5


async def test_a_write_and_its_message_commit_together(probe: ServiceRuntime) -> None:
    reply = await client_of(probe).call(RecordChange(key="k", seq=1))
    outbox = probe.definition.tables.outbox
    async with probe.session_factory() as session:
        ids = (await session.scalars(select(outbox.c.message_id))).all()
    assert ids == reply.message_ids


async def test_get_many_fetches_by_id_in_one_request_in_the_callers_order(
    probe: ServiceRuntime,
) -> None:
    from uuid import UUID

    client = client_of(probe)
    recorded = await client.call(
        RecordBatch(changes=[RecordChange(key=f"k{i}", seq=i) for i in range(3)])
    )
    first, second, third = recorded.change_ids
    unknown = UUID(int=7)
    before = client.requests_sent
    loaded = await client.load_many(GetChanges, [third, unknown, first, third])
    assert client.requests_sent == before + 1
    assert [c.seq if c else None for c in loaded] == [2, None, 0, 2]
    assert second not in {c.id for c in loaded if c}


async def test_a_stopping_service_finishes_the_requests_in_flight(probe: ServiceRuntime) -> None:
    import asyncio

    from punte_platform.messaging.nats import connect

    outside = await connect(probe.settings.nats_url, "outside", identity=nats_identity())
    try:
        client = gateway_caller(outside, timeout=5)
        in_flight = asyncio.create_task(client.call(Sleep(seconds=0.5)))
        await asyncio.sleep(0.1)
        await probe.rpc.stop()
        assert (await in_flight).text == "slept"
    finally:
        await outside.close()


async def test_metrics_count_requests_by_outcome(probe: ServiceRuntime) -> None:
    from prometheus_client import generate_latest

    client = client_of(probe)
    await client.call(Echo(text="x"))
    await client.request_raw("punte.probe.system.echo", b"{}")
    text = generate_latest(probe.metrics.registry).decode()
    assert 'punte_requests_total{endpoint="punte.probe.system.echo",outcome="ok"} 1.0' in text
    assert (
        'punte_requests_total{endpoint="punte.probe.system.echo",outcome="validation_failed"} 1.0'
        in text
    )


async def test_a_request_is_refused_without_the_permission_its_contract_declares(
    probe: ServiceRuntime,
) -> None:
    client = client_of(probe)
    body = RecordGuarded(key="k", seq=1)
    reader = CallContext(actor="user:1", permissions=frozenset({"probe:read"}))
    with call_context(reader), pytest.raises(ServiceError) as caught:
        await client.call(body)
    assert caught.value.code is ErrorCode.FORBIDDEN
    async with probe.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(changes)) == 0
    with call_context(CallContext(actor="user:1", permissions=frozenset({"probe:write"}))):
        await client.call(body)
    with call_context(CallContext(actor="system:events")):
        await client.call(body)


async def test_permission_is_checked_before_the_body(probe: ServiceRuntime) -> None:
    reader = CallContext(actor="user:1", permissions=frozenset({"probe:read"}))
    with call_context(reader):
        raw = await client_of(probe).request_raw(RecordGuarded.request_subject, b'{"seq": -1}')
    assert json.loads(raw)["error"]["code"] == "forbidden"


class CountChanges(Request[EchoReply]):
    """How many changes the probe holds, answered read-only."""

    request_subject = "punte.probe.read_only.count"
    request_permission = ("probe:read", "probe:write")
    request_read_only = True


class SneakChange(Request[EchoReply]):
    """A write attempted in a read-only endpoint."""

    request_subject = "punte.probe.read_only.sneak"
    request_permission = "probe:write"
    request_read_only = True

    text: str


@pytest.fixture
async def read_only_server(probe: ServiceRuntime) -> AsyncIterator[RpcServer]:
    """Read-only endpoints on the probe's database: one that counts, one that tries to write."""
    registry = EndpointRegistry()

    @registry.handles(CountChanges)
    async def count(ctx: HandlerContext, body: CountChanges) -> EchoReply:
        total = await ctx.session.scalar(select(func.count()).select_from(changes))
        return EchoReply(text=str(total), actor=None, request_id=None)

    @registry.handles(SneakChange)
    async def sneak(ctx: HandlerContext, body: SneakChange) -> EchoReply:
        await ctx.session.execute(insert(changes).values(id=new_id(), key=body.text, seq=0))
        return EchoReply(text="written", actor=None, request_id=None)

    assert probe.nc is not None
    server = RpcServer(
        service="probe",
        version="0.0.1",
        registry=registry,
        uow=probe.uow,
        outbox=probe.outbox,
        metrics=probe.metrics,
        concurrency=4,
        verifier=probe.rpc.verifier,
    )
    await server.start(probe.nc)
    try:
        yield server
    finally:
        await server.stop()


async def test_read_only_endpoints_answer_while_a_writer_holds_the_lock(
    probe: ServiceRuntime, read_only_server: RpcServer
) -> None:
    if not is_sqlite(probe.settings.database_url):
        pytest.skip("SQLite's write lock")
    client = client_of(probe)
    await client.call(RecordChange(key="k", seq=1))
    async with probe.engine.connect() as writer:
        # A long write transaction (an import chunk): it holds SQLite's write lock until commit.
        await writer.execute(insert(changes).values(id=new_id(), key="pending", seq=2))
        started = time.monotonic()
        with call_context(READER):
            counted = await client.call(CountChanges(), timeout=3)
        health = await client.call(health_request("probe")(), timeout=3)
        assert time.monotonic() - started < 3
        assert counted.text == "1"
        assert health.status == "ok"
        assert all(check.ok for check in health.checks)
        await writer.commit()
    with call_context(READER):
        counted = await client.call(CountChanges())
    assert counted.text == "2"


async def test_a_write_in_a_read_only_endpoint_fails_and_rolls_back(
    probe: ServiceRuntime, read_only_server: RpcServer
) -> None:
    with (
        call_context(CallContext(actor="system:probe")),
        pytest.raises(ServiceError) as caught,
    ):
        await client_of(probe).call(SneakChange(text="sneaked"))
    assert caught.value.code is ErrorCode.INTERNAL
    async with probe.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(changes)) == 0
