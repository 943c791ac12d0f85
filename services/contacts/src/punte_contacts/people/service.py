"""Rules for people and affiliations: contact checks, versions, messages. Never commits."""

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from punte_contracts import contacts as c
from punte_platform.db import load_for_change, utcnow
from punte_platform.errors import FieldErrors, ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.outbox import Outbox
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from punte_contacts import identifiers as ids
from punte_contacts import records
from punte_contacts.organizations import repository as organizations
from punte_contacts.people import repository
from punte_contacts.people.models import Affiliation, ConsentRecord, Person
from punte_contacts.text import normalize_optional, normalize_text


def clean_values(body: c.CreatePerson | c.UpdatePerson, fields: set[str]) -> dict[str, Any]:
    """The sent fields in their stored form; every invalid one reported with its path."""
    errors = FieldErrors()
    values: dict[str, Any] = {}
    for name in ("honorific", "job_title"):
        if name in fields:
            values[name] = normalize_optional(getattr(body, name))
    for name in ("given_name", "family_name", "notes"):
        if name in fields and getattr(body, name) is not None:
            values[name] = normalize_text(getattr(body, name))
    if "emails" in fields and body.emails is not None:
        values["emails"] = ids.normalize_list(errors, "emails", body.emails, ids.normalize_email)
    if "phones" in fields and body.phones is not None:
        values["phones"] = ids.normalize_list(errors, "phones", body.phones, ids.normalize_phone)
    if "tags" in fields and body.tags is not None:
        values["tags"] = ids.unique_texts(normalize_text(v) for v in body.tags)
    if "preferred_language" in fields and body.preferred_language is not None:
        values["preferred_language"] = body.preferred_language
    if "owner_id" in fields:
        values["owner_id"] = body.owner_id
    errors.raise_if_any()
    return values


async def create(session: AsyncSession, outbox: Outbox, body: c.CreatePerson) -> c.Person:
    """Create a person and queue `PersonCreated`."""
    values = clean_values(body, set(type(body).model_fields))
    now = utcnow()
    person = Person(id=new_id(), created_at=now, updated_at=now, **values)
    session.add(person)
    await session.flush()
    await organizations.replace_contact_points(
        session, emails=person.emails, phones=person.phones, person_id=person.id
    )
    await outbox.add(
        session,
        c.PersonCreated(person_id=person.id, version=person.version),
        key=str(person.id),
    )
    return c.Person.model_validate(person)


async def create_many(
    session: AsyncSession, outbox: Outbox, cleaned: Sequence[dict[str, Any]]
) -> list[UUID]:
    """Create people together, as `create` creates one, from what `clean_values` made of
    each (every field): one batch each for the records, their contact points, search words
    and `PersonCreated` messages."""
    rows = records.new_rows(cleaned)
    await organizations.add_new(session, Person, "person_id", rows)
    created = [c.PersonCreated(person_id=row["id"], version=row["version"]) for row in rows]
    await outbox.add_many(session, [(message, str(message.person_id)) for message in created])
    return [row["id"] for row in rows]


async def update(session: AsyncSession, outbox: Outbox, body: c.UpdatePerson) -> c.Person:
    """Apply a patch, bump the version and queue `PersonUpdated` (if anything changed)."""
    fields = {
        name
        for name in type(body).model_fields
        if name not in {"id", "expected_version", "clear"} and getattr(body, name) is not None
    } | set(body.clear)
    values = clean_values(body, fields)
    person = await load_for_change(session, Person, body.id, body.expected_version)
    if person.merged_into_id is not None:
        raise ServiceError.conflict(
            f"person {body.id} was merged into {person.merged_into_id}",
            merged_into_id=str(person.merged_into_id),
        )
    changed = sorted(name for name, value in values.items() if getattr(person, name) != value)
    if not changed:
        return c.Person.model_validate(person)
    for name in changed:
        setattr(person, name, values[name])
    person.updated_at = utcnow()
    try:
        await session.flush()
    except StaleDataError:
        raise ServiceError.conflict("changed meanwhile by someone else: reload and retry") from None
    if "emails" in changed or "phones" in changed:
        await organizations.replace_contact_points(
            session, emails=person.emails, phones=person.phones, person_id=person.id
        )
    await outbox.add(
        session,
        c.PersonUpdated(person_id=person.id, version=person.version, changed=changed),
        key=str(person.id),
    )
    return c.Person.model_validate(person)


def filter_arguments(body: c.PersonFilter) -> dict[str, Any]:
    """A filter's values as the repository's search takes them."""
    return {
        "match": records.text_match(body.query),
        "tag": normalize_text(body.tag) if body.tag else None,
        "owner_id": body.owner_id,
    }


listing = records.Listing(
    read=c.Person,
    get_rows=repository.get_many,
    find=repository.search,
    count_matching=repository.count_matching,
    filters=filter_arguments,
    noun="people",
)


