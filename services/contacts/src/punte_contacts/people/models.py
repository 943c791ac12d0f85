"""People and their affiliations to organisations."""

from datetime import date, datetime
from uuid import UUID

from punte_contracts.contacts import ConsentChannel, ConsentPurpose, LegalBasis
from punte_platform.db import JSONDocument, UTCDateTime, enum_column
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from punte_contacts.models import Base
from punte_contacts.organizations.models import Organization


class Person(Base):
    """A person the directorate deals with. No CNP: the CRM must not collect it."""

    __tablename__ = "person"
    __table_args__ = (
        Index(
            "ix_person_search_key",
            "search_key",
            postgresql_using="gin",
            postgresql_ops={"search_key": "gin_trgm_ops"},
        ),
        Index("ix_person_search_key_id", "search_key", "id"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    honorific: Mapped[str | None] = mapped_column(String(40))
    given_name: Mapped[str] = mapped_column(String(300))
    family_name: Mapped[str] = mapped_column(String(300))
    job_title: Mapped[str | None] = mapped_column(String(200))
    emails: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    phones: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    preferred_language: Mapped[str] = mapped_column(String(2))
    tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    owner_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    search_key: Mapped[str] = mapped_column(String(600))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # While merged: the person it was merged into (no foreign key: a plain reference).
    merged_into_id: Mapped[UUID | None] = mapped_column(Uuid, default=None, index=True)

    __mapper_args__ = {"version_id_col": version}


class Affiliation(Base):
    """A person's role at an organisation over a period; ended rows are the history."""

    __tablename__ = "affiliation"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    person_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str | None] = mapped_column(String(200))
    department: Mapped[str | None] = mapped_column(String(200))
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship(lazy="raise")
    organization: Mapped[Organization] = relationship(lazy="raise")


class ConsentRecord(Base):
    """One consent given or withdrawn; never updated, so the history is the table."""

    __tablename__ = "consent_record"
    __table_args__ = (
        Index("ix_consent_record_person_id", "person_id", "purpose", "channel", "at"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    person_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("person.id", ondelete="CASCADE"))
    purpose: Mapped[ConsentPurpose] = mapped_column(enum_column(ConsentPurpose, "consent_purpose"))
    channel: Mapped[ConsentChannel] = mapped_column(enum_column(ConsentChannel, "consent_channel"))
    granted: Mapped[bool] = mapped_column(Boolean)
    basis: Mapped[LegalBasis] = mapped_column(enum_column(LegalBasis, "legal_basis"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(200))
    recorded_by: Mapped[str | None] = mapped_column(String(200))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
