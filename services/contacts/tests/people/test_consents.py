"""Consent per person, purpose and channel: the state in force, and every change kept."""

from datetime import UTC, datetime, timedelta

from punte_contacts.people.models import ConsentRecord
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from ..conftest import WRITER, call, call_error, count_rows, outbox_types

P = c.ConsentPurpose
CH = c.ConsentChannel


async def test_consent_changes_are_kept_and_the_newest_is_in_force(
    contacts: ServiceRuntime,
) -> None:
    person = await call(contacts, c.CreatePerson(family_name="Toma"))
    given_at = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    async def set_(purpose: P, channel: CH, granted: bool, at: datetime) -> c.Consent:
        body = c.SetConsent(
            person_id=person.id,
            purpose=purpose,
            channel=channel,
            granted=granted,
            at=at,
            source="formular înscriere eveniment",
        )
        return await call(contacts, body)

    granted = await set_(P.NEWSLETTER, CH.EMAIL, True, given_at)
    assert granted.recorded_by == WRITER.actor
    assert granted.basis is c.LegalBasis.CONSENT
    repeat = await set_(P.NEWSLETTER, CH.EMAIL, True, given_at + timedelta(days=1))
    assert repeat.id == granted.id  # nothing changed, nothing recorded
    await set_(P.EVENT_INVITATIONS, CH.EMAIL, True, given_at)
    withdrawn = await set_(P.NEWSLETTER, CH.EMAIL, False, given_at + timedelta(days=30))

    in_force = await call(contacts, c.ListConsents(person_id=person.id))
    assert {(x.purpose, x.granted) for x in in_force.items} == {
        (P.NEWSLETTER, False),
        (P.EVENT_INVITATIONS, True),
    }
    assert in_force.items[0].id == withdrawn.id
    history = await call(contacts, c.ListConsents(person_id=person.id, history=True))
    assert len(history.items) == 3
    assert await count_rows(contacts, ConsentRecord) == 3
    assert (await outbox_types(contacts)).count(c.ConsentChanged.message_type()) == 3


async def test_consent_refusals_write_nothing(contacts: ServiceRuntime) -> None:
    person = await call(contacts, c.CreatePerson(family_name="Vlad"))
    unknown = await call_error(
        contacts,
        c.SetConsent(
            person_id=new_id(), purpose=P.PRESS_LISTS, channel=CH.EMAIL, granted=True, source="x"
        ),
    )
    assert unknown.code is ErrorCode.NOT_FOUND
    future = await call_error(
        contacts,
        c.SetConsent(
            person_id=person.id,
            purpose=P.PRESS_LISTS,
            channel=CH.EMAIL,
            granted=True,
            source="x",
            at=datetime.now(UTC) + timedelta(days=2),
        ),
    )
    assert future.code is ErrorCode.VALIDATION_FAILED
    assert [f.path for f in future.fields] == [["at"]]
    assert await count_rows(contacts, ConsentRecord) == 0
    missing = await call_error(contacts, c.ListConsents(person_id=new_id()))
    assert missing.code is ErrorCode.NOT_FOUND
