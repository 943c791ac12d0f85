"""Merging organisations and people through GraphQL, and undoing it, with the real service."""

from typing import Any

from strawberry import relay

from .conftest import ORG_FIELDS, PERSON_FIELDS, Crm

ERRORS = "userErrors { field code message }"
MERGE = "merge { id entity movedAffiliations movedInteractions movedConsents mergedAt }"
MERGE_ORGS = f"""
mutation ($input: MergeOrganizationsInput!) {{
  mergeOrganizations(input: $input) {{
    {MERGE} primary {{ {ORG_FIELDS} }} secondary {{ {ORG_FIELDS} }} {ERRORS}
  }}
}}
"""
MERGE_PEOPLE = f"""
mutation ($input: MergePeopleInput!) {{
  mergePeople(input: $input) {{
    {MERGE} primary {{ {PERSON_FIELDS} mergedIntoId }} secondary {{ {PERSON_FIELDS} mergedIntoId }}
    {ERRORS}
  }}
}}
"""
UNDO = f"""
mutation ($input: UndoMergeInput!) {{
  undoMerge(input: $input) {{
    mergeId entity undoneAt
    primary {{ id ... on Organization {{ {ORG_FIELDS} }} ... on Person {{ {PERSON_FIELDS} }} }}
    secondary {{ id ... on Organization {{ {ORG_FIELDS} }} ... on Person {{ {PERSON_FIELDS} }} }}
    {ERRORS}
  }}
}}
"""
ORG = f"query ($id: ID!) {{ organization(id: $id) {{ {ORG_FIELDS} }} }}"
AFFILIATION_ORG = """
query ($id: ID!) { person(id: $id) { affiliations { edges { node { organization { id } } } } } }
"""
# Fields an undo moves forward on purpose (a new version, a new change time).
MOVING = {"version", "updatedAt"}


def fixed(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in MOVING}


def errors(payload: dict[str, Any]) -> list[tuple[list[str] | None, str]]:
    return [(e["field"], e["code"]) for e in payload["userErrors"]]


async def affiliated_to(crm: Crm, person_id: str) -> list[str]:
    data = await crm.data(AFFILIATION_ORG, {"id": person_id})
    return [e["node"]["organization"]["id"] for e in data["person"]["affiliations"]["edges"]]


async def test_merging_organisations_then_undoing_restores_both(crm: Crm) -> None:
    primary = await crm.organization(
        legalName="Comtim Group SRL",
        emails=["office@comtim.example"],
        tags=["agri"],
        website="https://comtim.example",
    )
    secondary = await crm.organization(
        legalName="Comtim Grup S.R.L.",
        emails=["OFFICE@comtim.example", "vanzari@comtim.example"],
        tags=["agri", "export"],
        website="https://comtim.ro",
        notes="din registrul vechi",
    )
    person = await crm.person(familyName="Popescu", givenName="Ioana")
    await crm.affiliate(person["id"], secondary["id"], role="Director")

    merged = await crm.mutate(
        MERGE_ORGS,
        {
            "primaryId": primary["id"],
            "primaryExpectedVersion": primary["version"],
            "secondaryId": secondary["id"],
            "secondaryExpectedVersion": secondary["version"],
            "takeFromSecondary": ["WEBSITE"],
        },
    )
    assert merged["userErrors"] == []
    assert relay.from_base64(merged["merge"]["id"])[0] == "Merge"
    assert merged["merge"]["entity"] == "ORGANIZATION"
    assert merged["merge"]["movedAffiliations"] == 1
    kept = merged["primary"]
    assert kept["id"] == primary["id"]
    assert kept["legalName"] == "Comtim Group SRL"
    assert kept["website"] == "https://comtim.ro"
    assert kept["emails"] == ["office@comtim.example", "vanzari@comtim.example"]
    assert kept["tags"] == ["agri", "export"]
    gone = merged["secondary"]
    assert gone["status"] == "MERGED"
    assert gone["mergedIntoId"] == primary["id"]
    assert await affiliated_to(crm, person["id"]) == [primary["id"]]

    undone = await crm.mutate(UNDO, {"mergeId": merged["merge"]["id"]})
    assert undone["userErrors"] == []
    assert undone["mergeId"] == merged["merge"]["id"]
    assert undone["entity"] == "ORGANIZATION"
    assert fixed(undone["primary"]) == fixed(primary)
    assert fixed(undone["secondary"]) == fixed(secondary)
    for before in (primary, secondary):
        stored = (await crm.data(ORG, {"id": before["id"]}))["organization"]
        assert fixed(stored) == fixed(before)
        assert stored["version"] > before["version"]
    assert await affiliated_to(crm, person["id"]) == [secondary["id"]]

    again = await crm.mutate(UNDO, {"mergeId": merged["merge"]["id"]})
    assert errors(again) == [(["input", "mergeId"], "conflict")]


