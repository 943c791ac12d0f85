"""OpenAPI documents every answer of `/api/v1`, as the routes type them."""

from typing import Any

from punte_gateway.app import create_app
from punte_gateway.rest.router import PREFIX
from punte_gateway.settings import GatewaySettings


def _openapi() -> dict[str, Any]:
    document: dict[str, Any] = create_app(GatewaySettings(_env_file=None)).openapi()
    return document


def _typed(schema: dict[str, Any]) -> bool:
    """A named model, or a file: not an untyped object."""
    return "$ref" in schema or schema.get("format") == "binary"


def test_every_api_route_documents_its_success_body() -> None:
    paths = {p: ops for p, ops in _openapi()["paths"].items() if p.startswith(PREFIX)}
    assert paths
    undocumented = [
        f"{method.upper()} {path}"
        for path, operations in paths.items()
        for method, operation in operations.items()
        if not any(
            _typed(media.get("schema", {}))
            for status, answer in operation["responses"].items()
            if status.startswith("2")
            for media in answer.get("content", {}).values()
        )
    ]
    assert undocumented == []


def test_answers_are_documented_in_camel_case() -> None:
    schemas = _openapi()["components"]["schemas"]
    assert {"totalRows", "rowsDone", "createdAt"} <= set(schemas["ImportJob"]["properties"])
    assert "expiresAt" in schemas["CallingKey"]["properties"]
    assert "latencyMs" in schemas["ServiceHealth"]["properties"]
