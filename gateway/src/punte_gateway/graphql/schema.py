"""The gateway's GraphQL schema: each domain contributes a query (and later mutation) type."""

from pathlib import Path

import strawberry

from punte_gateway.graphql.system import SystemQuery

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "schema.graphql"


@strawberry.type
class Query(SystemQuery):
    """The root query."""


schema = strawberry.Schema(query=Query)


def export_schema() -> str:
    """The schema as SDL, as committed in `gateway/schema.graphql`."""
    return schema.as_str() + "\n"


if __name__ == "__main__":
    SCHEMA_FILE.write_text(export_schema(), encoding="utf-8")
