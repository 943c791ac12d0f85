"""Merges of organisations and people over NATS, and their undo restoring everything exactly."""

from datetime import UTC, date, datetime
from typing import Any, get_args
from uuid import UUID

from punte_contacts.merges.models import MergeRecord
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.runtime import ServiceRuntime
from stdnum.ro import cui as ro_cui

from ..conftest import READER, call, call_error, count_rows, outbox_types
from ..people.test_privacy import raw_text

# Fields an undo does not put back: the version moves forward, `updated_at` is the undo's time.
MOVING = {"version", "updated_at"}


def valid_cui(body: str) -> str:
    return body + ro_cui.calc_check_digit(body)


async def make_org(runtime: ServiceRuntime, name: str, **values: Any) -> c.Organization:
    values.setdefault("kind", c.OrganizationKind.COMPANY)
    body = c.CreateOrganization(legal_name=name, **values)
    return await call(runtime, body)


async def make_person(runtime: ServiceRuntime, family: str, **values: Any) -> c.Person:
    body = c.CreatePerson(given_name="Ioana", family_name=family, **values)
    return await call(runtime, body)


async def get_org(runtime: ServiceRuntime, org_id: UUID) -> c.Organization:

    reply = await call(runtime, c.GetOrganizations(ids=[org_id]))
    return reply.items[0]


async def get_person(runtime: ServiceRuntime, person_id: UUID) -> c.Person:

    reply = await call(runtime, c.GetPeople(ids=[person_id]))
    return reply.items[0]


async def log(runtime: ServiceRuntime, subject: str, **ids: list[UUID]) -> c.Interaction:
    body = c.LogInteraction(
        kind=c.InteractionKind.MEETING,
        occurred_at=datetime(2026, 3, 2, 10, tzinfo=UTC),
        subject=subject,
        **ids,
    )
    return await call(runtime, body)


async def timeline(runtime: ServiceRuntime, **owner: UUID) -> list[c.Interaction]:
    page = await call(runtime, c.ListInteractionsFor(first=100, **owner))
    return page.items


async def affiliations(runtime: ServiceRuntime, **owner: UUID) -> list[c.Affiliation]:
    reply = await call(runtime, c.ListAffiliations(**owner))
    return reply.items


async def consents(runtime: ServiceRuntime, person_id: UUID) -> list[c.Consent]:
    reply = await call(runtime, c.ListConsents(person_id=person_id, history=True))
    return reply.items


def same_record(before: c.Organization | c.Person, after: c.Organization | c.Person) -> None:
    """Every field equal, except the version (forward) and `updated_at`."""
    old, new = before.model_dump(), after.model_dump()
    for name in old:
        if name not in MOVING:
            assert new[name] == old[name], name
    assert after.version > before.version


async def org_state(runtime: ServiceRuntime, org_id: UUID) -> dict[str, Any]:
    return {
        "record": await get_org(runtime, org_id),
        "affiliations": await affiliations(runtime, organization_id=org_id),
        "timeline": await timeline(runtime, organization_id=org_id),
    }


