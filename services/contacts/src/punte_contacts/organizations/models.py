"""Organisations, and the e-mails and phones of organisations and people as lookup rows."""

from datetime import date, datetime
from uuid import UUID

from punte_contracts.contacts import (
    Address,
    OrganizationKind,
    OrganizationSource,
    OrganizationStatus,
)
from punte_platform.db import JSONDocument, UTCDateTime, enum_column
from punte_platform.search import add_search_word_table
from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from punte_contacts.models import Base


class Organization(Base):
    """A company, association, authority, chamber, media outlet, university or other body."""

    __tablename__ = "organization"
    __table_args__ = (
        Index(
            "ix_organization_search_key",
            "search_key",
            postgresql_using="gin",
            postgresql_ops={"search_key": "gin_trgm_ops"},
        ),
        Index("ix_organization_search_key_id", "search_key", "id"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[OrganizationKind] = mapped_column(
        enum_column(OrganizationKind, "organization_kind"), index=True
    )
    legal_name: Mapped[str] = mapped_column(String(300))
    short_name: Mapped[str | None] = mapped_column(String(200))
    # Digits only (no RO prefix); unique when present (NULLs do not clash).
    cui: Mapped[str | None] = mapped_column(String(10), unique=True)
    trade_register: Mapped[str | None] = mapped_column(String(30))
    caen_codes: Mapped[list[dict[str, str]]] = mapped_column(JSONDocument, default=list)
    street: Mapped[str | None] = mapped_column(String(200))
    locality: Mapped[str | None] = mapped_column(String(200))
    locality_key: Mapped[str | None] = mapped_column(String(200), index=True)
    county: Mapped[str | None] = mapped_column(String(200))
    county_key: Mapped[str | None] = mapped_column(String(200), index=True)
    postal_code: Mapped[str | None] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(2), default="RO")
    website: Mapped[str | None] = mapped_column(String(500))
    emails: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    phones: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    sectors: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    size_band: Mapped[str | None] = mapped_column(String(20))
    tags: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    owner_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    department: Mapped[str | None] = mapped_column(String(200))
    founded_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[OrganizationSource] = mapped_column(
        enum_column(OrganizationSource, "organization_source")
    )
    status: Mapped[OrganizationStatus] = mapped_column(
        enum_column(OrganizationStatus, "organization_status"), index=True
    )
    notes: Mapped[str] = mapped_column(Text, default="")
    search_key: Mapped[str] = mapped_column(String(600))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # While merged: the organisation it was merged into (no foreign key: a plain reference).
    merged_into_id: Mapped[UUID | None] = mapped_column(Uuid, default=None)

    __mapper_args__ = {"version_id_col": version}

    @property
    def address(self) -> Address:
        """The address columns as one value, as the read model has it."""
        return Address.model_validate(self)


class ContactPoint(Base):
    """One e-mail or phone of an organisation or a person: exact lookups and duplicate hints.

    The entity's own JSON list is what reads return; these rows mirror it for indexing.
    """

    __tablename__ = "contact_point"
    __table_args__ = (Index("ix_contact_point_kind_value", "kind", "value"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # email | phone
    value: Mapped[str] = mapped_column(String(320))
    organization_id: Mapped[UUID | None] = mapped_column(
        Uuid, ForeignKey("organization.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[UUID | None] = mapped_column(
        Uuid, ForeignKey("person.id", ondelete="CASCADE"), index=True
    )


search_word = add_search_word_table(Base.metadata)


class SearchWord(Base):
    """A word of some organisation's or person's search key (`punte_platform.search`).

    Typo-tolerant search looks each word of a text up here and then searches names for the
    similar words found, which the name indexes serve well; comparing the text with every
    name instead costs a scan. Words are added as names are written and removed when no name
    holds them any more (`punte_contacts.search_words`), so an erased name leaves none.
    """

    __table__ = search_word

    word: Mapped[str]
