"""Duplicate suggestions for people: shared e-mail or phone, the same or a similar name."""

from uuid import UUID

from punte_contracts import contacts as c
from punte_platform.errors import ServiceError
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.duplicates import Reasons, add_contact_reasons, draft_contacts
from punte_contacts.people import repository
from punte_contacts.text import normalize_text, search_key

SCORES = {
    c.DuplicateReason.SAME_EMAIL: 0.9,
    c.DuplicateReason.SAME_PHONE: 0.8,
    c.DuplicateReason.SAME_NAME: 0.75,
}
# Below SAME_NAME: a similar name alone is the weakest hint.
SIMILAR_NAME_SCORE = 0.6
# Trigram similarity of whole names (PostgreSQL): "Ioan Popescu" ~ "Ion Popescu" is 0.6.
MIN_NAME_SIMILARITY = 0.5
# Given names compared on their first letters (SQLite, and PostgreSQL too): Ion ~ Ioan.
GIVEN_PREFIX = 2


async def suggest(session: AsyncSession, body: c.SuggestPersonDuplicates) -> c.PersonDuplicates:
    """Possible duplicates of a stored person or of a draft, most likely first."""
    exclude: UUID | None = None
    if body.person_id is not None:
        person = await repository.get(session, body.person_id)
        if person is None:
            raise ServiceError.not_found("person", body.person_id)
        exclude, emails, phones = person.id, list(person.emails), list(person.phones)
        given, family = search_key(person.given_name), search_key(person.family_name)
    else:
        emails, phones = draft_contacts(body.emails, body.phones)
        given = search_key(normalize_text(body.given_name or ""))
        family = search_key(normalize_text(body.family_name or ""))

    reasons: Reasons = {}
    similarity: dict[UUID, float] = {}
    await add_contact_reasons(session, reasons, "person_id", emails, phones)
    if given and family:
        # Either order: forms often swap given and family names ("Popescu Ion").
        same = await repository.people_named(session, [f"{given} {family}", f"{family} {given}"])
        for person_id in same:
            reasons.setdefault(person_id, set()).add(c.DuplicateReason.SAME_NAME)
        similar = await repository.people_with_similar_names(
            session,
            given=given,
            family=family,
            given_prefix=given[:GIVEN_PREFIX],
            min_similarity=MIN_NAME_SIMILARITY,
            limit=body.limit * 3,
        )
        for person_id, value in similar.items():
            if person_id not in same:
                reasons.setdefault(person_id, set()).add(c.DuplicateReason.SIMILAR_NAME)
                similarity[person_id] = value
    if exclude is not None:
        reasons.pop(exclude, None)

    def score(person_id: UUID) -> float:
        found = reasons[person_id]
        named = SIMILAR_NAME_SCORE * similarity.get(person_id, 0.0)
        return max([SCORES[r] for r in found if r in SCORES] + [named])

    people = {
        p.id: p
        for p in await repository.get_many(session, list(reasons))
        if p.merged_into_id is None
    }
    ranked = sorted(people, key=lambda i: (-score(i), people[i].search_key, str(i)))
    return c.PersonDuplicates(
        items=[
            c.PersonDuplicate(
                person=c.Person.model_validate(people[i]),
                reasons=sorted(reasons[i]),
                score=round(score(i), 3),
            )
            for i in ranked[: body.limit]
        ]
    )
