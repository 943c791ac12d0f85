"""Staff user accounts and the refresh tokens of their sessions."""

from datetime import datetime
from uuid import UUID

from punte_platform.db import UTCDateTime
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from punte_gateway.models import Base


class User(Base):
    """A staff member who signs in with a local password."""

    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "user_account"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    display_name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str | None] = mapped_column(String(320))
    roles: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    department: Mapped[str | None] = mapped_column(String(100), index=True)
    password_hash: Mapped[str] = mapped_column(String(200), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    # Wrong passwords since the last login, for the audit detail; nothing is locked by it.
    failed_logins: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Username, display name and email folded to lowercase ASCII, for diacritic-blind search.
    search_key: Mapped[str] = mapped_column(String(600), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Bumped by profile changes only, not by logins, so an admin's form never goes stale
    # because its subject signed in meanwhile.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)


class RefreshToken(Base):
    """One refresh token; the tokens one login rotates through share a family (a session)."""

    __tablename__ = "refresh_token"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # SHA-256 of the secret: the secret itself is never stored.
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    family_id: Mapped[UUID] = mapped_column(Uuid, nullable=False, index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replaced_by: Mapped[UUID | None] = mapped_column(Uuid)
