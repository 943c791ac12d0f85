"""Request endpoints of people and affiliations: thin, the rules are in the service."""

from punte_contracts import contacts as c
from punte_contracts.jobs import Job
from punte_platform.endpoints import acts, reads, writes
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.jobs import jobs
from punte_contacts.people import duplicates, export, privacy, service

registry = EndpointRegistry()
registry.handles(c.CreatePerson)(writes(service.create))
registry.handles(c.UpdatePerson)(writes(service.update))
registry.handles(c.SuggestPersonDuplicates)(reads(duplicates.suggest))
registry.handles(c.AddAffiliation)(writes(service.add_affiliation))
registry.handles(c.EndAffiliation)(writes(service.end_affiliation))
service.listing.serve(registry, c.GetPeople, c.SearchPeople, c.CountPeople)
registry.handles(c.ListAffiliations)(reads(service.list_affiliations))
registry.handles(c.ListAffiliationsMany)(reads(service.list_affiliations_many))
registry.handles(c.SetConsent)(acts(service.set_consent))
registry.handles(c.ListConsents)(reads(service.list_consents))
registry.handles(c.ErasePerson)(writes(privacy.erase))
registry.handles(c.ExportPersonData)(reads(privacy.export))


@registry.handles(c.ExportPeople)
async def export_file(ctx: HandlerContext, body: c.ExportPeople) -> Job:
    """Matching people as a CSV or XLSX file, made by a background job."""
    return await jobs.start(ctx.session, ctx.outbox, export.export_job, body)
