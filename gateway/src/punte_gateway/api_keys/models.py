"""API keys: the secret itself is never stored, only its keyed hash."""

from datetime import datetime
from typing import Any
from uuid import UUID

from punte_platform.db import UTCDateTime
from sqlalchemy import JSON, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from punte_gateway.models import Base


class ApiKey(Base):
    """An integration's credential with its scopes and lifetime."""

    __tablename__ = "api_key"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    owner: Mapped[str] = mapped_column(String(200), nullable=False)
    scopes: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    # The public part of the secret: how a presented key finds its row, and what lists show.
    prefix: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rotated_from: Mapped[UUID | None] = mapped_column(Uuid, ForeignKey("api_key.id"))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    # Every ORM update checks and bumps the version, so two admins racing lose nothing silently;
    # `last_used_at` is written with a plain UPDATE and leaves the version alone.
    __mapper_args__: dict[str, Any] = {"version_id_col": version}
