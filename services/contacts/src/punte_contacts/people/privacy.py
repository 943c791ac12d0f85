"""Data-subject rights on a person: export everything held, and erasure.

Erasure is real removal: the person row and everything hanging on it go, and their names,
e-mails and phones are scrubbed from the interactions they took part in. Messages never
carried personal data (ids only), so the outbox holds nothing to scrub.
"""

import re
from uuid import UUID

import phonenumbers
from punte_contracts import contacts as c
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.messaging.outbox import Outbox
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.imports import repository as imports
from punte_contacts.interactions import repository as interactions
from punte_contacts.merges import repository as merges
from punte_contacts.organizations.models import ContactPoint
from punte_contacts.people import repository
from punte_contacts.people.models import Affiliation, ConsentRecord, Person
from punte_contacts.text import search_key

REDACTED = "[șters]"
_WORD = re.compile(r"\w+")
MIN_NAME_TOKEN = 2


def phone_spellings(e164: str) -> list[str]:
    """The ways a phone number is written in free text."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return [e164]
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return sorted({e164, national, national.replace(" ", ""), international}, key=len)[::-1]


def scrubber(person: Person) -> "Scrubber":
    """What to take out of free text that mentions this person."""
    literals = list(person.emails)
    for phone in person.phones:
        literals += phone_spellings(phone)
    tokens = {
        token
        for name in (person.given_name, person.family_name)
        for token in search_key(name).split()
        if len(token) >= MIN_NAME_TOKEN
    }
    return Scrubber(literals=sorted(literals, key=len, reverse=True), name_tokens=tokens)


class Scrubber:
    """Replaces a person's e-mails, phones and name words (any diacritics, any case)."""

    def __init__(self, literals: list[str], name_tokens: set[str]) -> None:
        self.literals = [re.compile(re.escape(lit), re.IGNORECASE) for lit in literals if lit]
        self.name_tokens = name_tokens

    def __call__(self, text: str) -> str:
        for pattern in self.literals:
            text = pattern.sub(REDACTED, text)
        return _WORD.sub(
            lambda m: REDACTED if search_key(m.group(0)) in self.name_tokens else m.group(0),
            text,
        )


async def _person(session: AsyncSession, person_id: UUID) -> Person:
    person = await repository.get(session, person_id)
    if person is None:
        raise ServiceError.not_found("person", person_id)
    return person


async def erase(session: AsyncSession, outbox: Outbox, body: c.ErasePerson) -> c.ErasureReport:
    """Erase a person (and the people merged into them) and queue `PersonErased` for each."""
    person = await _person(session, body.id)
    scrub = scrubber(person)
    touched = await interactions.for_person(session, person.id)
    for interaction in touched:
        interaction.subject = scrub(interaction.subject)
        interaction.summary = scrub(interaction.summary)
    await session.flush()
    await interactions.remove_person(session, person.id)
    removed: dict[str, int] = {}
    for name, model in (("affiliations", Affiliation), ("consents", ConsentRecord)):
        result = await session.execute(
            delete(model)
            .where(model.person_id == person.id)
            .execution_options(synchronize_session=False)
        )
        removed[name] = int(getattr(result, "rowcount", 0) or 0)
    await session.execute(
        delete(ContactPoint)
        .where(ContactPoint.person_id == person.id)
        .execution_options(synchronize_session=False)
    )
    # Merge snapshots copy the person's data; people merged into them are them too.
    await merges.delete_for_person(session, person.id)
    # Import files and before-images naming the person go too (the import can't be reverted).
    await imports.delete_jobs(
        session, await imports.people_jobs_naming(session, person.id, list(person.emails))
    )
    merged_in = await repository.merged_into(session, person.id)
    await session.delete(person)
    await session.flush()
    await outbox.add(session, c.PersonErased(person_id=body.id), key=str(body.id))
    for other_id in merged_in:
        await erase(session, outbox, c.ErasePerson(id=other_id))
    return c.ErasureReport(
        person_id=body.id,
        affiliations_removed=removed["affiliations"],
        consents_removed=removed["consents"],
        interactions_scrubbed=len(touched),
    )


async def export(session: AsyncSession, body: c.ExportPersonData) -> c.PersonDataExport:
    """Everything held on a person here."""
    person = await _person(session, body.id)
    affiliations = await repository.list_affiliations(
        session, person_id=person.id, organization_id=None, include_ended=True
    )
    consents = await repository.consent_history(session, person.id)
    return c.PersonDataExport(
        person=c.Person.model_validate(person),
        affiliations=[c.Affiliation.model_validate(a) for a in affiliations],
        consents=[c.Consent.model_validate(r) for r in consents],
        interactions=[
            c.Interaction.model_validate(i)
            for i in await interactions.for_person(session, person.id)
        ],
        exported_at=utcnow(),
    )
