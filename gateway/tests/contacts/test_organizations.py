"""Organisations through GraphQL, with the real contacts service over real NATS."""

from collections.abc import Callable
from typing import Any

from punte_platform.testing.nats_server import NatsServer
from strawberry import relay

from ..auth.conftest import StaffGateway, StaffGatewayFactory
from .conftest import CREATE_ORG, ORG_FIELDS, UPDATE_ORG, Crm

VALID_CUI = "14399840"
OTHER_CUI = "12345674"

BY_ID = f"""
query ($id: ID!) {{
  organization(id: $id) {{ {ORG_FIELDS} }}
  node(id: $id) {{ id ... on Organization {{ legalName }} }}
}}
"""
SEARCH = """
query ($search: String, $filter: OrganizationFilter, $first: Int, $after: String) {
  organizations(search: $search, filter: $filter, first: $first, after: $after) {
    edges { cursor node { id legalName } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}
"""


async def test_created_organisation_reads_back_by_global_id(crm: Crm) -> None:
    org = await crm.organization(
        legalName="Comtim  SRL",
        cui=f"RO {VALID_CUI}",
        emails=["Office@Comtim.example"],
        phones=["0256 123 456"],
        address={"street": "Str. Gării 1", "locality": "Timișoara", "county": "Timiș"},
        caenCodes=[{"code": "1011", "revision": "rev2"}],
        tags=["agri"],
        sizeBand="MEDIUM",
    )
    assert relay.from_base64(org["id"])[0] == "Organization"
    assert org["cui"] == VALID_CUI  # normalised: no RO, no spaces
    assert org["phones"] == ["+40256123456"]
    assert org["version"] == 1
    assert org["status"] == "ACTIVE"
    assert org["sizeBand"] == "MEDIUM"
    assert org["caenCodes"] == [{"code": "1011", "revision": "rev2"}]
    data = await crm.gw.data(BY_ID, {"id": org["id"]}, crm.viewer)
    assert data["organization"] == org
    assert data["node"] == {"id": org["id"], "legalName": org["legalName"]}


async def test_an_invalid_cui_is_a_user_error_on_its_field_and_nothing_is_written(
    crm: Crm,
) -> None:
    payload = await crm.mutate(
        CREATE_ORG, {"kind": "COMPANY", "legalName": "Firma Greșită", "cui": "RO14399841"}
    )
    assert payload["organization"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "cui"], "validation_failed")
    ]
    data = await crm.data(SEARCH, {"search": "Firma"})
    assert data["organizations"]["edges"] == []


async def test_contract_limits_are_user_errors_with_camel_case_paths(crm: Crm) -> None:
    payload = await crm.mutate(
        CREATE_ORG,
        {"kind": "COMPANY", "legalName": "x" * 301, "caenCodes": [{"code": "12"}]},
    )
    fields = sorted(tuple(e["field"]) for e in payload["userErrors"])
    assert fields == [("input", "caenCodes", "0", "code"), ("input", "legalName")]
    assert {e["code"] for e in payload["userErrors"]} == {"validation_failed"}
    empty = await crm.mutate(CREATE_ORG, {"kind": "COMPANY", "legalName": "   "})
    assert [e["field"] for e in empty["userErrors"]] == [["input", "legalName"]]


async def test_a_duplicate_cui_is_a_conflict(crm: Crm) -> None:
    first = await crm.organization(legalName="Prima SRL", cui=VALID_CUI)
    payload = await crm.mutate(
        CREATE_ORG, {"kind": "COMPANY", "legalName": "A doua SRL", "cui": f"RO{VALID_CUI}"}
    )
    assert payload["organization"] is None
    [error] = payload["userErrors"]
    assert error["code"] == "conflict"
    assert error["field"] == ["input", "cui"]
    assert "Prima SRL" in error["message"]
    other = await crm.organization(legalName="A treia SRL", cui=OTHER_CUI)
    update = await crm.mutate(
        UPDATE_ORG, {"id": other["id"], "expectedVersion": 1, "cui": VALID_CUI}
    )
    assert [(e["field"], e["code"]) for e in update["userErrors"]] == [
        (["input", "cui"], "conflict")
    ]
    assert first["cui"] == VALID_CUI


async def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(crm: Crm) -> None:
    org = await crm.organization(legalName="Versiune SRL", notes="original")
    changed = await crm.mutate(
        UPDATE_ORG, {"id": org["id"], "expectedVersion": 1, "notes": "changed once"}
    )
    assert changed["userErrors"] == []
    assert changed["organization"]["version"] == 2
    stale = await crm.mutate(
        UPDATE_ORG, {"id": org["id"], "expectedVersion": 1, "notes": "lost update"}
    )
    assert stale["organization"] is None
    assert [(e["field"], e["code"]) for e in stale["userErrors"]] == [
        (["input", "expectedVersion"], "conflict")
    ]
    now = (await crm.data(BY_ID, {"id": org["id"]}))["organization"]
    assert now["notes"] == "changed once"
    assert now["version"] == 2


