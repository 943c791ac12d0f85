"""Rules of merging two organisations or two people, and of undoing a merge. Never commits.

A merge snapshots, column by column, both records and every row it moves or removes
(affiliations, interaction participations, consents), so an undo puts them back exactly;
only versions move forward and `updated_at` becomes the time of the change."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from punte_contracts import contacts as c
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.outbox import Outbox
from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from punte_contacts.identifiers import unique_texts
from punte_contacts.interactions.models import InteractionOrganization, InteractionPerson
from punte_contacts.merges import repository
from punte_contacts.merges.models import MergeRecord
from punte_contacts.merges.repository import table_of
from punte_contacts.merges.snapshot import decode_row, encode_object, encode_row
from punte_contacts.organizations import repository as organizations
from punte_contacts.organizations.models import Organization
from punte_contacts.people import repository as people
from punte_contacts.people.models import Affiliation, ConsentRecord, Person

Record = Organization | Person

# A contract field of the merge request and the columns that hold it.
_ADDRESS_COLUMNS = (
    "street",
    "locality",
    "locality_key",
    "county",
    "county_key",
    "postal_code",
    "country",
)
# Columns an undo leaves alone: the key, and the version, which only moves forward.
_NOT_RESTORED = {"id", "version", "updated_at"}


@dataclass(frozen=True)
class _Kind:
    entity: c.MergeEntity
    noun: str
    model: type[Organization] | type[Person]
    owner_column: str
    participants: Table
    moves_consents: bool
    merged: type[c.OrganizationMerged] | type[c.PersonMerged]
    get: Callable[[AsyncSession, UUID], Awaitable[Record | None]]


_ORGANIZATIONS = _Kind(
    c.MergeEntity.ORGANIZATION,
    "organisation",
    Organization,
    "organization_id",
    table_of(InteractionOrganization),
    moves_consents=False,
    merged=c.OrganizationMerged,
    get=organizations.get,
)
_PEOPLE = _Kind(
    c.MergeEntity.PERSON,
    "person",
    Person,
    "person_id",
    table_of(InteractionPerson),
    moves_consents=True,
    merged=c.PersonMerged,
    get=people.get,
)


def _columns(field: str) -> tuple[str, ...]:
    return _ADDRESS_COLUMNS if field == "address" else (field,)


def _unite(first: list[str], second: list[str]) -> list[str]:
    """Both lists without repeats (compared case-insensitively), the first's order first."""
    return unique_texts([*first, *second])


def _check_version(record: Record, expected: int, role: str) -> None:
    if record.version != expected:
        raise ServiceError.conflict(
            f"the {role} record {record.id} is at version {record.version}, "
            f"not {expected}: reload and retry",
            current_version=str(record.version),
            role=role,
        )


async def _flush(session: AsyncSession) -> None:
    try:
        await session.flush()
    except IntegrityError:
        raise ServiceError.conflict("a unique value (CUI) clashes: nothing was merged") from None
    except StaleDataError:
        raise ServiceError.conflict("changed meanwhile by someone else: reload and retry") from None


async def _record(session: AsyncSession, kind: _Kind, record_id: UUID, role: str) -> Record:
    record = await kind.get(session, record_id)
    if record is None:
        raise ServiceError.not_found(kind.entity.value, record_id)
    if record.merged_into_id is not None:
        raise ServiceError.conflict(f"the {role} {kind.noun} {record_id} was merged away")
    return record


async def merge_organizations(
    session: AsyncSession, outbox: Outbox, body: c.MergeOrganizations, *, actor: str | None
) -> c.MergeResult:
    """Merge the secondary organisation into the primary; queue `OrganizationMerged`."""
    return await _merge_records(session, outbox, _ORGANIZATIONS, body, actor)


async def merge_people(
    session: AsyncSession, outbox: Outbox, body: c.MergePeople, *, actor: str | None
) -> c.MergeResult:
    """Merge the secondary person into the primary; queue `PersonMerged`."""
    return await _merge_records(session, outbox, _PEOPLE, body, actor)


