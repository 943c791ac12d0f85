"""Rules for organisations: identifiers, duplicates, versions, messages. Never commits."""

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from punte_contracts import contacts as c
from punte_platform.db import load_for_change, utcnow
from punte_platform.errors import FieldErrors, ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.outbox import Outbox
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from punte_contacts import file_fields, records
from punte_contacts import identifiers as ids
from punte_contacts.organizations import repository
from punte_contacts.organizations.models import Organization
from punte_contacts.text import normalize_optional, normalize_text, search_key

# Input fields stored as they come (after NFC), and those stored in another shape.
_PLAIN_TEXT = ("short_name", "website", "department")


def clean_values(
    body: c.CreateOrganization | c.UpdateOrganization, fields: set[str]
) -> dict[str, Any]:
    """The sent fields in their stored form; every invalid one reported with its path."""
    errors = FieldErrors()
    values: dict[str, Any] = {}
    if "legal_name" in fields and body.legal_name is not None:
        values["legal_name"] = normalize_text(body.legal_name)
    for name in _PLAIN_TEXT:
        if name in fields:
            values[name] = normalize_optional(getattr(body, name))
    if "cui" in fields:
        values["cui"] = None
        if body.cui:
            try:
                values["cui"] = ids.normalize_cui(body.cui)
            except ValueError as error:
                errors.add(["cui"], str(error))
    if "trade_register" in fields:
        values["trade_register"] = None
        if body.trade_register:
            try:
                values["trade_register"] = ids.normalize_trade_register(body.trade_register)
            except ValueError as error:
                errors.add(["trade_register"], str(error))
    if "caen_codes" in fields and body.caen_codes is not None:
        unique = {(code.code, code.revision): code for code in body.caen_codes}
        values["caen_codes"] = [code.model_dump() for code in unique.values()]
    if "address" in fields and body.address is not None:
        address = body.address
        values["street"] = normalize_optional(address.street)
        values["locality"] = normalize_optional(address.locality)
        values["locality_key"] = search_key(address.locality) or None
        values["county"] = normalize_optional(address.county)
        values["county_key"] = search_key(address.county) or None
        values["postal_code"] = normalize_optional(address.postal_code)
        values["country"] = address.country
    if "emails" in fields and body.emails is not None:
        values["emails"] = ids.normalize_list(errors, "emails", body.emails, ids.normalize_email)
    if "phones" in fields and body.phones is not None:
        values["phones"] = ids.normalize_list(errors, "phones", body.phones, ids.normalize_phone)
    for name in ("sectors", "tags"):
        if name in fields and getattr(body, name) is not None:
            values[name] = ids.unique_texts(normalize_text(v) for v in getattr(body, name))
    if "notes" in fields and body.notes is not None:
        values["notes"] = normalize_text(body.notes)
    # The other fields are stored as the contract validated them: a plain field needs no code.
    for name in fields - values.keys() - {"address", "source"}:
        values[name] = getattr(body, name)
    errors.raise_if_any()
    return values


async def _refuse_duplicate_cui(
    session: AsyncSession, cui: str | None, own_id: UUID | None = None
) -> None:
    if cui is None:
        return
    existing = await repository.find_by_cui(session, cui)
    if existing is not None and existing.id != own_id:
        raise ServiceError.conflict(
            f"CUI {cui} already belongs to {existing.legal_name}",
            existing_id=str(existing.id),
            existing_name=existing.legal_name,
            field="cui",
        )


async def _flush(session: AsyncSession, cui: str | None) -> None:
    """Flush, turning a concurrent writer's win (CUI taken, version moved) into a conflict."""
    try:
        await session.flush()
    except IntegrityError:
        raise ServiceError.conflict(f"CUI {cui} was taken meanwhile", field="cui") from None
    except StaleDataError:
        raise ServiceError.conflict("changed meanwhile by someone else: reload and retry") from None


async def create(
    session: AsyncSession, outbox: Outbox, body: c.CreateOrganization
) -> c.Organization:
    """Create an organisation and queue `OrganizationCreated`."""
    values = clean_values(body, set(type(body).model_fields))
    await _refuse_duplicate_cui(session, values["cui"])
    now = utcnow()
    org = Organization(
        id=new_id(),
        source=body.source,
        status=c.OrganizationStatus.ACTIVE,
        created_at=now,
        updated_at=now,
        **values,
    )
    session.add(org)
    await _flush(session, org.cui)
    await repository.replace_contact_points(
        session, emails=org.emails, phones=org.phones, organization_id=org.id
    )
    await outbox.add(
        session,
        c.OrganizationCreated(organization_id=org.id, version=org.version, kind=org.kind),
        key=str(org.id),
    )
    return c.Organization.model_validate(org)