async def test_merging_organisations_moves_everything_and_undo_restores_it_exactly(
    contacts: ServiceRuntime,
) -> None:
    primary = await make_org(
        contacts,
        "Banat Soft S.R.L.",
        cui="18547290",
        emails=["Office@banatsoft.ro"],
        phones=["0256 408 300"],
        tags=["it"],
    )
    secondary = await make_org(
        contacts,
        "Banat Soft",
        short_name="BSoft",
        cui=valid_cui("1234567"),
        emails=["OFFICE@BANATSOFT.RO", "vanzari@banatsoft.ro"],
        phones=["+40 256 408 300", "0722 123 456"],
        tags=["IT", "export"],
        address=c.Address(locality="Timișoara", county="Timiș"),
    )
    person = await make_person(contacts, "Popescu")
    other = await make_person(contacts, "Ionescu")
    await call(
        contacts,
        c.AddAffiliation(person_id=person.id, organization_id=secondary.id, role="director"),
    )
    await call(
        contacts, c.AddAffiliation(person_id=other.id, organization_id=primary.id, is_primary=True)
    )
    only_secondary = await log(contacts, "Vizită", organization_ids=[secondary.id])
    both = await log(contacts, "Întâlnire comună", organization_ids=[secondary.id, primary.id])
    before_primary = await org_state(contacts, primary.id)
    before_secondary = await org_state(contacts, secondary.id)

    result = await call(
        contacts,
        c.MergeOrganizations(
            primary_id=primary.id,
            primary_expected_version=primary.version,
            secondary_id=secondary.id,
            secondary_expected_version=secondary.version,
            take_from_secondary=["short_name", "address"],
        ),
    )
    assert (result.moved_affiliations, result.moved_interactions) == (1, 2)

    merged = await get_org(contacts, primary.id)
    assert merged.legal_name == "Banat Soft S.R.L."  # kept
    assert merged.short_name == "BSoft"  # taken
    assert merged.address.locality == "Timișoara"
    assert merged.cui == "18547290"
    assert merged.emails == ["Office@banatsoft.ro", "vanzari@banatsoft.ro"]
    assert merged.phones == ["+40256408300", "+40722123456"]
    assert merged.tags == ["it", "export"]
    assert merged.version == result.primary_version
    gone = await get_org(contacts, secondary.id)
    assert gone.status is c.OrganizationStatus.MERGED
    assert gone.merged_into_id == primary.id
    assert {a.person_id for a in await affiliations(contacts, organization_id=primary.id)} == {
        person.id,
        other.id,
    }
    assert await affiliations(contacts, organization_id=secondary.id) == []
    assert {i.id for i in await timeline(contacts, organization_id=primary.id)} == {
        only_secondary.id,
        both.id,
    }
    assert await timeline(contacts, organization_id=secondary.id) == []
    joint = next(i for i in await timeline(contacts, organization_id=primary.id) if i.id == both.id)
    assert joint.organization_ids == [primary.id]  # not listed twice
    found = await call(contacts, c.SearchOrganizations(query="vanzari@banatsoft.ro"))
    assert [o.id for o in found.items] == [primary.id]
    assert (await outbox_types(contacts))[-1] == c.OrganizationMerged.message_type()

    undone = await call(contacts, c.UndoMerge(merge_id=result.merge_id))
    assert undone.primary_id == primary.id
    after_primary = await org_state(contacts, primary.id)
    after_secondary = await org_state(contacts, secondary.id)
    same_record(before_primary["record"], after_primary["record"])
    same_record(before_secondary["record"], after_secondary["record"])
    for key in ("affiliations", "timeline"):
        assert after_primary[key] == before_primary[key], key
        assert after_secondary[key] == before_secondary[key], key
    assert (await outbox_types(contacts))[-1] == c.OrganizationUnmerged.message_type()

    again = await call_error(contacts, c.UndoMerge(merge_id=result.merge_id))
    assert again.code is ErrorCode.CONFLICT


async def test_a_taken_cui_moves_and_comes_back(contacts: ServiceRuntime) -> None:
    primary = await make_org(contacts, "Alfa", cui="18547290")
    secondary = await make_org(contacts, "Alfa Vechi", cui=valid_cui("7654321"))
    result = await call(
        contacts,
        c.MergeOrganizations(
            primary_id=primary.id,
            primary_expected_version=1,
            secondary_id=secondary.id,
            secondary_expected_version=1,
            take_from_secondary=["cui"],
        ),
    )
    assert (await get_org(contacts, primary.id)).cui == secondary.cui
    assert (await get_org(contacts, secondary.id)).cui is None
    await call(contacts, c.UndoMerge(merge_id=result.merge_id))
    same_record(primary, await get_org(contacts, primary.id))
    same_record(secondary, await get_org(contacts, secondary.id))


async def test_a_merge_may_take_any_field_a_patch_sets_and_the_search_follows_the_name(
    contacts: ServiceRuntime,
) -> None:
    # The merge fields derive from the patch contract: founded_on, added later, is one.
    assert "founded_on" in get_args(c.OrganizationMergeField)
    assert not {"emails", "phones", "tags", "status"} & set(get_args(c.OrganizationMergeField))
    primary = await make_org(contacts, "Alfa")
    secondary = await make_org(contacts, "Fabrica Betagama", founded_on=date(1990, 5, 1))
    await call(
        contacts,
        c.MergeOrganizations(
            primary_id=primary.id,
            primary_expected_version=1,
            secondary_id=secondary.id,
            secondary_expected_version=1,
            take_from_secondary=["founded_on", "legal_name"],
        ),
    )
    merged = await get_org(contacts, primary.id)
    assert (merged.founded_on, merged.legal_name) == (date(1990, 5, 1), "Fabrica Betagama")
    found = await call(
        contacts, c.SearchOrganizations(query="betagama", status=c.OrganizationStatus.ACTIVE)
    )
    assert [org.id for org in found.items] == [primary.id]


async def test_merge_refusals_write_nothing(contacts: ServiceRuntime) -> None:
    primary = await make_org(contacts, "Alfa")
    secondary = await make_org(contacts, "Beta")
    outbox_before = await outbox_types(contacts)

    def merge(**overrides: Any) -> c.MergeOrganizations:
        values: dict[str, Any] = {
            "primary_id": primary.id,
            "primary_expected_version": 1,
            "secondary_id": secondary.id,
            "secondary_expected_version": 1,
        }
        values.update(overrides)
        return c.MergeOrganizations(**values)

    stale = await call_error(contacts, merge(secondary_expected_version=2))
    assert stale.code is ErrorCode.CONFLICT
    missing = await call_error(contacts, merge(secondary_id=primary.id.__class__(int=1)))
    assert missing.code is ErrorCode.NOT_FOUND
    forbidden = await call_error(contacts, merge(), as_=READER)
    assert forbidden.code is ErrorCode.FORBIDDEN
    unknown = await call_error(contacts, c.UndoMerge(merge_id=primary.id))
    assert unknown.code is ErrorCode.NOT_FOUND
    assert await count_rows(contacts, MergeRecord) == 0
    assert await outbox_types(contacts) == outbox_before

    result = await call(contacts, merge())
    twice = await call_error(contacts, merge(secondary_expected_version=result.secondary_version))
    assert twice.code is ErrorCode.CONFLICT  # the secondary was merged away
    # The primary changed since the merge: the undo would lose that change, so it refuses.
    await call(
        contacts,
        c.UpdateOrganization(id=primary.id, expected_version=result.primary_version, notes="x"),
    )
    moved = await call_error(contacts, c.UndoMerge(merge_id=result.merge_id))
    assert moved.code is ErrorCode.CONFLICT
    assert (await get_org(contacts, secondary.id)).status is c.OrganizationStatus.MERGED