async def test_merging_people_then_undoing_restores_both(crm: Crm) -> None:
    primary = await crm.person(familyName="Ionescu", givenName="Mihai", emails=["m@a.example"])
    secondary = await crm.person(
        familyName="Ionescu", givenName="Mihail", emails=["mihai@b.example"], jobTitle="Consilier"
    )
    merged = await crm.mutate(
        MERGE_PEOPLE,
        {
            "primaryId": primary["id"],
            "primaryExpectedVersion": 1,
            "secondaryId": secondary["id"],
            "secondaryExpectedVersion": 1,
            "takeFromSecondary": ["JOB_TITLE"],
        },
    )
    assert merged["userErrors"] == []
    assert merged["merge"]["entity"] == "PERSON"
    assert merged["primary"]["jobTitle"] == "Consilier"
    assert merged["primary"]["emails"] == ["m@a.example", "mihai@b.example"]
    assert merged["secondary"]["mergedIntoId"] == primary["id"]

    undone = await crm.mutate(UNDO, {"mergeId": merged["merge"]["id"]})
    assert undone["userErrors"] == []
    assert fixed(undone["primary"]) == fixed(primary)
    assert fixed(undone["secondary"]) == fixed(secondary)


async def test_a_stale_expected_version_names_its_record_and_merges_nothing(crm: Crm) -> None:
    primary = await crm.organization(legalName="Primar SRL")
    secondary = await crm.organization(legalName="Secundar SRL")
    for stale, field in (
        ({"primaryExpectedVersion": 5}, "primaryExpectedVersion"),
        ({"secondaryExpectedVersion": 2}, "secondaryExpectedVersion"),
    ):
        payload = await crm.mutate(
            MERGE_ORGS,
            {
                "primaryId": primary["id"],
                "primaryExpectedVersion": 1,
                "secondaryId": secondary["id"],
                "secondaryExpectedVersion": 1,
                **stale,
            },
        )
        assert payload["merge"] is None
        assert payload["primary"] is None
        assert errors(payload) == [(["input", field], "conflict")]
    for record in (primary, secondary):
        stored = (await crm.data(ORG, {"id": record["id"]}))["organization"]
        assert stored == record  # untouched: same version, same fields


async def test_unknown_or_wrong_ids_are_not_found_on_their_field(crm: Crm) -> None:
    org = await crm.organization(legalName="Real SRL")
    person = await crm.person(familyName="Real")
    missing = relay.to_base64("Organization", "0190a0a0-0000-7000-8000-000000000000")
    payload = await crm.mutate(
        MERGE_ORGS,
        {
            "primaryId": org["id"],
            "primaryExpectedVersion": 1,
            "secondaryId": missing,
            "secondaryExpectedVersion": 1,
        },
    )
    assert errors(payload) == [(["input", "secondaryId"], "not_found")]
    wrong_type = await crm.mutate(
        MERGE_ORGS,
        {
            "primaryId": person["id"],
            "primaryExpectedVersion": 1,
            "secondaryId": org["id"],
            "secondaryExpectedVersion": 1,
        },
    )
    assert errors(wrong_type) == [(["input", "primaryId"], "not_found")]
    itself = await crm.mutate(
        MERGE_ORGS,
        {
            "primaryId": org["id"],
            "primaryExpectedVersion": 1,
            "secondaryId": org["id"],
            "secondaryExpectedVersion": 1,
        },
    )
    assert [e["code"] for e in itself["userErrors"]] == ["validation_failed"]
    for merge_id in (
        relay.to_base64("Merge", "0190a0a0-0000-7000-8000-000000000000"),
        "not a global id",
    ):
        undone = await crm.mutate(UNDO, {"mergeId": merge_id})
        assert errors(undone) == [(["input", "mergeId"], "not_found")]


async def test_a_viewer_may_not_merge(crm: Crm) -> None:
    a = await crm.organization(legalName="A SRL")
    b = await crm.organization(legalName="B SRL")
    body = await crm.gw.post(
        MERGE_ORGS,
        {
            "input": {
                "primaryId": a["id"],
                "primaryExpectedVersion": 1,
                "secondaryId": b["id"],
                "secondaryExpectedVersion": 1,
            }
        },
        crm.viewer,
    )
    assert crm.gw.error_codes(body) == ["FORBIDDEN"]
    stored = (await crm.data(ORG, {"id": b["id"]}))["organization"]
    assert stored["status"] == "ACTIVE"
