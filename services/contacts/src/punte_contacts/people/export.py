"""Export of people to CSV or XLSX, with the search's filters and order."""

from uuid import UUID

from punte_contracts import contacts as c
from punte_platform.jobs import RunningJob
from punte_platform.messaging.consumer import MessageContext
from punte_platform.messaging.files import FileStore
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts import exports
from punte_contacts.file_fields import PERSON_COLUMNS as COLUMNS
from punte_contacts.jobs import jobs
from punte_contacts.organizations import repository as organizations
from punte_contacts.people import repository
from punte_contacts.people.models import Affiliation, Person
from punte_contacts.people.service import listing


def cells(person: Person, affiliations: list[Affiliation], names: dict[UUID, str]) -> list[str]:
    """A person's row of the export, in `COLUMNS` order."""
    current = sorted(affiliations, key=lambda a: not a.is_primary)  # stable: primary first
    return exports.cells(
        person,
        COLUMNS,
        organizations=[names.get(a.organization_id, "") for a in current],
        roles=[a.role or "" for a in current],
    )


async def export(session: AsyncSession, files: FileStore, body: c.ExportPeople) -> c.ExportFile:
    """The matching people as a CSV or XLSX file, staged for download."""
    found = await listing.every(session, body)
    rows: list[list[str]] = []
    for start in range(0, len(found), exports.BATCH):
        chunk = found[start : start + exports.BATCH]
        current = await repository.list_affiliations_many(
            session, person_ids=[p.id for p in chunk], organization_ids=[], include_ended=False
        )
        org_ids = {a.organization_id for group in current.values() for a in group}
        names = {o.id: o.legal_name for o in await organizations.get_many(session, list(org_ids))}
        rows.extend(cells(p, current.get(p.id, []), names) for p in chunk)
    return await exports.stage(
        files, COLUMNS, rows, format=body.format, title="Persoane", stem="persoane"
    )


@jobs.kind(c.PERSON_EXPORT_JOB, c.ExportPeople, c.ExportFile, read_permission=c.READ_PERMISSION)
async def export_job(ctx: MessageContext, job: RunningJob[c.ExportPeople]) -> c.ExportFile:
    """The export as a job's one step: the job's result is the staged file."""
    return await export(ctx.session, ctx.files, job.input)
