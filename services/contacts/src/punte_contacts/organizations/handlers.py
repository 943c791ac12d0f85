"""Request endpoints of organisations: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_contracts.jobs import Job
from punte_contracts.rpc import GetManyReply
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.jobs import jobs
from punte_contacts.organizations import duplicates, export, service

registry = EndpointRegistry()


@registry.handles(c.CreateOrganization)
async def create(ctx: HandlerContext, body: c.CreateOrganization) -> c.Organization:
    """Create an organisation."""
    return await service.create(ctx.session, ctx.outbox, body)


@registry.handles(c.UpdateOrganization)
async def update(ctx: HandlerContext, body: c.UpdateOrganization) -> c.Organization:
    """Patch an organisation at an expected version."""
    return await service.update(ctx.session, ctx.outbox, body)


@registry.handles(c.ArchiveOrganization)
async def archive(ctx: HandlerContext, body: c.ArchiveOrganization) -> c.Organization:
    """Archive an organisation."""
    return await service.archive(ctx.session, ctx.outbox, body)


@registry.handles(c.GetOrganizations)
async def get_many(ctx: HandlerContext, body: c.GetOrganizations) -> GetManyReply[c.Organization]:
    """Organisations by id, in one query."""
    items, missing = await service.listing.get_many(ctx.session, body.ids)
    return GetManyReply[c.Organization](items=items, missing=missing)


@registry.handles(c.SearchOrganizations)
async def search(ctx: HandlerContext, body: c.SearchOrganizations) -> c.OrganizationPage:
    """Search organisations."""
    return await service.listing.search(ctx.session, body, c.OrganizationPage)


@registry.handles(c.CountOrganizations)
async def count(ctx: HandlerContext, body: c.CountOrganizations) -> c.SearchCount:
    """How many organisations a search lists."""
    return await service.listing.count(ctx.session, body)


@registry.handles(c.SuggestOrganizationDuplicates)
async def duplicate_suggestions(
    ctx: HandlerContext, body: c.SuggestOrganizationDuplicates
) -> c.OrganizationDuplicates:
    """Possible duplicates of an organisation or a draft."""
    return await duplicates.suggest(ctx.session, body)


@registry.handles(c.ExportOrganizations)
async def export_file(ctx: HandlerContext, body: c.ExportOrganizations) -> Job:
    """Matching organisations as a CSV or XLSX file, made by a background job."""
    return await jobs.start(ctx.session, ctx.outbox, export.export_job, body)