async def person_state(runtime: ServiceRuntime, person_id: UUID) -> dict[str, Any]:
    return {
        "record": await get_person(runtime, person_id),
        "affiliations": await affiliations(runtime, person_id=person_id),
        "timeline": await timeline(runtime, person_id=person_id),
        "consents": await consents(runtime, person_id),
    }


async def test_merging_people_moves_consents_and_undo_restores_them(
    contacts: ServiceRuntime,
) -> None:
    org = await make_org(contacts, "Primăria Timișoara", kind=c.OrganizationKind.PUBLIC_AUTHORITY)
    primary = await make_person(contacts, "Popescu", emails=["ioana@example.ro"])
    secondary = await make_person(
        contacts,
        "Popescu-Ionescu",
        job_title="consilier",
        emails=["IOANA@example.ro", "ioana.p@example.ro"],
        phones=["0722 123 456"],
    )
    await call(
        contacts,
        c.AddAffiliation(
            person_id=secondary.id, organization_id=org.id, start_date=date(2020, 1, 1)
        ),
    )
    await call(
        contacts,
        c.SetConsent(
            person_id=secondary.id,
            purpose=c.ConsentPurpose.NEWSLETTER,
            channel=c.ConsentChannel.EMAIL,
            granted=True,
            source="formular",
        ),
    )
    await log(contacts, "Apel", person_ids=[secondary.id])
    await log(contacts, "Ședință", person_ids=[primary.id, secondary.id])
    before_primary = await person_state(contacts, primary.id)
    before_secondary = await person_state(contacts, secondary.id)

    result = await call(
        contacts,
        c.MergePeople(
            primary_id=primary.id,
            primary_expected_version=1,
            secondary_id=secondary.id,
            secondary_expected_version=1,
            take_from_secondary=["job_title"],
        ),
    )
    assert (result.moved_affiliations, result.moved_interactions, result.moved_consents) == (
        1,
        2,
        1,
    )
    merged = await person_state(contacts, primary.id)
    assert merged["record"].job_title == "consilier"
    assert merged["record"].family_name == "Popescu"
    assert merged["record"].emails == ["ioana@example.ro", "ioana.p@example.ro"]
    assert len(merged["consents"]) == 1
    assert len(merged["timeline"]) == 2
    assert len(merged["affiliations"]) == 1
    assert (await get_person(contacts, secondary.id)).merged_into_id == primary.id
    found = await call(contacts, c.SearchPeople(query="popescu"))
    assert [p.id for p in found.items] == [primary.id]
    frozen = await call_error(
        contacts,
        c.UpdatePerson(id=secondary.id, expected_version=result.secondary_version, notes="x"),
    )
    assert frozen.code is ErrorCode.CONFLICT
    assert (await outbox_types(contacts))[-1] == c.PersonMerged.message_type()

    await call(contacts, c.UndoMerge(merge_id=result.merge_id))
    after_primary = await person_state(contacts, primary.id)
    after_secondary = await person_state(contacts, secondary.id)
    same_record(before_primary["record"], after_primary["record"])
    same_record(before_secondary["record"], after_secondary["record"])
    for key in ("affiliations", "timeline", "consents"):
        assert after_primary[key] == before_primary[key], key
        assert after_secondary[key] == before_secondary[key], key
    assert (await outbox_types(contacts))[-1] == c.PersonUnmerged.message_type()


async def test_erasing_a_merged_person_erases_the_merge_and_the_merged_record(
    contacts: ServiceRuntime,
) -> None:
    primary = await make_person(contacts, "Lăzărescu", emails=["madalina@presa.ro"])
    secondary = await make_person(contacts, "Lazarescu", emails=["m.lazarescu@presa.ro"])
    await call(
        contacts,
        c.MergePeople(
            primary_id=primary.id,
            primary_expected_version=1,
            secondary_id=secondary.id,
            secondary_expected_version=1,
        ),
    )
    await call(contacts, c.ErasePerson(id=primary.id))
    after = await raw_text(contacts)
    for trace in ("lazarescu", "lăzărescu", "presa.ro"):
        assert trace not in after, trace
    assert await count_rows(contacts, MergeRecord) == 0
