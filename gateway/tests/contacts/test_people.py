"""People, affiliations, interactions and consent through GraphQL, with the real service."""

from strawberry import relay

from .conftest import ADD_AFFILIATION, CREATE_PERSON, PERSON_FIELDS, Crm

UPDATE_PERSON = f"""
mutation ($input: UpdatePersonInput!) {{
  updatePerson(input: $input) {{ person {{ {PERSON_FIELDS} }} userErrors {{ field code message }} }}
}}
"""
PERSON = """
query ($id: ID!) {
  person(id: $id) {
    id familyName
    affiliations { totalCount edges { node { id role current isPrimary endDate
      organization { id legalName } person { id } } } }
  }
}
"""
ORG_PEOPLE = """
query ($id: ID!, $ended: Boolean!) {
  organization(id: $id) {
    people(includeEnded: $ended) { edges { node { id familyName } } pageInfo { hasNextPage } }
    affiliations(includeEnded: $ended) { totalCount }
  }
}
"""
LOG = """
mutation ($input: LogInteractionInput!) {
  logInteraction(input: $input) {
    interaction { id kind subject author followUp { done dueDate }
      people { id } organizations { id } }
    userErrors { field code message }
  }
}
"""
TIMELINE = """
query ($id: ID!, $first: Int, $after: String) {
  organization(id: $id) {
    timeline(first: $first, after: $after) {
      edges { cursor node { id subject occurredAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""


async def test_people_are_created_updated_and_validated(crm: Crm) -> None:
    person = await crm.person(
        givenName="Ioana", familyName="Popescu", emails=["Ioana@Example.ro"], jobTitle="CEO"
    )
    assert relay.from_base64(person["id"])[0] == "Person"
    read = await crm.gw.data(
        "query ($id: ID!) { person(id: $id) { id familyName } node(id: $id) { id } }",
        {"id": person["id"]},
        crm.viewer,
    )
    assert read == {
        "person": {"id": person["id"], "familyName": "Popescu"},
        "node": {"id": person["id"]},
    }
    bad = await crm.mutate(
        CREATE_PERSON, {"familyName": "Ionescu", "emails": ["ok@example.ro", "not-an-email"]}
    )
    assert [(e["field"], e["code"]) for e in bad["userErrors"]] == [
        (["input", "emails", "1"], "validation_failed")
    ]
    phone = await crm.mutate(CREATE_PERSON, {"familyName": "Ionescu", "phones": ["12"]})
    assert [e["field"] for e in phone["userErrors"]] == [["input", "phones", "0"]]
    updated = await crm.mutate(
        UPDATE_PERSON,
        {"id": person["id"], "expectedVersion": 1, "clear": ["JOB_TITLE"], "tags": ["presă"]},
    )
    assert updated["userErrors"] == []
    assert updated["person"]["jobTitle"] is None
    assert updated["person"]["givenName"] == "Ioana"
    assert updated["person"]["tags"] == ["presă"]
    stale = await crm.mutate(
        UPDATE_PERSON, {"id": person["id"], "expectedVersion": 1, "familyName": "X"}
    )
    assert [(e["field"], e["code"]) for e in stale["userErrors"]] == [
        (["input", "expectedVersion"], "conflict")
    ]


async def test_people_search_ignores_diacritics(crm: Crm) -> None:
    ana = await crm.person(givenName="Ana", familyName="Țărănescu")
    await crm.person(givenName="Ion", familyName="Popa")
    data = await crm.data(
        'query { people(search: "taranescu") { edges { node { id familyName } } } }'
    )
    assert [e["node"]["id"] for e in data["people"]["edges"]] == [ana["id"]]


async def test_affiliations_link_people_and_organisations(crm: Crm) -> None:
    org = await crm.organization(legalName="Legătura SRL")
    person = await crm.person(givenName="Mihai", familyName="Stan")
    affiliation = await crm.affiliate(
        person["id"], org["id"], role="Director", isPrimary=True, startDate="2020-01-01"
    )
    assert affiliation["current"] is True
    assert affiliation["organization"] == {"id": org["id"], "legalName": "Legătura SRL"}
    data = await crm.data(PERSON, {"id": person["id"]})
    [edge] = data["person"]["affiliations"]["edges"]
    assert edge["node"]["id"] == affiliation["id"]
    assert edge["node"]["person"] == {"id": person["id"]}
    people = await crm.data(ORG_PEOPLE, {"id": org["id"], "ended": False})
    assert people["organization"]["people"]["edges"] == [
        {"node": {"id": person["id"], "familyName": "Stan"}}
    ]
    end = """
    mutation ($input: EndAffiliationInput!) {
      endAffiliation(input: $input) { affiliation { current endDate } userErrors { field code } }
    }
    """
    too_early = await crm.mutate(end, {"id": affiliation["id"], "endDate": "1999-01-01"})
    assert too_early == {
        "affiliation": None,
        "userErrors": [{"field": ["input", "endDate"], "code": "validation_failed"}],
    }
    ended = await crm.mutate(end, {"id": affiliation["id"], "endDate": "2026-01-01"})
    assert ended["userErrors"] == []
    assert ended["affiliation"]["current"] is False
    now = await crm.data(ORG_PEOPLE, {"id": org["id"], "ended": False})
    assert now["organization"]["people"]["edges"] == []
    assert now["organization"]["affiliations"]["totalCount"] == 0
    history = await crm.data(ORG_PEOPLE, {"id": org["id"], "ended": True})
    assert history["organization"]["affiliations"]["totalCount"] == 1
    unknown = await crm.mutate(
        ADD_AFFILIATION,
        {
            "personId": person["id"],
            "organizationId": relay.to_base64(
                "Organization", "0190a0a0-0000-7000-8000-000000000000"
            ),
        },
    )
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [
        (["input", "organizationId"], "not_found")
    ]
    swapped = await crm.mutate(
        ADD_AFFILIATION, {"personId": org["id"], "organizationId": person["id"]}
    )
    assert [(e["field"], e["code"]) for e in swapped["userErrors"]] == [
        (["input", "personId"], "not_found")
    ]


async def test_interactions_make_a_timeline_with_follow_ups(crm: Crm) -> None:
    org = await crm.organization(legalName="Cronologie SRL")
    person = await crm.person(familyName="Vlad")
    logged = []
    for day in range(1, 6):
        payload = await crm.mutate(
            LOG,
            {
                "kind": "MEETING",
                "occurredAt": f"2026-03-0{day}T10:00:00+02:00",
                "subject": f"Întâlnirea {day}",
                "organizationIds": [org["id"]],
                "personIds": [person["id"]],
                "followUp": {"dueDate": "2026-04-01"},
            },
        )
        assert payload["userErrors"] == [], payload
        logged.append(payload["interaction"])
    assert logged[0]["author"] is not None
    assert logged[0]["people"] == [{"id": person["id"]}]
    assert logged[0]["organizations"] == [{"id": org["id"]}]
    subjects: list[str] = []
    after = None
    while True:
        data = await crm.data(TIMELINE, {"id": org["id"], "first": 2, "after": after})
        timeline = data["organization"]["timeline"]
        subjects += [e["node"]["subject"] for e in timeline["edges"]]
        if not timeline["pageInfo"]["hasNextPage"]:
            break
        after = timeline["pageInfo"]["endCursor"]
    assert subjects == [f"Întâlnirea {d}" for d in range(5, 0, -1)]  # newest first
    complete = """
    mutation ($input: CompleteFollowUpInput!) {
      completeFollowUp(input: $input) {
        interaction { followUp { done } } userErrors { field code }
      }
    }
    """
    done = await crm.mutate(complete, {"id": logged[0]["id"]})
    assert done == {"interaction": {"followUp": {"done": True}}, "userErrors": []}
    nobody = await crm.mutate(
        LOG, {"kind": "NOTE", "occurredAt": "2026-03-01T10:00:00Z", "subject": "Nimeni"}
    )
    assert nobody["interaction"] is None
    assert nobody["userErrors"][0]["code"] == "validation_failed"
    unknown = await crm.mutate(
        LOG,
        {
            "kind": "NOTE",
            "occurredAt": "2026-03-01T10:00:00Z",
            "subject": "Necunoscut",
            "personIds": [person["id"], org["id"]],
        },
    )
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [
        (["input", "personIds", "1"], "not_found")
    ]


async def test_consent_export_and_erasure(crm: Crm) -> None:
    org = await crm.organization(legalName="Date Personale SRL")
    person = await crm.person(givenName="Elena", familyName="Munteanu", emails=["elena@example.ro"])
    await crm.affiliate(person["id"], org["id"], role="Jurist")
    consent = """
    mutation ($input: SetConsentInput!) {
      setConsent(input: $input) {
        consent { purpose channel granted basis source recordedBy } userErrors { field code }
      }
    }
    """
    given = await crm.mutate(
        consent,
        {
            "personId": person["id"],
            "purpose": "NEWSLETTER",
            "channel": "EMAIL",
            "granted": True,
            "source": "formular semnat",
        },
    )
    assert given["userErrors"] == []
    assert given["consent"]["purpose"] == "NEWSLETTER"
    assert given["consent"]["basis"] == "CONSENT"
    assert given["consent"]["recordedBy"] is not None
    withdrawn = await crm.mutate(
        consent,
        {
            "personId": person["id"],
            "purpose": "NEWSLETTER",
            "channel": "EMAIL",
            "granted": False,
            "source": "dezabonare",
        },
    )
    assert withdrawn["userErrors"] == []
    consents = """
    query ($id: ID!) {
      person(id: $id) {
        now: consents { granted source }
        history: consents(history: true) { granted source }
      }
    }
    """
    data = await crm.data(consents, {"id": person["id"]})
    assert data["person"]["now"] == [{"granted": False, "source": "dezabonare"}]
    assert data["person"]["history"] == [
        {"granted": False, "source": "dezabonare"},
        {"granted": True, "source": "formular semnat"},
    ]
    future = await crm.mutate(
        consent,
        {
            "personId": person["id"],
            "purpose": "NEWSLETTER",
            "channel": "EMAIL",
            "granted": False,
            "source": "e-mail",
            "at": "2999-01-01T00:00:00Z",
        },
    )
    assert [(e["field"], e["code"]) for e in future["userErrors"]] == [
        (["input", "at"], "validation_failed")
    ]
    export = """
    mutation ($input: ExportPersonDataInput!) {
      exportPersonData(input: $input) { data userErrors { field code } }
    }
    """
    exported = await crm.mutate(export, {"id": person["id"]})
    assert exported["userErrors"] == []
    assert exported["data"]["person"]["emails"] == ["elena@example.ro"]
    assert len(exported["data"]["affiliations"]) == 1
    assert len(exported["data"]["consents"]) >= 1
    erase = """
    mutation ($input: ErasePersonInput!) {
      erasePerson(input: $input) {
        erasedPersonId affiliationsRemoved consentsRemoved userErrors { field code }
      }
    }
    """
    erased = await crm.mutate(erase, {"id": person["id"]})
    assert erased == {
        "erasedPersonId": person["id"],
        "affiliationsRemoved": 1,
        "consentsRemoved": 2,
        "userErrors": [],
    }
    gone = await crm.data("query ($id: ID!) { person(id: $id) { id } }", {"id": person["id"]})
    assert gone == {"person": None}
    again = await crm.mutate(erase, {"id": person["id"]})
    assert [(e["field"], e["code"]) for e in again["userErrors"]] == [
        (["input", "id"], "not_found")
    ]
