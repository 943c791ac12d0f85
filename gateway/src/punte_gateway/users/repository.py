"""Every query on users and refresh tokens."""

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from punte_gateway.graphql.pagination import Page, PageRequest, paginate
from punte_gateway.users.models import RefreshToken, User


async def get_user(
    session: AsyncSession, user_id: UUID, *, for_update: bool = False
) -> User | None:
    """The user with this id."""
    statement = select(User).where(User.id == user_id)
    if for_update:
        statement = statement.with_for_update()
    return (await session.scalars(statement)).one_or_none()


async def get_users(session: AsyncSession, user_ids: Iterable[UUID]) -> list[User]:
    """The users with these ids, in one query (missing ids are left out)."""
    ids = list(set(user_ids))
    if not ids:
        return []
    return list((await session.scalars(select(User).where(User.id.in_(ids)))).all())


async def find_by_username(
    session: AsyncSession, username: str, *, for_update: bool = False
) -> User | None:
    """The user with this (normalised) username."""
    statement = select(User).where(User.username == username)
    if for_update:
        statement = statement.with_for_update()
    return (await session.scalars(statement)).one_or_none()


async def existing_usernames(session: AsyncSession, usernames: Sequence[str]) -> set[str]:
    """Which of these usernames are taken."""
    if not usernames:
        return set()
    rows = await session.scalars(select(User.username).where(User.username.in_(usernames)))
    return set(rows.all())


def add_user(session: AsyncSession, user: User) -> None:
    """Stage a new user."""
    session.add(user)


def users_statement(search_key: str | None) -> Select[Any]:
    """Users whose search key contains `search_key` (all users without one)."""
    statement = select(User)
    if search_key:
        escaped = search_key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(User.search_key.like(f"%{escaped}%", escape="\\"))
    return statement


async def list_page(session: AsyncSession, page: PageRequest, search_key: str | None) -> Page[User]:
    """One page of users in username order."""
    return await paginate(
        session,
        users_statement(search_key),
        key=[User.username],
        types=[str],
        key_of=lambda user: [user.username],
        page=page,
    )


async def count_users(session: AsyncSession, search_key: str | None) -> int:
    """How many users `users_statement` matches."""
    inner = users_statement(search_key).subquery()
    return int(await session.scalar(select(func.count()).select_from(inner)) or 0)


async def active_admin_ids(session: AsyncSession) -> list[UUID]:
    """The ids of active users; the caller filters the admins (roles are a JSON list)."""
    rows = await session.execute(select(User.id, User.roles).where(User.active.is_(True)))
    return [row.id for row in rows if "admin" in (row.roles or [])]


def add_refresh_token(session: AsyncSession, token: RefreshToken) -> None:
    """Stage a new refresh token."""
    session.add(token)


async def find_refresh_token(session: AsyncSession, token_hash: str) -> RefreshToken | None:
    """The refresh token with this hash, locked for the rotation that follows."""
    statement = select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
    return (await session.scalars(statement)).one_or_none()


async def revoke_family(session: AsyncSession, family_id: UUID, now: datetime) -> int:
    """Revoke every live token of a session; how many were live."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return _rowcount(result)


async def revoke_user_sessions(session: AsyncSession, user_id: UUID, now: datetime) -> int:
    """Revoke every live token of a user; how many were live."""
    result = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return _rowcount(result)


async def session_is_live(session: AsyncSession, family_id: UUID, now: datetime) -> bool:
    """Whether a session still has an unrevoked, unexpired refresh token (not logged out)."""
    statement = select(
        exists().where(
            RefreshToken.family_id == family_id,
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
    )
    return bool(await session.scalar(statement))


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