async def add_affiliation(
    session: AsyncSession, outbox: Outbox, body: c.AddAffiliation
) -> c.Affiliation:
    """Link a person to an organisation and queue `AffiliationAdded`."""
    if await repository.get(session, body.person_id) is None:
        raise ServiceError.not_found("person", body.person_id)
    if await organizations.get(session, body.organization_id) is None:
        raise ServiceError.not_found("organization", body.organization_id)
    if body.is_primary:
        await repository.clear_primary(session, body.person_id)
    affiliation = Affiliation(
        id=new_id(),
        person_id=body.person_id,
        organization_id=body.organization_id,
        role=normalize_optional(body.role),
        department=normalize_optional(body.department),
        start_date=body.start_date,
        end_date=None,
        is_primary=body.is_primary,
        created_at=utcnow(),
    )
    session.add(affiliation)
    await session.flush()
    await outbox.add(
        session,
        c.AffiliationAdded(
            affiliation_id=affiliation.id,
            person_id=affiliation.person_id,
            organization_id=affiliation.organization_id,
            is_primary=affiliation.is_primary,
        ),
        key=str(affiliation.person_id),
    )
    return c.Affiliation.model_validate(affiliation)


async def end_affiliation(
    session: AsyncSession, outbox: Outbox, body: c.EndAffiliation
) -> c.Affiliation:
    """End an affiliation (kept as history) and queue `AffiliationEnded`."""
    affiliation = await repository.get_affiliation(session, body.id)
    if affiliation is None:
        raise ServiceError.not_found("affiliation", body.id)
    if affiliation.end_date is not None:
        raise ServiceError.conflict(
            f"affiliation {body.id} already ended on {affiliation.end_date.isoformat()}",
            end_date=affiliation.end_date.isoformat(),
        )
    if affiliation.start_date is not None and body.end_date < affiliation.start_date:
        raise ServiceError.invalid(["end_date"], "ends before it started")
    affiliation.end_date = body.end_date
    affiliation.is_primary = False
    await session.flush()
    await outbox.add(
        session,
        c.AffiliationEnded(
            affiliation_id=affiliation.id,
            person_id=affiliation.person_id,
            organization_id=affiliation.organization_id,
            end_date=body.end_date,
        ),
        key=str(affiliation.person_id),
    )
    return c.Affiliation.model_validate(affiliation)


async def list_affiliations(session: AsyncSession, body: c.ListAffiliations) -> c.AffiliationList:
    """A person's or an organisation's affiliations."""
    rows = await repository.list_affiliations(
        session,
        person_id=body.person_id,
        organization_id=body.organization_id,
        include_ended=body.include_ended,
    )
    return c.AffiliationList(items=[c.Affiliation.model_validate(a) for a in rows])


async def list_affiliations_many(
    session: AsyncSession, body: c.ListAffiliationsMany
) -> c.AffiliationLists:
    """The affiliations of many people or many organisations, one list per id asked."""
    grouped = await repository.list_affiliations_many(
        session,
        person_ids=body.person_ids,
        organization_ids=body.organization_ids,
        include_ended=body.include_ended,
    )
    return c.AffiliationLists(
        lists=[
            c.OwnerAffiliations(
                owner_id=owner_id,
                items=[c.Affiliation.model_validate(a) for a in grouped.get(owner_id, [])],
            )
            for owner_id in dict.fromkeys(body.person_ids or body.organization_ids)
        ]
    )


def _in_force(records: list[ConsentRecord]) -> list[ConsentRecord]:
    """The newest record per (purpose, channel), from a newest-first history."""
    seen: set[tuple[str, str]] = set()
    result = []
    for record in records:
        if (record.purpose, record.channel) not in seen:
            seen.add((record.purpose, record.channel))
            result.append(record)
    return result


async def set_consent(
    session: AsyncSession, outbox: Outbox, body: c.SetConsent, *, actor: str | None
) -> c.Consent:
    """Record a consent change (kept forever) and queue `ConsentChanged`; a repeat is a no-op."""
    if await repository.get(session, body.person_id) is None:
        raise ServiceError.not_found("person", body.person_id)
    now = utcnow()
    at = body.at or now
    if at > now + timedelta(minutes=5):
        raise ServiceError.invalid(["at"], "lies in the future")
    history = await repository.consent_history(session, body.person_id)
    current = next(
        (r for r in _in_force(history) if (r.purpose, r.channel) == (body.purpose, body.channel)),
        None,
    )
    if current is not None and (current.granted, current.basis) == (body.granted, body.basis):
        return c.Consent.model_validate(current)
    record = ConsentRecord(
        id=new_id(),
        person_id=body.person_id,
        purpose=body.purpose,
        channel=body.channel,
        granted=body.granted,
        basis=body.basis,
        at=at,
        source=normalize_text(body.source),
        recorded_by=actor,
        recorded_at=now,
    )
    session.add(record)
    await session.flush()
    await outbox.add(
        session,
        c.ConsentChanged(
            person_id=record.person_id,
            purpose=record.purpose,
            channel=record.channel,
            granted=record.granted,
            basis=record.basis,
        ),
        key=str(record.person_id),
    )
    return c.Consent.model_validate(record)


async def list_consents(session: AsyncSession, body: c.ListConsents) -> c.ConsentList:
    """A person's consents in force, or its whole consent history."""
    if await repository.get(session, body.person_id) is None:
        raise ServiceError.not_found("person", body.person_id)
    history = await repository.consent_history(session, body.person_id)
    records = history if body.history else _in_force(history)
    return c.ConsentList(items=[c.Consent.model_validate(r) for r in records])
