"""Export of organisations to CSV or XLSX, with the search's filters and order."""

import base64
from uuid import UUID

from punte_contracts import contacts as c
from punte_platform.db import utcnow
from punte_platform.errors import ServiceError
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts import spreadsheets
from punte_contacts.organizations import repository
from punte_contacts.organizations.models import Organization
from punte_contacts.organizations.service import filter_arguments

BATCH = 1000
LIST_SEPARATOR = "; "

# The import's field names, so an exported file imports back as it is.
COLUMNS = (
    "legal_name",
    "short_name",
    "kind",
    "cui",
    "trade_register",
    "caen_codes",
    "street",
    "locality",
    "county",
    "postal_code",
    "country",
    "website",
    "emails",
    "phones",
    "sectors",
    "size_band",
    "tags",
    "department",
    "owner_id",
    "status",
    "notes",
    "id",
)


def cells(org: Organization) -> list[str]:
    """An organisation's row of the export, in `COLUMNS` order."""
    values: dict[str, object] = {name: getattr(org, name, None) for name in COLUMNS}
    values["caen_codes"] = [f"{code['code']}/{code['revision']}" for code in org.caen_codes]
    row = []
    for name in COLUMNS:
        value = values[name]
        if value is None:
            row.append("")
        elif isinstance(value, list):
            row.append(LIST_SEPARATOR.join(str(v) for v in value))
        elif isinstance(value, c.OrganizationKind | c.OrganizationStatus):
            row.append(value.value)
        else:
            row.append(str(value))
    return row


def _too_much(message: str) -> ServiceError:
    return ServiceError.invalid(["query"], f"{message}: narrow the filter")


async def export(session: AsyncSession, body: c.ExportOrganizations) -> c.ExportFile:
    """The matching organisations as a CSV or XLSX file."""
    arguments = filter_arguments(body)
    rows: list[list[str]] = []
    after: tuple[int, str, UUID] | None = None
    while True:
        batch = await repository.search(session, **arguments, after=after, limit=BATCH)
        rows.extend(cells(org) for org, _ in batch)
        if len(rows) > c.EXPORT_MAX_ROWS:
            raise _too_much(f"more than {c.EXPORT_MAX_ROWS} organisations match")
        if len(batch) < BATCH:
            break
        last, rank = batch[-1]
        after = (rank, last.search_key, last.id)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    if body.format is c.ExportFormat.XLSX:
        content = spreadsheets.to_xlsx(COLUMNS, rows, title="Organizații")
        media_type = spreadsheets.XLSX_MEDIA_TYPE
    else:
        content = spreadsheets.to_csv(COLUMNS, rows)
        media_type = spreadsheets.CSV_MEDIA_TYPE
    if len(content) > c.EXPORT_MAX_BYTES:
        raise _too_much(f"the file would exceed {c.EXPORT_MAX_BYTES // 1000} kB")
    return c.ExportFile(
        filename=f"organizatii-{stamp}.{body.format.value}",
        media_type=media_type,
        content_base64=base64.b64encode(content).decode("ascii"),
        rows=len(rows),
    )
