"""Duplicate suggestions for organisations: shared CUI, e-mail or phone, or a similar name."""

from uuid import UUID

from punte_contracts import contacts as c
from punte_platform.errors import ServiceError
from punte_platform.search import is_postgresql
from sqlalchemy import ColumnElement, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts import identifiers as ids
from punte_contacts.duplicates import Reasons, add_contact_reasons, draft_contacts
from punte_contacts.organizations import repository
from punte_contacts.organizations.models import Organization
from punte_contacts.text import normalize_text, search_key

# Legal-form words left out when comparing names ("S.R.L.", "SA", "SC", ...).
LEGAL_FORM_WORDS = frozenset(
    {"s", "r", "l", "c", "a", "srl", "sa", "sc", "snc", "scs", "pfa", "ii", "if", "srl-d", "d"}
)
SCORES = {
    c.DuplicateReason.SAME_CUI: 1.0,
    c.DuplicateReason.SAME_EMAIL: 0.9,
    c.DuplicateReason.SAME_PHONE: 0.8,
}
PREFIX_NAME_SCORE = 0.7
MIN_NAME_SIMILARITY = 0.45
MIN_CORE_LENGTH = 3


def core_key(key: str) -> str:
    """A name's search key without legal-form words."""
    return " ".join(word for word in key.split() if word not in LEGAL_FORM_WORDS)


async def _similar_names(
    session: AsyncSession, key: str, exclude: UUID | None, limit: int
) -> dict[UUID, float]:
    core = core_key(key)
    if len(core) < MIN_CORE_LENGTH:
        return {}
    prefix = Organization.search_key.like(f"{core}%")
    not_self: ColumnElement[bool] = (
        Organization.id != exclude if exclude is not None else literal(True)
    )
    live = Organization.status != c.OrganizationStatus.MERGED
    if is_postgresql(session):
        similarity = func.similarity(Organization.search_key, key)
        rows = await session.execute(
            select(Organization.id, similarity)
            .where(or_(Organization.search_key.op("%")(key), prefix), not_self, live)
            .order_by(similarity.desc())
            .limit(limit * 3)
        )
        found = {}
        for organization_id, score in rows:
            if score >= MIN_NAME_SIMILARITY:
                found[organization_id] = float(score)
        prefixed = await session.scalars(
            select(Organization.id).where(prefix, not_self, live).limit(limit)
        )
        for organization_id in prefixed:
            found[organization_id] = max(found.get(organization_id, 0.0), PREFIX_NAME_SCORE)
        return found
    matches = await session.scalars(
        select(Organization.id).where(prefix, not_self, live).limit(limit)
    )
    return dict.fromkeys(matches, PREFIX_NAME_SCORE)


async def suggest(
    session: AsyncSession, body: c.SuggestOrganizationDuplicates
) -> c.OrganizationDuplicates:
    """Possible duplicates of a stored organisation or of a draft, most likely first."""
    exclude: UUID | None = None
    if body.organization_id is not None:
        org = await repository.get(session, body.organization_id)
        if org is None:
            raise ServiceError.not_found("organization", body.organization_id)
        exclude, cui, emails, phones = org.id, org.cui, list(org.emails), list(org.phones)
        key = org.search_key
    else:
        cui = ids.looks_like_cui(body.cui) if body.cui else None
        emails, phones = draft_contacts(body.emails, body.phones)
        key = search_key(normalize_text(body.legal_name or ""))

    reasons: Reasons = {}
    names: dict[UUID, float] = {}
    if cui:
        holder = await repository.find_by_cui(session, cui)
        if holder is not None and holder.id != exclude:
            reasons.setdefault(holder.id, set()).add(c.DuplicateReason.SAME_CUI)
    await add_contact_reasons(session, reasons, "organization_id", emails, phones)
    if key:
        names = await _similar_names(session, key, exclude, body.limit)
        for organization_id in names:
            reasons.setdefault(organization_id, set()).add(c.DuplicateReason.SIMILAR_NAME)

    if exclude is not None:
        reasons.pop(exclude, None)

    def score(organization_id: UUID) -> float:
        found = reasons[organization_id]
        return max([SCORES[r] for r in found if r in SCORES] + [names.get(organization_id, 0.0)])

    orgs = {
        o.id: o
        for o in await repository.get_many(session, list(reasons))
        if o.status is not c.OrganizationStatus.MERGED
    }
    ranked = sorted(orgs, key=lambda i: (-score(i), orgs[i].search_key, str(i)))[: body.limit]
    return c.OrganizationDuplicates(
        items=[
            c.OrganizationDuplicate(
                organization=c.Organization.model_validate(orgs[i]),
                reasons=sorted(reasons[i]),
                score=round(score(i), 3),
            )
            for i in ranked
        ]
    )
