"""Request endpoints of organisations: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_contracts.rpc import GetManyReply, GetManyRequest
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.organizations import duplicates, export, service

registry = EndpointRegistry()


@registry.endpoint(c.ORGANIZATION_CREATE, c.CreateOrganization, c.Organization)
async def create(ctx: HandlerContext, body: c.CreateOrganization) -> c.Organization:
    """Create an organisation."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.create(ctx.session, ctx.outbox, body)


@registry.endpoint(c.ORGANIZATION_UPDATE, c.UpdateOrganization, c.Organization)
async def update(ctx: HandlerContext, body: c.UpdateOrganization) -> c.Organization:
    """Patch an organisation at an expected version."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.update(ctx.session, ctx.outbox, body)


@registry.endpoint(c.ORGANIZATION_ARCHIVE, c.ArchiveOrganization, c.Organization)
async def archive(ctx: HandlerContext, body: c.ArchiveOrganization) -> c.Organization:
    """Archive an organisation."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.archive(ctx.session, ctx.outbox, body)


@registry.endpoint(
    c.ORGANIZATION_GET_MANY, GetManyRequest, GetManyReply[c.Organization], read_only=True
)
async def get_many(ctx: HandlerContext, body: GetManyRequest) -> GetManyReply[c.Organization]:
    """Organisations by id, in one query."""
    items, missing = await service.get_many(ctx.session, body.ids)
    return GetManyReply[c.Organization](items=items, missing=missing)


@registry.endpoint(c.ORGANIZATION_SEARCH, c.SearchOrganizations, c.OrganizationPage, read_only=True)
async def search(ctx: HandlerContext, body: c.SearchOrganizations) -> c.OrganizationPage:
    """Search organisations."""
    return await service.search(ctx.session, body)


@registry.endpoint(c.ORGANIZATION_COUNT, c.OrganizationFilter, c.SearchCount, read_only=True)
async def count(ctx: HandlerContext, body: c.OrganizationFilter) -> c.SearchCount:
    """How many organisations a search lists."""
    return await service.count(ctx.session, body)


@registry.endpoint(
    c.ORGANIZATION_DUPLICATES,
    c.SuggestOrganizationDuplicates,
    c.OrganizationDuplicates,
    read_only=True,
)
async def duplicate_suggestions(
    ctx: HandlerContext, body: c.SuggestOrganizationDuplicates
) -> c.OrganizationDuplicates:
    """Possible duplicates of an organisation or a draft."""
    return await duplicates.suggest(ctx.session, body)


@registry.endpoint(c.ORGANIZATION_EXPORT, c.ExportOrganizations, c.ExportFile, read_only=True)
async def export_file(ctx: HandlerContext, body: c.ExportOrganizations) -> c.ExportFile:
    """Matching organisations as a CSV or XLSX file (bulk data: needs `contacts:read`)."""
    ctx.require(c.READ_PERMISSION)
    return await export.export(ctx.session, ctx.files, body)
