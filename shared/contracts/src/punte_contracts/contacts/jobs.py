"""The contacts service's background jobs: asking for one."""

from punte_contracts.jobs import GetJob, Job
from punte_contracts.rpc import NO_PERMISSION, Request

# The kinds of the contacts service's jobs (a `Job`'s `kind`): an export's result is an
# `ExportFile`, a revert's an `ImportRevertReport`.
ORGANIZATION_EXPORT_JOB = "contacts.organization.export"
PERSON_EXPORT_JOB = "contacts.person.export"
IMPORT_REVERT_JOB = "contacts.import.revert"
EXPORT_JOBS = frozenset({ORGANIZATION_EXPORT_JOB, PERSON_EXPORT_JOB})


class GetContactsJob(GetJob, Request[Job]):
    """A background job of the contacts service (an export, an import's revert) by id;
    reading it takes the permission its kind names (`contacts:read` for both)."""

    request_subject = "punte.contacts.job.get"
    request_permission = NO_PERMISSION
    request_read_only = True
