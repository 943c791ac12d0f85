"""Person and affiliation rows to their contract shapes."""

from punte_contracts import contacts as c

from punte_contacts.people.models import Affiliation, ConsentRecord, Person


def to_contract(person: Person) -> c.Person:
    """The read model of a person row."""
    return c.Person(
        id=person.id,
        honorific=person.honorific,
        given_name=person.given_name,
        family_name=person.family_name,
        job_title=person.job_title,
        emails=list(person.emails),
        phones=list(person.phones),
        preferred_language=person.preferred_language,
        tags=list(person.tags),
        owner_id=person.owner_id,
        notes=person.notes,
        version=person.version,
        created_at=person.created_at,
        updated_at=person.updated_at,
        merged_into_id=person.merged_into_id,
    )


def affiliation_to_contract(affiliation: Affiliation) -> c.Affiliation:
    """The read model of an affiliation row."""
    return c.Affiliation(
        id=affiliation.id,
        person_id=affiliation.person_id,
        organization_id=affiliation.organization_id,
        role=affiliation.role,
        department=affiliation.department,
        start_date=affiliation.start_date,
        end_date=affiliation.end_date,
        is_primary=affiliation.is_primary,
        created_at=affiliation.created_at,
    )


def consent_to_contract(record: ConsentRecord) -> c.Consent:
    """The read model of a consent record."""
    return c.Consent(
        id=record.id,
        person_id=record.person_id,
        purpose=record.purpose,
        channel=record.channel,
        granted=record.granted,
        basis=record.basis,
        at=record.at,
        source=record.source,
        recorded_by=record.recorded_by,
        recorded_at=record.recorded_at,
    )
