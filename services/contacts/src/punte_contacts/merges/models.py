"""Merge records: who was merged into whom, with a snapshot of everything the merge changed."""

from datetime import datetime
from typing import Any
from uuid import UUID

from punte_contracts.contacts import MergeEntity
from punte_platform.db import JSONDocument, UTCDateTime, enum_column
from sqlalchemy import Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from punte_contacts.models import Base


class MergeRecord(Base):
    """One merge of two organisations or two people.

    `snapshot` holds, column by column, both records as they were before the merge and every
    row the merge moved or removed, so an undo restores them exactly. It holds personal data:
    erasing a person deletes the merge records naming them."""

    __tablename__ = "merge_record"
    __table_args__ = (
        Index("ix_merge_record_primary_id", "primary_id"),
        Index("ix_merge_record_secondary_id", "secondary_id"),
    )

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    entity: Mapped[MergeEntity] = mapped_column(enum_column(MergeEntity, "merge_entity"))
    primary_id: Mapped[UUID] = mapped_column(Uuid)
    secondary_id: Mapped[UUID] = mapped_column(Uuid)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONDocument)
    primary_version_after: Mapped[int] = mapped_column(Integer)
    secondary_version_after: Mapped[int] = mapped_column(Integer)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime)
    merged_by: Mapped[str | None] = mapped_column(String(200))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[str | None] = mapped_column(String(200))