async def _merge_records(
    session: AsyncSession,
    outbox: Outbox,
    kind: _Kind,
    body: c.MergeOrganizations | c.MergePeople,
    actor: str | None,
) -> c.MergeResult:
    primary = await _record(session, kind, body.primary_id, "primary")
    secondary = await _record(session, kind, body.secondary_id, "secondary")
    _check_version(primary, body.primary_expected_version, "primary")
    _check_version(secondary, body.secondary_expected_version, "secondary")
    taken = {
        column: getattr(secondary, column)
        for field in body.take_from_secondary
        for column in _columns(field)
    }
    result = await _merge(session, kind, primary, secondary, taken, actor)
    merged = kind.merged(
        merge_id=result.merge_id,
        primary_id=primary.id,
        secondary_id=secondary.id,
        primary_version=primary.version,
    )
    await outbox.add(session, merged, key=str(primary.id))
    return result


async def _mirror_contact_points(session: AsyncSession, kind: _Kind, record: Record) -> None:
    owner = {kind.owner_column: record.id}
    await organizations.replace_contact_points(
        session, emails=record.emails, phones=record.phones, **owner
    )


async def _merge(
    session: AsyncSession,
    kind: _Kind,
    primary: Record,
    secondary: Record,
    taken: dict[str, Any],
    actor: str | None,
) -> c.MergeResult:
    table = table_of(kind.model)
    snapshot: dict[str, Any] = {
        "primary": encode_object(table, primary),
        "secondary": encode_object(table, secondary),
    }
    now = utcnow()

    # The secondary first (in its own flush): a CUI the primary takes must be free first.
    if isinstance(secondary, Organization):
        secondary.status = c.OrganizationStatus.MERGED
        if "cui" in taken:
            secondary.cui = None
    secondary.merged_into_id = primary.id
    secondary.updated_at = now
    await _flush(session)

    for column, value in taken.items():
        setattr(primary, column, value)
    for name in c.MERGE_UNITED_FIELDS:
        setattr(primary, name, _unite(getattr(primary, name), getattr(secondary, name)))
    primary.updated_at = now
    await _flush(session)
    await _mirror_contact_points(session, kind, primary)
    await organizations.replace_contact_points(
        session, emails=[], phones=[], **{kind.owner_column: secondary.id}
    )

    affiliations = table_of(Affiliation)
    moved = await repository.rows_of(session, affiliations, kind.owner_column, secondary.id)
    await repository.repoint(
        session, affiliations, kind.owner_column, from_id=secondary.id, to_id=primary.id
    )
    snapshot["affiliations"] = [encode_row(affiliations, row) for row in moved]

    participants = kind.participants
    rows = await repository.rows_of(session, participants, kind.owner_column, secondary.id)
    shared = await repository.interaction_ids_of(
        session, participants, kind.owner_column, primary.id
    )
    removed = [row for row in rows if row["interaction_id"] in shared]
    await repository.delete_participations(
        session,
        participants,
        kind.owner_column,
        secondary.id,
        [row["interaction_id"] for row in removed],
    )
    await repository.repoint(
        session, participants, kind.owner_column, from_id=secondary.id, to_id=primary.id
    )
    snapshot["participations"] = [encode_row(participants, row) for row in rows]
    snapshot["participations_removed"] = [str(row["interaction_id"]) for row in removed]

    consents: list[dict[str, Any]] = []
    if kind.moves_consents:
        consent_table = table_of(ConsentRecord)
        consents = await repository.rows_of(session, consent_table, "person_id", secondary.id)
        await repository.repoint(
            session, consent_table, "person_id", from_id=secondary.id, to_id=primary.id
        )
        snapshot["consents"] = [encode_row(consent_table, row) for row in consents]

    record = MergeRecord(
        id=new_id(),
        entity=kind.entity,
        primary_id=primary.id,
        secondary_id=secondary.id,
        snapshot=snapshot,
        primary_version_after=primary.version,
        secondary_version_after=secondary.version,
        merged_at=now,
        merged_by=actor,
        undone_at=None,
        undone_by=None,
    )
    session.add(record)
    await session.flush()
    return c.MergeResult(
        merge_id=record.id,
        entity=kind.entity,
        primary_id=primary.id,
        secondary_id=secondary.id,
        primary_version=primary.version,
        secondary_version=secondary.version,
        moved_affiliations=len(moved),
        moved_interactions=len(rows),
        moved_consents=len(consents),
        merged_at=now,
    )


