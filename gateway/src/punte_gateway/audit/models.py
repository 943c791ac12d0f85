"""Audit entries: append-only, never edited or deleted through the API."""

from datetime import datetime
from typing import Any
from uuid import UUID

from punte_platform.db import UTCDateTime
from sqlalchemy import JSON, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from punte_gateway.models import Base


class AuditEntry(Base):
    """One recorded action."""

    __tablename__ = "audit_entry"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    actor: Mapped[str | None] = mapped_column(String(100), index=True)
    actor_name: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(100), nullable=False, index=True)
    outcome: Mapped[str] = mapped_column(String(30), nullable=False)
    target_ids: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")
    request_id: Mapped[str | None] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(30), nullable=False, default="gateway")
    message_id: Mapped[UUID | None] = mapped_column(Uuid, unique=True)

    __table_args__ = (Index("ix_audit_entry_action_occurred_at", "action", "occurred_at"),)
