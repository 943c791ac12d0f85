"""Data-subject rights: an export holds everything; an erasure leaves no trace in any table."""

from datetime import UTC, date, datetime

from punte_contacts.all_models import metadata
from punte_contacts.organizations.models import SearchWord
from punte_contacts.people.privacy import REDACTED
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime
from sqlalchemy import select

from ..conftest import call, call_error, outbox_types

NAME = ("Mădălina", "Lăzărescu")
EMAIL = "madalina.lazarescu@presa-banat.ro"
PHONE = "0745 123 456"


async def raw_text(runtime: ServiceRuntime) -> str:
    """Every value of every table, as one lowercase text (payload bytes decoded)."""
    parts: list[str] = []
    async with runtime.session_factory() as session:
        for table in metadata.sorted_tables:
            for row in await session.execute(select(table)):
                for value in row:
                    text = value.decode() if isinstance(value, bytes) else str(value)
                    parts.append(text)
    return "\n".join(parts).casefold()


async def search_words(runtime: ServiceRuntime) -> set[str]:
    """The words in the vocabulary of search keys."""
    async with runtime.session_factory() as session:
        return set(await session.scalars(select(SearchWord.word)))


async def seed(runtime: ServiceRuntime) -> tuple[c.Person, c.Organization, c.Interaction]:
    person = await call(
        runtime,
        c.CreatePerson(
            given_name=NAME[0],
            family_name=NAME[1],
            emails=[EMAIL],
            phones=[PHONE],
            notes="Jurnalistă, acreditată.",
        ),
    )
    org = await call(
        runtime,
        c.CreateOrganization(kind=c.OrganizationKind.MEDIA_OUTLET, legal_name="Presa Banat"),
    )
    await call(
        runtime,
        c.AddAffiliation(person_id=person.id, organization_id=org.id, start_date=date(2020, 1, 1)),
    )
    await call(
        runtime,
        c.SetConsent(
            person_id=person.id,
            purpose=c.ConsentPurpose.PRESS_LISTS,
            channel=c.ConsentChannel.EMAIL,
            granted=True,
            source="acreditare",
        ),
    )
    interaction = await call(
        runtime,
        c.LogInteraction(
            kind=c.InteractionKind.CALL,
            occurred_at=datetime(2026, 11, 2, 10, 0, tzinfo=UTC),
            subject="Apel de la Madalina Lazarescu",
            summary=(
                f"D-na LĂZĂRESCU (tel. +40 745 123 456, {EMAIL.upper()}) cere date despre "
                "bugetul participativ; revine Mădălina pe 0745123456."
            ),
            person_ids=[person.id],
            organization_ids=[org.id],
        ),
    )
    return person, org, interaction


async def test_the_export_holds_everything_on_the_person(contacts: ServiceRuntime) -> None:
    person, org, interaction = await seed(contacts)
    export = await call(contacts, c.ExportPersonData(id=person.id))
    assert export.person == person
    assert [a.organization_id for a in export.affiliations] == [org.id]
    assert [x.purpose for x in export.consents] == [c.ConsentPurpose.PRESS_LISTS]
    assert [i.id for i in export.interactions] == [interaction.id]
    missing = await call_error(contacts, c.ExportPersonData(id=new_id()))
    assert missing.code is ErrorCode.NOT_FOUND


async def test_an_erasure_leaves_no_trace_in_any_table(contacts: ServiceRuntime) -> None:
    person, org, interaction = await seed(contacts)
    before = await raw_text(contacts)
    assert "lăzărescu" in before
    assert EMAIL in before
    # The vocabulary of search keys holds the name's words too (on every backend).
    assert {"madalina", "lazarescu"} <= await search_words(contacts)

    report = await call(contacts, c.ErasePerson(id=person.id))
    assert report == c.ErasureReport(
        person_id=person.id, affiliations_removed=1, consents_removed=1, interactions_scrubbed=1
    )

    after = await raw_text(contacts)
    assert not {"madalina", "lazarescu"} & await search_words(contacts)
    for trace in ("mădălina", "madalina", "lăzărescu", "lazarescu", EMAIL, "745123456", "745 123"):
        assert trace not in after, trace
    timeline = await call(contacts, c.ListInteractionsFor(organization_id=org.id))
    kept = timeline.items[0]
    assert kept.id == interaction.id
    assert kept.person_ids == []
    assert kept.subject == f"Apel de la {REDACTED} {REDACTED}"
    assert "bugetul participativ" in kept.summary
    assert (await outbox_types(contacts))[-1] == c.PersonErased.message_type()
    gone = await call_error(contacts, c.ErasePerson(id=person.id))
    assert gone.code is ErrorCode.NOT_FOUND