async def create_many(
    session: AsyncSession,
    outbox: Outbox,
    cleaned: Sequence[dict[str, Any]],
    source: c.OrganizationSource,
) -> list[UUID]:
    """Create organisations together, as `create` creates one, from what `clean_values`
    made of each (every field), with no round trip per record: one batch each for the
    records, their contact points, search words and `OrganizationCreated` messages.

    The caller has checked the CUIs are free; the unique index still refuses a concurrent
    twin (the transaction then fails)."""
    rows = records.new_rows(cleaned, source=source, status=c.OrganizationStatus.ACTIVE)
    await repository.add_new(session, Organization, "organization_id", rows)
    created = [
        c.OrganizationCreated(organization_id=row["id"], version=row["version"], kind=row["kind"])
        for row in rows
    ]
    await outbox.add_many(session, [(message, str(message.organization_id)) for message in created])
    return [row["id"] for row in rows]


async def _load_for_change(
    session: AsyncSession, organization_id: UUID, expected_version: int
) -> Organization:
    org = await load_for_change(session, Organization, organization_id, expected_version)
    if org.status is c.OrganizationStatus.MERGED:
        raise ServiceError.conflict(f"organization {organization_id} was merged away")
    return org


async def update(
    session: AsyncSession, outbox: Outbox, body: c.UpdateOrganization
) -> c.Organization:
    """Apply a patch, bump the version and queue `OrganizationUpdated` (if anything changed)."""
    fields = {
        name
        for name in type(body).model_fields
        if name not in {"id", "expected_version", "status", "clear"}
        and getattr(body, name) is not None
    } | set(body.clear)
    values = clean_values(body, fields)
    if body.status is not None:
        values["status"] = body.status
    org = await _load_for_change(session, body.id, body.expected_version)
    if "cui" in values:
        await _refuse_duplicate_cui(session, values["cui"], org.id)
    changed = sorted(name for name, value in values.items() if getattr(org, name) != value)
    if not changed:
        return c.Organization.model_validate(org)
    for name in changed:
        setattr(org, name, values[name])
    org.updated_at = utcnow()
    await _flush(session, org.cui)
    if "emails" in changed or "phones" in changed:
        await repository.replace_contact_points(
            session, emails=org.emails, phones=org.phones, organization_id=org.id
        )
    public = file_fields.contract_fields(c.Organization, changed)
    await outbox.add(
        session,
        c.OrganizationUpdated(organization_id=org.id, version=org.version, changed=public),
        key=str(org.id),
    )
    return c.Organization.model_validate(org)


async def archive(
    session: AsyncSession, outbox: Outbox, body: c.ArchiveOrganization
) -> c.Organization:
    """Make an organisation inactive and queue `OrganizationArchived`."""
    org = await _load_for_change(session, body.id, body.expected_version)
    if org.status is c.OrganizationStatus.INACTIVE:
        return c.Organization.model_validate(org)
    org.status = c.OrganizationStatus.INACTIVE
    org.updated_at = utcnow()
    await _flush(session, org.cui)
    await outbox.add(
        session,
        c.OrganizationArchived(organization_id=org.id, version=org.version),
        key=str(org.id),
    )
    return c.Organization.model_validate(org)


def filter_arguments(body: c.OrganizationFilter) -> dict[str, Any]:
    """A filter's values as the repository's search takes them."""
    return {
        "match": records.text_match(body.query),
        "kind": body.kind,
        "tag": normalize_text(body.tag) if body.tag else None,
        "locality_key": search_key(body.locality) or None,
        "county_key": search_key(body.county) or None,
        "status": body.status,
        "caen_code": body.caen_code,
        "owner_id": body.owner_id,
        "department": normalize_optional(body.department),
    }


listing = records.Listing(
    read=c.Organization,
    get_rows=repository.get_many,
    find=repository.search,
    count_matching=repository.count_matching,
    filters=filter_arguments,
    noun="organisations",
)
