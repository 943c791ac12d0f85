"""Export of organisations to CSV or XLSX, with the search's filters and order."""

from punte_contracts import contacts as c
from punte_platform.jobs import RunningJob
from punte_platform.messaging.consumer import MessageContext
from punte_platform.messaging.files import FileStore
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts import exports
from punte_contacts.file_fields import ORGANIZATION_COLUMNS as COLUMNS
from punte_contacts.jobs import jobs
from punte_contacts.organizations.models import Organization
from punte_contacts.organizations.service import listing


def cells(org: Organization) -> list[str]:
    """An organisation's row of the export, in `COLUMNS` order."""
    caen_codes = [f"{code['code']}/{code['revision']}" for code in org.caen_codes]
    return exports.cells(org, COLUMNS, caen_codes=caen_codes)


async def export(
    session: AsyncSession, files: FileStore, body: c.ExportOrganizations
) -> c.ExportFile:
    """The matching organisations as a CSV or XLSX file, staged for download."""
    found = await listing.every(session, body)
    return await exports.stage(
        files,
        COLUMNS,
        [cells(org) for org in found],
        format=body.format,
        title="Organizații",
        stem="organizatii",
    )


@jobs.kind(
    c.ORGANIZATION_EXPORT_JOB,
    c.ExportOrganizations,
    c.ExportFile,
    read_permission=c.READ_PERMISSION,
)
async def export_job(ctx: MessageContext, job: RunningJob[c.ExportOrganizations]) -> c.ExportFile:
    """The export as a job's one step: the job's result is the staged file."""
    return await export(ctx.session, ctx.files, job.input)