async def test_update_patches_given_fields_and_clears_named_ones(crm: Crm) -> None:
    org = await crm.organization(
        legalName="Patch SRL", shortName="Patch", website="https://patch.example", tags=["a"]
    )
    payload = await crm.mutate(
        UPDATE_ORG,
        {
            "id": org["id"],
            "expectedVersion": 1,
            "legalName": "Patch Nou SRL",
            "shortName": None,  # null: unchanged
            "clear": ["WEBSITE"],
            "status": "INACTIVE",
        },
    )
    assert payload["userErrors"] == []
    updated = payload["organization"]
    assert updated["legalName"] == "Patch Nou SRL"
    assert updated["shortName"] == "Patch"
    assert updated["website"] is None
    assert updated["tags"] == ["a"]
    assert updated["status"] == "INACTIVE"
    both = await crm.mutate(
        UPDATE_ORG, {"id": org["id"], "website": "https://x.example", "clear": ["WEBSITE"]}
    )
    assert both["userErrors"][0]["code"] == "validation_failed"
    # Without expectedVersion the stored version is used (last write wins).
    again = await crm.mutate(UPDATE_ORG, {"id": org["id"], "notes": "no version given"})
    assert again["userErrors"] == []
    assert again["organization"]["version"] == 3


async def test_archive_makes_an_organisation_inactive(crm: Crm) -> None:
    org = await crm.organization(legalName="Arhivă SRL")
    archive = """
    mutation ($input: ArchiveOrganizationInput!) {
      archiveOrganization(input: $input) {
        organization { status version } userErrors { field code }
      }
    }
    """
    stale = await crm.mutate(archive, {"id": org["id"], "expectedVersion": 7})
    assert stale["userErrors"] == [{"field": ["input", "expectedVersion"], "code": "conflict"}]
    payload = await crm.mutate(archive, {"id": org["id"], "expectedVersion": 1})
    assert payload == {
        "organization": {"status": "INACTIVE", "version": 2},
        "userErrors": [],
    }


async def test_unknown_ids_are_null_or_not_found(crm: Crm) -> None:
    missing = relay.to_base64("Organization", "0190a0a0-0000-7000-8000-000000000000")
    wrong_type = relay.to_base64("Person", "0190a0a0-0000-7000-8000-000000000000")
    garbage = relay.to_base64("Organization", "not-a-uuid")
    for global_id in (missing, wrong_type, garbage):
        data = await crm.data(
            "query ($id: ID!) { organization(id: $id) { id } }", {"id": global_id}
        )
        assert data["organization"] is None
    assert (await crm.data("query ($id: ID!) { node(id: $id) { id } }", {"id": missing})) == {
        "node": None
    }
    for global_id in (missing, wrong_type):
        payload = await crm.mutate(
            UPDATE_ORG, {"id": global_id, "expectedVersion": 1, "notes": "x"}
        )
        assert payload["organization"] is None
        assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
            (["input", "id"], "not_found")
        ]
    no_version = await crm.mutate(UPDATE_ORG, {"id": missing, "notes": "x"})
    assert [(e["field"], e["code"]) for e in no_version["userErrors"]] == [
        (["input", "id"], "not_found")
    ]


async def test_search_ignores_case_and_diacritics(crm: Crm) -> None:
    comma = await crm.organization(legalName="Asociația Timișoara Veche")
    cedilla = await crm.organization(legalName="Fundația Timişoara Nouă")  # ş with a cedilla
    await crm.organization(legalName="Arad Business SRL")
    data = await crm.data(SEARCH, {"search": "timisoara"})
    found = {e["node"]["id"] for e in data["organizations"]["edges"]}
    assert found == {comma["id"], cedilla["id"]}
    names = {e["node"]["legalName"] for e in data["organizations"]["edges"]}
    assert "Fundația Timișoara Nouă" in names  # stored with comma-below ș
    by_cui = await crm.organization(legalName="Cu CUI SRL", cui=VALID_CUI)
    data = await crm.data(SEARCH, {"search": f"RO{VALID_CUI}"})
    assert [e["node"]["id"] for e in data["organizations"]["edges"]] == [by_cui["id"]]


async def test_search_pages_forward_with_cursors_and_filters(crm: Crm) -> None:
    created = [await crm.organization(legalName=f"Pagina {i:02d} SRL") for i in range(7)]
    await crm.organization(legalName="Pagina Asociație", kind="ASSOCIATION")
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        data = await crm.data(
            SEARCH, {"search": "pagina", "filter": {"kind": "COMPANY"}, "first": 3, "after": after}
        )
        connection = data["organizations"]
        seen += [e["node"]["id"] for e in connection["edges"]]
        pages += 1
        assert connection["pageInfo"]["hasPreviousPage"] == (after is not None)
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert pages == 3
    assert seen == [o["id"] for o in created]
    # Any edge's cursor resumes right after it.
    data = await crm.data(SEARCH, {"search": "pagina", "filter": {"kind": "COMPANY"}, "first": 2})
    second = data["organizations"]["edges"][0]["cursor"]
    data = await crm.data(
        SEARCH, {"search": "pagina", "filter": {"kind": "COMPANY"}, "first": 2, "after": second}
    )
    assert [e["node"]["id"] for e in data["organizations"]["edges"]] == seen[1:3]
    bad = await crm.gw.post(SEARCH, {"after": "bm90LWEtY3Vyc29y"}, crm.writer)
    assert StaffGateway.error_codes(bad) == ["BAD_CURSOR"]


