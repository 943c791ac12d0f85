"""Request endpoints of people and affiliations: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_contracts.jobs import Job
from punte_contracts.rpc import GetManyReply
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.jobs import jobs
from punte_contacts.people import duplicates, export, privacy, service

registry = EndpointRegistry()


@registry.handles(c.CreatePerson)
async def create(ctx: HandlerContext, body: c.CreatePerson) -> c.Person:
    """Create a person."""
    return await service.create(ctx.session, ctx.outbox, body)


@registry.handles(c.UpdatePerson)
async def update(ctx: HandlerContext, body: c.UpdatePerson) -> c.Person:
    """Patch a person at an expected version."""
    return await service.update(ctx.session, ctx.outbox, body)


@registry.handles(c.GetPeople)
async def get_many(ctx: HandlerContext, body: c.GetPeople) -> GetManyReply[c.Person]:
    """People by id, in one query."""
    items, missing = await service.listing.get_many(ctx.session, body.ids)
    return GetManyReply[c.Person](items=items, missing=missing)


@registry.handles(c.SearchPeople)
async def search(ctx: HandlerContext, body: c.SearchPeople) -> c.PersonPage:
    """Search people."""
    return await service.listing.search(ctx.session, body, c.PersonPage)


@registry.handles(c.CountPeople)
async def count(ctx: HandlerContext, body: c.CountPeople) -> c.SearchCount:
    """How many people a search lists."""
    return await service.listing.count(ctx.session, body)


@registry.handles(c.SuggestPersonDuplicates)
async def duplicate_suggestions(
    ctx: HandlerContext, body: c.SuggestPersonDuplicates
) -> c.PersonDuplicates:
    """Possible duplicates of a person or a draft."""
    return await duplicates.suggest(ctx.session, body)


@registry.handles(c.AddAffiliation)
async def add_affiliation(ctx: HandlerContext, body: c.AddAffiliation) -> c.Affiliation:
    """Link a person to an organisation."""
    return await service.add_affiliation(ctx.session, ctx.outbox, body)


@registry.handles(c.EndAffiliation)
async def end_affiliation(ctx: HandlerContext, body: c.EndAffiliation) -> c.Affiliation:
    """End an affiliation."""
    return await service.end_affiliation(ctx.session, ctx.outbox, body)


@registry.handles(c.ListAffiliations)
async def list_affiliations(ctx: HandlerContext, body: c.ListAffiliations) -> c.AffiliationList:
    """A person's or an organisation's affiliations."""
    return await service.list_affiliations(ctx.session, body)


@registry.handles(c.ListAffiliationsMany)
async def list_affiliations_many(
    ctx: HandlerContext, body: c.ListAffiliationsMany
) -> c.AffiliationLists:
    """The affiliations of many people or many organisations, in one query."""
    return await service.list_affiliations_many(ctx.session, body)


@registry.handles(c.SetConsent)
async def set_consent(ctx: HandlerContext, body: c.SetConsent) -> c.Consent:
    """Record a consent given or withdrawn."""
    return await service.set_consent(ctx.session, ctx.outbox, body, actor=ctx.call.actor)


@registry.handles(c.ListConsents)
async def list_consents(ctx: HandlerContext, body: c.ListConsents) -> c.ConsentList:
    """A person's consents in force, or the history."""
    return await service.list_consents(ctx.session, body)


@registry.handles(c.ErasePerson)
async def erase(ctx: HandlerContext, body: c.ErasePerson) -> c.ErasureReport:
    """Erase a person (GDPR art. 17)."""
    return await privacy.erase(ctx.session, ctx.outbox, body)


@registry.handles(c.ExportPersonData)
async def export_data(ctx: HandlerContext, body: c.ExportPersonData) -> c.PersonDataExport:
    """Everything held on a person (GDPR art. 15)."""
    return await privacy.export(ctx.session, body)


@registry.handles(c.ExportPeople)
async def export_file(ctx: HandlerContext, body: c.ExportPeople) -> Job:
    """Matching people as a CSV or XLSX file, made by a background job."""
    return await jobs.start(ctx.session, ctx.outbox, export.export_job, body)
