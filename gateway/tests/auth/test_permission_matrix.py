"""Every role against every mutation and guarded query: allowed exactly where the table says."""

import logging
import uuid
from typing import Any

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
)
from graphql.pyutils import Undefined
from punte_gateway.auth.permissions import API_KEY_SCOPES, ROLE_PERMISSIONS, Permission, Role
from punte_gateway.graphql.schema import build_schema
from punte_gateway.settings import GatewaySettings
from punte_platform.messaging.files import READ_ANY_FILE_PERMISSION
from strawberry import relay

from .conftest import StaffGateway

PUBLIC = "public"
AUTHENTICATED = "authenticated"
# Imports need either permission.
IMPORTER = (Permission.CONTACTS_IMPORT, Permission.CONTACTS_WRITE)
Needs = Permission | str | tuple[Permission, ...]

# What each operation needs. A new mutation fails the completeness test until it is added.
MUTATIONS: dict[str, Needs] = {
    "login": PUBLIC,
    "refreshSession": PUBLIC,
    "logout": AUTHENTICATED,
    "createUser": Permission.USERS_MANAGE,
    "updateUser": Permission.USERS_MANAGE,
    "setUserPassword": Permission.USERS_MANAGE,
    "createApiKey": Permission.API_KEYS_MANAGE,
    "rotateApiKey": Permission.API_KEYS_MANAGE,
    "revokeApiKey": Permission.API_KEYS_MANAGE,
    "createOrganization": Permission.CONTACTS_WRITE,
    "updateOrganization": Permission.CONTACTS_WRITE,
    "archiveOrganization": Permission.CONTACTS_WRITE,
    "createPerson": Permission.CONTACTS_WRITE,
    "updatePerson": Permission.CONTACTS_WRITE,
    "addAffiliation": Permission.CONTACTS_WRITE,
    "endAffiliation": Permission.CONTACTS_WRITE,
    "logInteraction": Permission.CONTACTS_WRITE,
    "completeFollowUp": Permission.CONTACTS_WRITE,
    "setConsent": Permission.CONTACTS_WRITE,
    "exportPersonData": Permission.CONTACTS_WRITE,
    "erasePerson": Permission.CONTACTS_WRITE,
    "mergeOrganizations": Permission.CONTACTS_WRITE,
    "mergePeople": Permission.CONTACTS_WRITE,
    "undoMerge": Permission.CONTACTS_WRITE,
    "startImport": IMPORTER,
    "applyImport": IMPORTER,
    "revertImport": IMPORTER,
    "exportOrganizations": Permission.CONTACTS_READ,
    "exportPeople": Permission.CONTACTS_READ,
}
SOME_ORGANIZATION = relay.to_base64("Organization", "0190a0a0-0000-7000-8000-000000000000")
SOME_PERSON = relay.to_base64("Person", "0190a0a0-0000-7000-8000-000000000000")
SOME_IMPORT = relay.to_base64("ImportJob", "0190a0a0-0000-7000-8000-000000000000")
QUERIES: dict[str, tuple[Needs, str]] = {
    "health": (PUBLIC, "{ health { service } }"),
    "me": (AUTHENTICATED, "{ me { username } }"),
    "users": (Permission.USERS_MANAGE, "{ users(first: 1) { totalCount } }"),
    "apiKeys": (Permission.API_KEYS_MANAGE, "{ apiKeys(first: 1) { totalCount } }"),
    "auditLog": (Permission.AUDIT_READ, "{ auditLog(first: 1) { totalCount } }"),
    "organization": (
        Permission.CONTACTS_READ,
        f'{{ organization(id: "{SOME_ORGANIZATION}") {{ id }} }}',
    ),
    "organizations": (
        Permission.CONTACTS_READ,
        "{ organizations(first: 1) { edges { cursor } } }",
    ),
    "person": (Permission.CONTACTS_READ, f'{{ person(id: "{SOME_PERSON}") {{ id }} }}'),
    "people": (Permission.CONTACTS_READ, "{ people(first: 1) { edges { cursor } } }"),
    "duplicateSuggestions": (
        Permission.CONTACTS_READ,
        '{ duplicateSuggestions(draft: {legalName: "placeholder"}) { score } }',
    ),
    "personDuplicateSuggestions": (
        Permission.CONTACTS_READ,
        '{ personDuplicateSuggestions(draft: {familyName: "placeholder"}) { score } }',
    ),
    "importJob": (IMPORTER, f'{{ importJob(id: "{SOME_IMPORT}") {{ id }} }}'),
    # The contacts service checks the permission the job's kind names (tested per domain).
    "job": (AUTHENTICATED, '{ job(id: "0190a0a0-0000-7000-8000-000000000000") { id } }'),
}

SCHEMA = build_schema(GatewaySettings(_env_file=None))._schema


