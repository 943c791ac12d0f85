"""The audit log: read-only through the API, filtered and paged, fed by services' messages."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from punte_contracts.envelope import CloudEvent
from punte_gateway.audit.graphql import AuditEntryNode
from punte_gateway.audit.models import AuditEntry
from punte_gateway.audit.subscribers import record_domain_message
from punte_gateway.graphql.schema import build_schema
from punte_gateway.settings import GatewaySettings
from punte_gateway_key_support import VIEWER, Gateway
from punte_platform.context import CallContext, call_context
from punte_platform.ids import new_id
from punte_platform.messaging.consumer import MessageContext
from punte_platform.testing import probe
from punte_platform.testing.databases import TestDatabases
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.services import running_service, test_settings
from punte_platform.testing.waiting import eventually
from sqlalchemy import delete, func, select
from strawberry import relay

LOG = """
query ($filter: AuditFilter, $first: Int, $after: String, $last: Int, $before: String) {
  auditLog(filter: $filter, first: $first, after: $after, last: $last, before: $before) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { node {
      id occurredAt actor actorName action outcome targetIds changes detail requestId source
    } }
  }
}
"""

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


async def seed(gw: Gateway) -> list[AuditEntry]:
    """Entries of every kind, one minute apart, oldest first."""
    specs: list[dict[str, Any]] = [
        {"actor": "user:ana", "action": "api_key.created", "target_ids": ["k1"]},
        {"actor": "user:ana", "action": "api_key.revoked", "target_ids": ["k1"]},
        {"actor": "apikey:k2", "action": "api_key.used", "target_ids": ["k2"]},
        {"actor": "user:ion", "action": "refused:Query.auditLog", "outcome": "forbidden"},
        {
            "actor": "apikey:k2",
            "action": "punte.msg.contacts.organisation.created.v1",
            "target_ids": ["org-1"],
            "source": "contacts",
        },
        {"actor": "user:ana", "action": "api_key.created", "target_ids": ["k3", "k1x"]},
    ]
    entries = [
        AuditEntry(
            id=new_id(),
            occurred_at=T0 + timedelta(minutes=i),
            actor=spec["actor"],
            actor_name=None,
            action=spec["action"],
            outcome=spec.get("outcome", "ok"),
            target_ids=spec.get("target_ids", []),
            changes={"name": {"old": None, "new": f"n{i}"}},
            detail="",
            request_id=None,
            source=spec.get("source", "gateway"),
        )
        for i, spec in enumerate(specs)
    ]
    async with gw.runtime.uow.transaction() as session:
        session.add_all(entries)
    return entries


WINDOW = {"from": T0.isoformat(), "to": (T0 + timedelta(hours=1)).isoformat()}


async def log(gw: Gateway, **variables: Any) -> dict[str, Any]:
    body = await gw.execute(LOG, variables)
    assert "errors" not in body, body
    result: dict[str, Any] = body["data"]["auditLog"]
    return result


def actions(page: dict[str, Any]) -> list[str]:
    return [e["node"]["action"] for e in page["edges"]]


async def test_only_audit_readers_read_the_log(gw: Gateway) -> None:
    await seed(gw)
    refused = await gw.execute(LOG, principal=VIEWER)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await gw.execute(LOG, principal=None)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    page = await log(gw, filter={"outcome": "forbidden", "actor": VIEWER.actor})
    assert actions(page) == ["refused:Query.auditLog"]


async def test_filters_narrow_the_log(gw: Gateway) -> None:
    entries = await seed(gw)
    everything = await log(gw, filter=WINDOW)
    assert everything["totalCount"] == 6
    assert actions(everything)[0] == "api_key.created"  # newest first
    assert everything["edges"][0]["node"]["changes"] == {"name": {"old": None, "new": "n5"}}

    by_actor = await log(gw, filter={"actor": "apikey:k2", **WINDOW})
    assert actions(by_actor) == ["punte.msg.contacts.organisation.created.v1", "api_key.used"]
    by_prefix = await log(gw, filter={"actionPrefix": "api_key.", **WINDOW})
    assert by_prefix["totalCount"] == 4
    # The prefix is literal: LIKE wildcards in it match nothing special.
    assert (await log(gw, filter={"actionPrefix": "api_key%", **WINDOW}))["totalCount"] == 0
    by_target = await log(gw, filter={"targetId": "k1", **WINDOW})
    assert actions(by_target) == ["api_key.revoked", "api_key.created"]
    by_outcome = await log(gw, filter={"outcome": "forbidden", **WINDOW})
    assert actions(by_outcome) == ["refused:Query.auditLog"]
    by_source = await log(gw, filter={"source": "contacts", **WINDOW})
    assert by_source["edges"][0]["node"]["targetIds"] == ["org-1"]
    window = await log(
        gw,
        filter={
            "from": (T0 + timedelta(minutes=1)).isoformat(),
            "to": (T0 + timedelta(minutes=3)).isoformat(),
        },
    )
    assert actions(window) == ["api_key.used", "api_key.revoked"]
    combined = await log(
        gw, filter={"actor": "user:ana", "targetId": "k1", "actionPrefix": "api_key.c", **WINDOW}
    )
    assert [e["node"]["id"] for e in combined["edges"]] == [
        str(relay.GlobalID("AuditEntry", str(entries[0].id)))
    ]
    naive = await gw.execute(LOG, {"filter": {"from": "2026-11-02T09:00:00"}})
    assert naive["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_pages_forwards_and_backwards(gw: Gateway) -> None:
    await seed(gw)
    window = WINDOW
    seen: list[str] = []
    after = None
    while True:
        page = await log(gw, filter=window, first=4, after=after)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 6
    last = await log(gw, filter=window, last=2)
    assert [e["node"]["id"] for e in last["edges"]] == seen[-2:]
    before = await log(gw, filter=window, last=3, before=last["pageInfo"]["startCursor"])
    assert [e["node"]["id"] for e in before["edges"]] == seen[1:4]
    assert before["pageInfo"]["hasPreviousPage"] is True
    too_big = await gw.execute(LOG, {"first": 1000})
    assert too_big["errors"][0]["extensions"]["code"] == "PAGE_TOO_LARGE"


async def test_entries_resolve_as_nodes_for_audit_readers_only(gw: Gateway) -> None:
    entries = await seed(gw)
    node_id = str(relay.GlobalID("AuditEntry", str(entries[2].id)))
    query = "query ($id: ID!) { node(id: $id) { ... on AuditEntry { action actor } } }"
    body = await gw.execute(query, {"id": node_id})
    assert body["data"]["node"] == {"action": "api_key.used", "actor": "apikey:k2"}
    refused = await gw.execute(query, {"id": node_id}, principal=VIEWER)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_no_mutation_can_edit_or_delete_entries() -> None:
    schema = build_schema(GatewaySettings(_env_file=None))  # type: ignore[call-arg]
    mutation = schema.get_type_by_name("Mutation")
    names = [f.name for f in mutation.fields] if mutation else []  # type: ignore[union-attr]
    assert not [n for n in names if "audit" in n.lower()]
    # Nothing any mutation returns can lead to an entry either.
    sdl = schema.as_str()
    for block in sdl.split("\n\n"):
        if block.startswith("type ") and "Payload" in block.split("{")[0]:
            assert "AuditEntry" not in block, block
    assert AuditEntryNode.__strawberry_definition__.name == "AuditEntry"  # type: ignore[attr-defined]


async def audit_count(gw: Gateway, message_id: UUID) -> int:
    async with gw.runtime.uow.transaction() as session:
        return int(
            await session.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(AuditEntry.message_id == message_id)
            )
            or 0
        )


async def test_domain_messages_are_recorded_once_even_when_redelivered(
    gw: Gateway, nats_server: NatsServer, test_databases: TestDatabases
) -> None:
    settings = test_settings(
        probe.ProbeSettings,
        nats_url=nats_server.url,
        database_url=await test_databases.create("probe"),
    )
    async with running_service(probe.definition(recorder=False), settings) as probe_runtime:
        assert probe_runtime.client is not None
        key = f"org-{new_id()}"
        actor = f"apikey:{new_id()}"
        with call_context(CallContext(actor=actor, request_id="req-audit-1")):
            recorded = await probe_runtime.client.call(probe.RecordChange(key=key, seq=1))
        message_id = recorded.message_ids[0]
        await eventually(lambda: audit_count(gw, message_id), lambda n: n == 1)

        async with gw.runtime.uow.transaction() as session:
            entry = await session.scalar(
                select(AuditEntry).where(AuditEntry.message_id == message_id)
            )
        assert entry is not None
        assert entry.action == probe.ChangeRecorded.message_type()
        assert entry.source == "probe"
        assert entry.actor == actor
        assert entry.request_id == "req-audit-1"
        assert entry.target_ids == [key]
        assert entry.changes == {}  # the body stays with its service

        # Redeliver: the same message published again under a new broker id (the dedupe
        # window would drop an identical one), then again after the inbox forgot it.
        async with probe_runtime.uow.transaction() as session:
            payload = (
                await session.execute(
                    select(probe.tables.outbox.c.payload).where(
                        probe.tables.outbox.c.message_id == message_id
                    )
                )
            ).scalar_one()
        js = probe_runtime.jetstream()
        subject = probe.ChangeRecorded.message_type()
        await js.publish(subject, payload, headers={"Nats-Msg-Id": f"again-{new_id()}"})
        marker = await _publish_marker(js, subject)
        await eventually(lambda: audit_count(gw, marker), lambda n: n == 1)
        assert await audit_count(gw, message_id) == 1

        async with gw.runtime.uow.transaction() as session:
            await session.execute(delete(gw.runtime.definition.tables.inbox))
        await js.publish(subject, payload, headers={"Nats-Msg-Id": f"again-{new_id()}"})
        marker = await _publish_marker(js, subject)
        await eventually(lambda: audit_count(gw, marker), lambda n: n == 1)
        assert await audit_count(gw, message_id) == 1

        # And through the API, attributed to the integration's key.
        page = await log(gw, filter={"source": "probe", "targetId": key})
        assert page["totalCount"] == 1
        node = page["edges"][0]["node"]
        assert node["actor"] == actor
        assert node["action"] == subject


async def _publish_marker(js: Any, subject: str) -> UUID:
    """A fresh message after the duplicates: once it is recorded, they were consumed."""
    event = CloudEvent(
        id=new_id(),
        source="punte/probe",
        type=subject,
        subject=f"marker-{new_id()}",
        time=datetime.now(UTC),
        actor="system:probe",
        data={"change_id": str(new_id()), "key": "marker", "seq": 0},
    )
    body = json.dumps(event.model_dump(mode="json", exclude_none=True)).encode()
    await js.publish(subject, body, headers={"Nats-Msg-Id": str(event.id)})
    return event.id


async def test_the_handler_is_idempotent_on_its_own(gw: Gateway) -> None:
    event = CloudEvent(
        id=new_id(),
        source="punte/partnerships",
        type="punte.msg.partnerships.contribution.recorded.v1",
        subject="contribution-1",
        time=datetime(2026, 11, 3, 10, 0),  # naive: taken as UTC, not refused
        actor=None,
    )
    for _ in range(2):
        async with gw.runtime.uow.transaction() as session:
            ctx = MessageContext(
                session=session, outbox=gw.runtime.outbox, call=CallContext(), event=event
            )
            await record_domain_message(ctx, event)
    assert await audit_count(gw, event.id) == 1
    page = await log(gw, filter={"source": "partnerships"})
    node = page["edges"][0]["node"]
    assert node["occurredAt"].startswith("2026-11-03T10:00:00")
    assert node["actor"] is None
