"""A handler or a call that does not match its request contract is a mypy error."""

from pathlib import Path

from mypy import api

ROOT = Path(__file__).resolve().parents[3]
SNIPPET = """
from uuid import UUID

from punte_contracts import contacts as c
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext, ServiceClient

registry = EndpointRegistry()


@registry.handles(c.CreateOrganization)
async def matching(ctx: HandlerContext, body: c.CreateOrganization) -> c.Organization:
    raise NotImplementedError


@registry.handles(c.CreateOrganization)  # wrong reply
async def wrong_reply(ctx: HandlerContext, body: c.CreateOrganization) -> c.Person:
    raise NotImplementedError


@registry.handles(c.CreateOrganization)  # wrong body
async def wrong_body(ctx: HandlerContext, body: c.CreatePerson) -> c.Organization:
    raise NotImplementedError


async def calls(client: ServiceClient, body: c.CreateOrganization) -> None:
    created: c.Organization = await client.call(body)
    found: dict[UUID, c.Organization] = await client.get_many(c.GetOrganizations, [created.id])
    person: c.Person = await client.call(body)  # wrong reply
    people: dict[UUID, c.Person] = await client.get_many(c.GetOrganizations, [])  # wrong reply
"""


def test_mismatches_are_type_errors(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    stdout, _, _ = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--no-error-summary", str(snippet)]
    )
    flagged = {int(line.split(":")[1]) for line in stdout.splitlines() if ": error:" in line}
    expected = {n for n, line in enumerate(SNIPPET.splitlines(), 1) if "# wrong" in line}
    # An error is reported on the decorator's line for handlers, on the call's for calls.
    assert flagged == expected, stdout
