"""Organisation rows to their contract shapes."""

from punte_contracts import contacts as c

from punte_contacts.organizations.models import Organization


def to_contract(org: Organization) -> c.Organization:
    """The read model of an organisation row."""
    return c.Organization(
        id=org.id,
        kind=org.kind,
        legal_name=org.legal_name,
        short_name=org.short_name,
        cui=org.cui,
        trade_register=org.trade_register,
        caen_codes=[c.CaenCode.model_validate(code) for code in org.caen_codes],
        address=c.Address(
            street=org.street,
            locality=org.locality,
            county=org.county,
            postal_code=org.postal_code,
            country=org.country,
        ),
        website=org.website,
        emails=list(org.emails),
        phones=list(org.phones),
        sectors=list(org.sectors),
        size_band=c.SizeBand(org.size_band) if org.size_band else None,
        tags=list(org.tags),
        owner_id=org.owner_id,
        department=org.department,
        source=org.source,
        status=org.status,
        notes=org.notes,
        version=org.version,
        created_at=org.created_at,
        updated_at=org.updated_at,
        merged_into_id=org.merged_into_id,
    )
