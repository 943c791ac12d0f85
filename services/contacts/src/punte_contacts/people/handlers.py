"""Request endpoints of people and affiliations: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_contracts.rpc import GetManyReply, GetManyRequest
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.people import duplicates, export, privacy, service

registry = EndpointRegistry()


@registry.endpoint(c.PERSON_CREATE, c.CreatePerson, c.Person)
async def create(ctx: HandlerContext, body: c.CreatePerson) -> c.Person:
    """Create a person."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.create(ctx.session, ctx.outbox, body)


@registry.endpoint(c.PERSON_UPDATE, c.UpdatePerson, c.Person)
async def update(ctx: HandlerContext, body: c.UpdatePerson) -> c.Person:
    """Patch a person at an expected version."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.update(ctx.session, ctx.outbox, body)


@registry.endpoint(c.PERSON_GET_MANY, GetManyRequest, GetManyReply[c.Person], read_only=True)
async def get_many(ctx: HandlerContext, body: GetManyRequest) -> GetManyReply[c.Person]:
    """People by id, in one query."""
    items, missing = await service.get_many(ctx.session, body.ids)
    return GetManyReply[c.Person](items=items, missing=missing)


@registry.endpoint(c.PERSON_SEARCH, c.SearchPeople, c.PersonPage, read_only=True)
async def search(ctx: HandlerContext, body: c.SearchPeople) -> c.PersonPage:
    """Search people."""
    return await service.search(ctx.session, body)


@registry.endpoint(c.PERSON_COUNT, c.PersonFilter, c.SearchCount, read_only=True)
async def count(ctx: HandlerContext, body: c.PersonFilter) -> c.SearchCount:
    """How many people a search lists."""
    return await service.count(ctx.session, body)


@registry.endpoint(
    c.PERSON_DUPLICATES, c.SuggestPersonDuplicates, c.PersonDuplicates, read_only=True
)
async def duplicate_suggestions(
    ctx: HandlerContext, body: c.SuggestPersonDuplicates
) -> c.PersonDuplicates:
    """Possible duplicates of a person or a draft."""
    return await duplicates.suggest(ctx.session, body)


@registry.endpoint(c.AFFILIATION_ADD, c.AddAffiliation, c.Affiliation)
async def add_affiliation(ctx: HandlerContext, body: c.AddAffiliation) -> c.Affiliation:
    """Link a person to an organisation."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.add_affiliation(ctx.session, ctx.outbox, body)


@registry.endpoint(c.AFFILIATION_END, c.EndAffiliation, c.Affiliation)
async def end_affiliation(ctx: HandlerContext, body: c.EndAffiliation) -> c.Affiliation:
    """End an affiliation."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.end_affiliation(ctx.session, ctx.outbox, body)


@registry.endpoint(c.AFFILIATION_LIST, c.ListAffiliations, c.AffiliationList, read_only=True)
async def list_affiliations(ctx: HandlerContext, body: c.ListAffiliations) -> c.AffiliationList:
    """A person's or an organisation's affiliations."""
    return await service.list_affiliations(ctx.session, body)


@registry.endpoint(
    c.AFFILIATION_LIST_MANY, c.ListAffiliationsMany, c.AffiliationLists, read_only=True
)
async def list_affiliations_many(
    ctx: HandlerContext, body: c.ListAffiliationsMany
) -> c.AffiliationLists:
    """The affiliations of many people or many organisations, in one query."""
    return await service.list_affiliations_many(ctx.session, body)


@registry.endpoint(c.CONSENT_SET, c.SetConsent, c.Consent)
async def set_consent(ctx: HandlerContext, body: c.SetConsent) -> c.Consent:
    """Record a consent given or withdrawn."""
    ctx.require(c.WRITE_PERMISSION)
    return await service.set_consent(ctx.session, ctx.outbox, body, actor=ctx.call.actor)


@registry.endpoint(c.CONSENT_LIST, c.ListConsents, c.ConsentList, read_only=True)
async def list_consents(ctx: HandlerContext, body: c.ListConsents) -> c.ConsentList:
    """A person's consents in force, or the history."""
    return await service.list_consents(ctx.session, body)


@registry.endpoint(c.PERSON_ERASE, c.ErasePerson, c.ErasureReport)
async def erase(ctx: HandlerContext, body: c.ErasePerson) -> c.ErasureReport:
    """Erase a person (GDPR art. 17)."""
    ctx.require(c.WRITE_PERMISSION)
    return await privacy.erase(ctx.session, ctx.outbox, body)


@registry.endpoint(c.PERSON_EXPORT, c.ExportPersonData, c.PersonDataExport, read_only=True)
async def export_data(ctx: HandlerContext, body: c.ExportPersonData) -> c.PersonDataExport:
    """Everything held on a person (GDPR art. 15)."""
    return await privacy.export(ctx.session, body)


@registry.endpoint(c.PERSON_EXPORT_FILE, c.ExportPeople, c.ExportFile, read_only=True)
async def export_file(ctx: HandlerContext, body: c.ExportPeople) -> c.ExportFile:
    """Matching people as a CSV or XLSX file (bulk data: needs `contacts:read`)."""
    ctx.require(c.READ_PERMISSION)
    return await export.export(ctx.session, ctx.files, body)
