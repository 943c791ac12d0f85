"""The contacts service's background jobs (exports, import reverts) and the request for one."""

from punte_contracts import contacts as c
from punte_contracts.jobs import Job
from punte_platform.jobs import Jobs
from punte_platform.messaging.rpc import EndpointRegistry, HandlerContext

from punte_contacts.models import messaging_tables

jobs = Jobs("contacts", messaging_tables)
registry = EndpointRegistry()


@registry.handles(c.GetContactsJob)
async def get(ctx: HandlerContext, body: c.GetContactsJob) -> Job:
    """A job, for a caller holding the permission its kind names."""
    return await jobs.read(ctx.session, ctx.call, body.id)
