"""DataLoaders batch cross-service lookups: one NATS request per service per query level."""

from collections.abc import AsyncIterator
from uuid import UUID

import pytest
import strawberry
from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.loaders import service_loader
from punte_gateway.settings import GatewaySettings
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.probe import (
    Change,
    GetChanges,
    ProbeSettings,
    RecordBatch,
    RecordChange,
    definition,
)
from punte_platform.testing.services import running_service, test_settings
from strawberry.types import Info

# Each change points at the next one, as an organisation points at its parent elsewhere.
NEXT: dict[UUID, UUID] = {}


@strawberry.type
class ChangeNode:
    id: strawberry.ID
    key: str
    seq: int

    @classmethod
    def of(cls, change: Change) -> "ChangeNode":
        return cls(id=strawberry.ID(str(change.id)), key=change.key, seq=change.seq)

    @strawberry.field
    async def next(self, info: Info[GraphQLContext, None]) -> "ChangeNode | None":
        loaded = await service_loader(info.context, GetChanges).load(NEXT[UUID(self.id)])
        return ChangeNode.of(loaded) if loaded else None

    @strawberry.field
    async def next_without_loader(self, info: Info[GraphQLContext, None]) -> "ChangeNode | None":
        found = await info.context.client.get_many(GetChanges, [NEXT[UUID(self.id)]])
        return ChangeNode.of(next(iter(found.values()))) if found else None


@strawberry.type
class Query:
    @strawberry.field
    async def changes(self, info: Info[GraphQLContext, None], ids: list[UUID]) -> list[ChangeNode]:
        loader = service_loader(info.context, GetChanges)
        return [ChangeNode.of(c) for c in await loader.load_many(ids) if c is not None]


schema = strawberry.Schema(query=Query)


@pytest.fixture
async def probe(nats_server: NatsServer, database_url: str) -> AsyncIterator[ServiceRuntime]:
    settings = test_settings(ProbeSettings, nats_url=nats_server.url, database_url=database_url)
    async with running_service(definition(recorder=False), settings) as runtime:
        yield runtime


async def count_requests(probe: ServiceRuntime, query: str, ids: list[UUID]) -> int:
    assert probe.client is not None
    context = GraphQLContext(runtime=probe, settings=GatewaySettings(_env_file=None))
    before = probe.client.requests_sent
    result = await schema.execute(
        query, variable_values={"ids": [str(i) for i in ids]}, context_value=context
    )
    assert result.errors is None, result.errors
    assert len(result.data["changes"]) == len(ids)  # type: ignore[index]
    return probe.client.requests_sent - before


async def test_a_nested_query_makes_one_request_per_level(probe: ServiceRuntime) -> None:
    assert probe.client is not None
    recorded = await probe.client.call(
        RecordBatch(changes=[RecordChange(key=f"k{i}", seq=i) for i in range(20)])
    )
    ids = recorded.change_ids
    NEXT.update(dict(zip(ids, ids[1:] + ids[:1], strict=True)))
    batched = await count_requests(
        probe,
        "query($ids: [UUID!]!) { changes(ids: $ids) { next { next { next { key } } } } }",
        ids,
    )
    # Level one loads all twenty in one request; deeper levels find them in this request's
    # loader cache (ids not seen yet would cost one more request per level, not per item).
    assert batched == 1
    naive = await count_requests(
        probe,
        "query($ids: [UUID!]!) { changes(ids: $ids) { nextWithoutLoader { key } } }",
        ids,
    )
    # The counter sees N+1 where there is one.
    assert naive == 1 + len(ids)