async def test_duplicate_suggestions(crm: Crm) -> None:
    org = await crm.organization(legalName="Dublură Industries SRL", cui=VALID_CUI)
    query = """
    query ($id: ID, $draft: OrganizationDraftInput) {
      duplicateSuggestions(organizationId: $id, draft: $draft) {
        organization { id legalName } reasons score
      }
    }
    """
    data = await crm.data(query, {"draft": {"cui": f"RO{VALID_CUI}", "legalName": "Alta"}})
    [suggestion] = data["duplicateSuggestions"]
    assert suggestion["organization"]["id"] == org["id"]
    assert "SAME_CUI" in suggestion["reasons"]
    assert suggestion["score"] == 1.0
    both: dict[str, Any] = {"id": org["id"], "draft": {"legalName": "x"}}
    body = await crm.gw.post(query, both, crm.writer)
    assert StaffGateway.error_codes(body) == ["VALIDATION_FAILED"]


async def test_a_viewer_reads_but_cannot_write(crm: Crm) -> None:
    org = await crm.organization(legalName="Citire SRL")
    body = await crm.gw.post(
        CREATE_ORG, {"input": {"kind": "COMPANY", "legalName": "Nu SRL"}}, crm.viewer
    )
    assert StaffGateway.error_codes(body) == ["FORBIDDEN"]
    assert body["data"] is None
    body = await crm.gw.post(
        UPDATE_ORG, {"input": {"id": org["id"], "expectedVersion": 1, "notes": "x"}}, crm.viewer
    )
    assert StaffGateway.error_codes(body) == ["FORBIDDEN"]
    data = await crm.gw.data(BY_ID, {"id": org["id"]}, crm.viewer)
    assert data["organization"]["version"] == 1
    anonymous = await crm.gw.post(BY_ID, {"id": org["id"]})
    assert "UNAUTHENTICATED" in StaffGateway.error_codes(anonymous)
    assert await crm.gw.audit("refused:Mutation.createOrganization")


async def test_an_unreachable_service_is_a_user_error(
    staff_gateway_factory: StaffGatewayFactory, nats_server_factory: Callable[[], NatsServer]
) -> None:
    # A NATS server of its own, where no contacts service runs.
    async with staff_gateway_factory(nats_url=nats_server_factory().url) as staff:
        await _unreachable(staff)


async def _unreachable(staff: StaffGateway) -> None:
    await staff.add_user("liaison", ["business_liaison"])
    token = await staff.token("liaison")
    body = await staff.data(
        CREATE_ORG, {"input": {"kind": "COMPANY", "legalName": "Nimeni SRL"}}, token
    )
    payload = body["createOrganization"]
    assert payload["organization"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [(["input"], "unavailable")]
    read = await staff.post("{ organizations(first: 1) { edges { cursor } } }", token=token)
    assert StaffGateway.error_codes(read) == ["UNAVAILABLE"]


FOUNDED_ON = """
mutation ($input: UpdateOrganizationInput!) {
  updateOrganization(input: $input) { organization { foundedOn version } userErrors { field } }
}
"""


async def test_a_plain_contract_field_is_in_the_type_and_the_inputs(crm: Crm) -> None:
    # founded_on was added to the model, its migration and the contracts only.
    created = await crm.mutate(
        CREATE_ORG.replace("mergedIntoId", "mergedIntoId foundedOn"),
        {"kind": "COMPANY", "legalName": "Fundația Bega", "foundedOn": "1991-05-17"},
    )
    org = created["organization"]
    assert org["foundedOn"] == "1991-05-17"
    changed = await crm.mutate(FOUNDED_ON, {"id": org["id"], "foundedOn": "2001-01-02"})
    assert changed["organization"] == {"foundedOn": "2001-01-02", "version": 2}
    cleared = await crm.mutate(FOUNDED_ON, {"id": org["id"], "clear": ["FOUNDED_ON"]})
    assert cleared["organization"] == {"foundedOn": None, "version": 3}


async def test_a_create_retried_with_its_idempotency_key_stores_one(crm: Crm) -> None:
    values = {"kind": "COMPANY", "legalName": "Reîncercată SRL", "idempotencyKey": "retry-1"}
    first = await crm.mutate(CREATE_ORG, values)
    again = await crm.mutate(CREATE_ORG, values)
    assert first["userErrors"] == again["userErrors"] == []
    assert again["organization"]["id"] == first["organization"]["id"]
    other = await crm.mutate(CREATE_ORG, {**values, "idempotencyKey": "retry-2"})
    assert other["organization"]["id"] != first["organization"]["id"]
    found = await crm.data(SEARCH, {"search": "reincercata", "first": 10})
    assert len(found["organizations"]["edges"]) == 2