async def undo(
    session: AsyncSession, outbox: Outbox, body: c.UndoMerge, *, actor: str | None
) -> c.UndoMergeResult:
    """Restore both records and what the merge moved; queue `…Unmerged`."""
    record = await repository.get(session, body.merge_id)
    if record is None:
        raise ServiceError.not_found("merge", body.merge_id)
    if record.undone_at is not None:
        raise ServiceError.conflict(
            f"merge {record.id} was already undone", undone_at=record.undone_at.isoformat()
        )
    kind = _ORGANIZATIONS if record.entity is c.MergeEntity.ORGANIZATION else _PEOPLE
    primary = await kind.get(session, record.primary_id)
    secondary = await kind.get(session, record.secondary_id)
    if primary is None or secondary is None:
        raise ServiceError.conflict(f"a record of merge {record.id} no longer exists")
    for role, current, expected in (
        ("primary", primary, record.primary_version_after),
        ("secondary", secondary, record.secondary_version_after),
    ):
        if current.version != expected:
            raise ServiceError.conflict(
                f"the {role} record {current.id} changed since the merge "
                f"(version {expected} then, {current.version} now): undo it by hand",
                role=role,
                current_version=str(current.version),
            )
    table = table_of(kind.model)
    now = utcnow()
    # The primary first: it may hold the CUI the secondary gets back.
    for current, key in ((primary, "primary"), (secondary, "secondary")):
        values = decode_row(table, record.snapshot[key])
        for column, value in values.items():
            if column not in _NOT_RESTORED:
                setattr(current, column, value)
        current.updated_at = now
        await _flush(session)
        await _mirror_contact_points(session, kind, current)

    affiliations = table_of(Affiliation)
    for row in record.snapshot.get("affiliations", []):
        await repository.restore_row(
            session, affiliations, decode_row(affiliations, row), key_columns=["id"]
        )

    participants = kind.participants
    rows = [decode_row(participants, row) for row in record.snapshot.get("participations", [])]
    interaction_ids = [row["interaction_id"] for row in rows]
    # Drop what the merge left (the moved rows, now the primary's) and put every row back.
    shared = {UUID(i) for i in record.snapshot.get("participations_removed", [])}
    moved_back = [i for i in interaction_ids if i not in shared]
    await repository.delete_participations(
        session, participants, kind.owner_column, primary.id, moved_back
    )
    await repository.delete_participations(
        session, participants, kind.owner_column, secondary.id, interaction_ids
    )
    existing = await repository.existing_interactions(session, set(interaction_ids))
    for row in rows:
        if row["interaction_id"] in existing:
            await repository.insert_row(session, participants, row)

    consent_table = table_of(ConsentRecord)
    for row in record.snapshot.get("consents", []):
        await repository.restore_row(
            session, consent_table, decode_row(consent_table, row), key_columns=["id"]
        )

    record.undone_at = now
    record.undone_by = actor
    await session.flush()
    message: c.OrganizationUnmerged | c.PersonUnmerged
    if kind is _ORGANIZATIONS:
        message = c.OrganizationUnmerged(
            merge_id=record.id, primary_id=primary.id, secondary_id=secondary.id
        )
    else:
        message = c.PersonUnmerged(
            merge_id=record.id, primary_id=primary.id, secondary_id=secondary.id
        )
    await outbox.add(session, message, key=str(primary.id))
    return c.UndoMergeResult(
        merge_id=record.id,
        entity=record.entity,
        primary_id=primary.id,
        secondary_id=secondary.id,
        primary_version=primary.version,
        secondary_version=secondary.version,
        undone_at=now,
    )