def placeholder(kind: GraphQLInputType) -> Any:
    """A value of the right shape, so the call reaches the permission check."""
    if isinstance(kind, GraphQLNonNull):
        return placeholder(kind.of_type)
    if isinstance(kind, GraphQLList):
        return []
    if isinstance(kind, GraphQLEnumType):
        return next(iter(kind.values))
    if isinstance(kind, GraphQLInputObjectType):
        return {
            name: placeholder(field.type)
            for name, field in kind.fields.items()
            if isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined
        }
    assert isinstance(kind, GraphQLScalarType)
    return {
        "ID": relay.to_base64("User", str(uuid.uuid4())),
        "String": "placeholder",
        "Int": 1,
        "Float": 1.0,
        "Boolean": False,
        "DateTime": "2030-01-01T00:00:00+00:00",
        "Date": "2030-01-01",
        "UUID": str(uuid.uuid4()),
    }[kind.name]


def mutation_call(name: str) -> tuple[str, dict[str, Any]]:
    assert SCHEMA.mutation_type is not None
    field = SCHEMA.mutation_type.fields[name]
    input_type = field.args["input"].type
    query = (
        f"mutation ($input: {input_type}) {{ {name}(input: $input) {{ userErrors {{ code }} }} }}"
    )
    return query, {"input": placeholder(input_type)}


def allowed(role: Role | None, needs: Needs) -> bool:
    if needs == PUBLIC:
        return True
    if role is None:
        return False
    if needs == AUTHENTICATED:
        return True
    if isinstance(needs, tuple):
        return any(p in ROLE_PERMISSIONS[role] for p in needs)
    return needs in ROLE_PERMISSIONS[role]


def expectation(role: Role | None, needs: Needs) -> str:
    if allowed(role, needs):
        return "allowed"
    return "unauthenticated" if role is None else "forbidden"


def outcome(body: dict[str, Any]) -> str:
    codes = StaffGateway.error_codes(body)
    if "FORBIDDEN" in codes:
        return "forbidden"
    if "UNAUTHENTICATED" in codes:
        return "unauthenticated"
    assert not codes, body  # anything else is a bug
    return "allowed"


@pytest.fixture
def service_names() -> tuple[str, ...]:
    """The operations in the matrix reach the contacts service alone."""
    return ("contacts",)


def test_the_matrix_names_every_mutation() -> None:
    assert SCHEMA.mutation_type is not None
    assert set(SCHEMA.mutation_type.fields) == set(MUTATIONS)


def test_the_matrix_names_every_query_but_node_lookups() -> None:
    # `node` and `nodes` check the permission of each record's type (tested per domain).
    assert set(SCHEMA.query_type.fields) - {"node", "nodes"} == set(QUERIES)


@pytest.mark.usefixtures("services")  # contacts answer, so allowed calls reach their end
@pytest.mark.parametrize("role", [*Role, None], ids=lambda r: r.value if r else "anonymous")
async def test_each_role_against_each_operation(staff: StaffGateway, role: Role | None) -> None:
    token = None
    if role is not None:
        await staff.add_user(f"matrix-{role.value}", [role.value])
        token = await staff.token(f"matrix-{role.value}")
    seen: dict[str, str] = {}
    expected: dict[str, str] = {}
    for name, needs in MUTATIONS.items():
        query, variables = mutation_call(name)
        seen[name] = outcome(await staff.post(query, variables, token))
        expected[name] = (
            "allowed"
            if allowed(role, needs)
            else "unauthenticated"
            if role is None
            else "forbidden"
        )
    for name, (needs, query) in QUERIES.items():
        seen[name] = outcome(await staff.post(query, token=token))
        expected[name] = (
            "allowed"
            if allowed(role, needs)
            else "unauthenticated"
            if role is None
            else "forbidden"
        )
    assert seen == expected
    if role is not None and role is not Role.ADMIN:
        assert await staff.audit("refused:Mutation.createUser"), "refusals are audited"


async def test_a_refused_permission_is_logged_as_one_line_without_a_traceback(
    staff: StaffGateway, caplog: pytest.LogCaptureFixture
) -> None:
    await staff.add_user("victor", ["viewer"])
    token = await staff.token("victor")
    caplog.clear()
    with caplog.at_level(logging.INFO):
        body = await staff.post("{ users(first: 5) { totalCount } }", token=token)
    assert staff.error_codes(body) == ["FORBIDDEN"]
    about = [r for r in caplog.records if "users:manage" in r.getMessage()]
    assert len(about) == 1, [r.getMessage() for r in about]
    assert about[0].exc_info is None
    assert "\n" not in about[0].getMessage()
    assert about[0].getMessage() == (
        "refused FORBIDDEN at users: requires the users:manage permission"
    )


def test_admins_hold_the_platforms_permission_to_read_any_staged_file() -> None:
    assert Permission.FILES_READ_ANY.value == READ_ANY_FILE_PERMISSION
    assert Permission.FILES_READ_ANY in ROLE_PERMISSIONS[Role.ADMIN]
    assert all(
        Permission.FILES_READ_ANY not in ROLE_PERMISSIONS[role]
        for role in Role
        if role != Role.ADMIN
    )
    assert Permission.FILES_READ_ANY not in API_KEY_SCOPES
