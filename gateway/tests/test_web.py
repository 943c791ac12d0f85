"""The staff web UI's build served at `/`, its client routes falling back to index.html."""

from pathlib import Path

import pytest

from .auth.conftest import StaffGatewayFactory, staff_gateway_factory

__all__ = ["staff_gateway_factory"]

INDEX = '<!doctype html><script type="module" src="/assets/index-abc123.js"></script>'


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    """A build as Vite leaves it: index.html, hashed assets, a top-level file."""
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text(INDEX)
    (tmp_path / "assets" / "index-abc123.js").write_text("console.log('punte')")
    (tmp_path / "robots.txt").write_text("User-agent: *")
    (tmp_path.parent / "secret.txt").write_text("not served")
    return tmp_path


async def test_client_routes_get_the_index_and_assets_are_cached_for_good(
    staff_gateway_factory: StaffGatewayFactory, web_dir: Path
) -> None:
    async with staff_gateway_factory(web_dir=web_dir) as gw:
        for path in ("/", "/organizations", "/organizations/T3JnOjE?x=1", "/login"):
            page = await gw.client.get(path)
            assert page.status_code == 200, path
            assert page.text == INDEX
            assert page.headers["cache-control"] == "no-cache"
        asset = await gw.client.get("/assets/index-abc123.js")
        assert asset.status_code == 200
        assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert "javascript" in asset.headers["content-type"]
        assert (await gw.client.get("/robots.txt")).text == "User-agent: *"
        assert (await gw.client.get("/assets/missing.js")).status_code == 404


async def test_api_paths_are_unaffected_and_never_fall_back(
    staff_gateway_factory: StaffGatewayFactory, web_dir: Path
) -> None:
    async with staff_gateway_factory(web_dir=web_dir) as gw:
        assert (await gw.client.get("/healthz")).status_code == 200
        health = await gw.data("{ __typename }")
        assert health == {"__typename": "Query"}
        for path in ("/api/v1/unknown", "/graphql/unknown", "/uploads/x", "/metricsx"):
            answer = await gw.client.get(path)
            assert answer.status_code == 404, path
            assert answer.text != INDEX
        rest = await gw.client.get("/api/v1/contacts/imports/00000000-0000-0000-0000-000000000000")
        assert rest.status_code == 401
        escaped = await gw.client.get("/%2E%2E/secret.txt")
        assert "not served" not in escaped.text


async def test_without_a_build_only_the_api_is_served(
    staff_gateway_factory: StaffGatewayFactory, tmp_path: Path
) -> None:
    async with staff_gateway_factory(web_dir=tmp_path / "absent") as gw:
        assert (await gw.client.get("/")).status_code == 404
        assert (await gw.client.get("/healthz")).status_code == 200
