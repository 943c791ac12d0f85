"""Every query of imports, and the natural-key lookups they need."""

from uuid import UUID

from sqlalchemy import delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.imports.models import ImportJob, ImportRowResult
from punte_contacts.interactions.models import InteractionOrganization, InteractionPerson
from punte_contacts.organizations.models import ContactPoint
from punte_contacts.organizations.repository import EMAIL, contact_key
from punte_contacts.people.models import Affiliation, ConsentRecord, Person


async def get(session: AsyncSession, job_id: UUID, *, lock: bool = False) -> ImportJob | None:
    """One import job (locked FOR UPDATE on PostgreSQL when `lock`)."""
    query = select(ImportJob).where(ImportJob.id == job_id)
    if lock:
        query = query.with_for_update()
    return await session.scalar(query)


async def results(session: AsyncSession, job_id: UUID) -> list[ImportRowResult]:
    """What each applied row did, in file order."""
    query = select(ImportRowResult).where(ImportRowResult.job_id == job_id)
    return list(await session.scalars(query.order_by(ImportRowResult.line)))


async def person_by_email(session: AsyncSession, email: str) -> Person | None:
    """The (not merged) person holding an e-mail, compared case-insensitively."""
    query = (
        select(Person)
        .join(ContactPoint, ContactPoint.person_id == Person.id)
        .where(
            ContactPoint.kind == EMAIL,
            ContactPoint.value == contact_key(EMAIL, email),
            Person.merged_into_id.is_(None),
        )
        .order_by(Person.id)
        .limit(1)
    )
    return await session.scalar(query)


async def organization_is_linked(session: AsyncSession, organization_id: UUID) -> bool:
    """Whether affiliations or interactions name the organisation."""
    query = select(
        exists().where(Affiliation.organization_id == organization_id)
        | exists().where(InteractionOrganization.organization_id == organization_id)
    )
    return bool(await session.scalar(query))


async def person_is_linked(session: AsyncSession, person_id: UUID) -> bool:
    """Whether affiliations, interactions or consents name the person."""
    query = select(
        exists().where(Affiliation.person_id == person_id)
        | exists().where(InteractionPerson.person_id == person_id)
        | exists().where(ConsentRecord.person_id == person_id)
    )
    return bool(await session.scalar(query))


async def count_results(session: AsyncSession, job_id: UUID) -> int:
    """How many row results a job has."""
    query = select(func.count()).where(ImportRowResult.job_id == job_id)
    return int(await session.scalar(query) or 0)


async def people_jobs_naming(
    session: AsyncSession, person_id: UUID, emails: list[str]
) -> list[UUID]:
    """Imports of people that acted on this person or whose rows hold one of their e-mails."""
    keys = {email.casefold() for email in emails}
    acted = set(
        await session.scalars(
            select(ImportRowResult.job_id).where(ImportRowResult.target_id == person_id)
        )
    )
    jobs = await session.scalars(select(ImportJob).where(ImportJob.kind == "people"))
    for job in jobs:
        for row in job.rows:
            cell = str(row.get("cells", {}).get("emails", "")).casefold()
            plan_target = row.get("plan", {}).get("target_id")
            if plan_target == str(person_id) or any(key in cell for key in keys):
                acted.add(job.id)
                break
    return sorted(acted)


async def delete_jobs(session: AsyncSession, job_ids: list[UUID]) -> None:
    """Delete import jobs and their row results."""
    if not job_ids:
        return
    await session.execute(
        delete(ImportRowResult)
        .where(ImportRowResult.job_id.in_(job_ids))
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        delete(ImportJob)
        .where(ImportJob.id.in_(job_ids))
        .execution_options(synchronize_session=False)
    )
