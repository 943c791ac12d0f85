"""What duplicate suggestions of organisations and of people share: a draft's contacts read
leniently, and the records holding the same e-mail or phone."""

from collections.abc import Callable, Iterable
from uuid import UUID

from punte_contracts import contacts as c
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts import identifiers as ids
from punte_contacts.organizations import repository

Reasons = dict[UUID, set[c.DuplicateReason]]


def _valid(normalize: Callable[[str], str], values: Iterable[str]) -> list[str]:
    """The values `normalize` accepts, normalised; a draft's invalid ones match nothing."""
    found = []
    for value in values:
        try:
            found.append(normalize(value))
        except ValueError:
            continue
    return found


def draft_contacts(emails: Iterable[str], phones: Iterable[str]) -> tuple[list[str], list[str]]:
    """A draft's e-mails and phones as stored ones are, the invalid left out."""
    return _valid(ids.normalize_email, emails), _valid(ids.normalize_phone, phones)


async def add_contact_reasons(
    session: AsyncSession,
    reasons: Reasons,
    owner_column: str,
    emails: Iterable[str],
    phones: Iterable[str],
) -> None:
    """Note SAME_EMAIL or SAME_PHONE for each record (of `owner_column`'s kind) holding one of
    these e-mails or phones."""
    points = [(repository.EMAIL, repository.contact_key(repository.EMAIL, e)) for e in emails]
    points += [(repository.PHONE, p) for p in phones]
    for owner_id, kind in await repository.contact_holders(session, owner_column, points):
        same = (
            c.DuplicateReason.SAME_EMAIL
            if kind == repository.EMAIL
            else c.DuplicateReason.SAME_PHONE
        )
        reasons.setdefault(owner_id, set()).add(same)
