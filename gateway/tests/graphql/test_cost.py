"""The query cost estimate: each field once per item of the pages above it."""

import pytest
from graphql import FragmentDefinitionNode, OperationDefinitionNode, parse
from punte_gateway.graphql.cost import query_cost
from punte_gateway.graphql.schema import build_schema
from punte_gateway.settings import GatewaySettings
from punte_platform.testing.services import test_settings


def cost(query: str, variables: dict[str, object] | None = None) -> int:
    schema = build_schema(test_settings(GatewaySettings))._schema
    document = parse(query)
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return query_cost(schema, operation, fragments, variables)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("{ health { service } }", 1 + 10 * 1),
        # organizations: 1 + 10 x (edges 1 + node 1 + legalName 1 + people (1 + 5 x 1)).
        (
            "{ organizations(first: 10) { edges { node { legalName "
            "people(first: 5) { totalCount } } } } }",
            1 + 10 * (1 + 1 + 1 + (1 + 5 * 1)),
        ),
        # Without `first`, a connection counts its default page (20).
        ("{ organizations { totalCount } }", 1 + 20 * 1),
        ("query ($n: Int) { organizations(first: $n) { totalCount } }", 1 + 7 * 1),
        (
            "{ organizations(first: 2) { ...Page } } fragment Page on OrganizationConnection "
            "{ edges { node { id } } }",
            1 + 2 * (1 + 1 + 1),
        ),
        ('{ nodes(ids: ["a", "b", "c"]) { id } }', 1 + 3 * 1),
    ],
)
def test_the_cost_of_a_query(query: str, expected: int) -> None:
    assert cost(query, {"n": 7}) == expected
