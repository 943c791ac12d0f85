"""Interactions and who took part in them."""

from datetime import date, datetime
from uuid import UUID

from punte_contracts.contacts import FollowUp, InteractionKind
from punte_platform.db import JSONDocument, UTCDateTime, enum_column
from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from punte_contacts.models import Base


class Interaction(Base):
    """A meeting, call, e-mail, visit, note or event attendance."""

    __tablename__ = "interaction"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[InteractionKind] = mapped_column(enum_column(InteractionKind, "interaction_kind"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    subject: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str | None] = mapped_column(String(200))
    event_ids: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    project_ids: Mapped[list[str]] = mapped_column(JSONDocument, default=list)
    follow_up_assignee_id: Mapped[UUID | None] = mapped_column(Uuid, index=True)
    follow_up_due_date: Mapped[date | None] = mapped_column(Date)
    follow_up_done: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    people: Mapped[list["InteractionPerson"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="InteractionPerson.position"
    )
    organizations: Mapped[list["InteractionOrganization"]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="InteractionOrganization.position"
    )

    @property
    def person_ids(self) -> list[UUID]:
        """Who took part, in order (`people` must be loaded)."""
        return [p.person_id for p in self.people]

    @property
    def organization_ids(self) -> list[UUID]:
        """Which organisations took part, in order (`organizations` must be loaded)."""
        return [o.organization_id for o in self.organizations]

    @property
    def follow_up(self) -> FollowUp | None:
        """The follow-up columns as one value; none while `follow_up_done` is null."""
        if self.follow_up_done is None:
            return None
        return FollowUp(
            assignee_id=self.follow_up_assignee_id,
            due_date=self.follow_up_due_date,
            done=self.follow_up_done,
        )


class InteractionPerson(Base):
    """A person who took part; indexed for the person's timeline."""

    __tablename__ = "interaction_person"
    __table_args__ = (Index("ix_interaction_person_person_id", "person_id", "interaction_id"),)

    interaction_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("person.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)


class InteractionOrganization(Base):
    """An organisation that took part; indexed for the organisation's timeline."""

    __tablename__ = "interaction_organization"
    __table_args__ = (
        Index("ix_interaction_organization_organization_id", "organization_id", "interaction_id"),
    )

    interaction_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("interaction.id", ondelete="CASCADE"), primary_key=True
    )
    organization_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)
