"""Request endpoints of organisations: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_contracts.jobs import Job
from punte_platform.endpoints import reads, writes
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.jobs import jobs
from punte_contacts.organizations import duplicates, export, service

registry = EndpointRegistry()
registry.handles(c.CreateOrganization)(writes(service.create))
registry.handles(c.UpdateOrganization)(writes(service.update))
registry.handles(c.ArchiveOrganization)(writes(service.archive))
registry.handles(c.SuggestOrganizationDuplicates)(reads(duplicates.suggest))
service.listing.serve(registry, c.GetOrganizations, c.SearchOrganizations, c.CountOrganizations)


@registry.handles(c.ExportOrganizations)
async def export_file(ctx: HandlerContext, body: c.ExportOrganizations) -> Job:
    """Matching organisations as a CSV or XLSX file, made by a background job."""
    return await jobs.start(ctx.session, ctx.outbox, export.export_job, body)
