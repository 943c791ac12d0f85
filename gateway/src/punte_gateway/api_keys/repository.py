"""Queries of API keys."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from punte_gateway.api_keys.models import ApiKey
from punte_gateway.graphql.pagination import Page, PageRequest, paginate


async def get(session: AsyncSession, key_id: UUID) -> ApiKey | None:
    """The key with this id."""
    return await session.get(ApiKey, key_id)


async def get_many(session: AsyncSession, key_ids: Sequence[UUID]) -> dict[UUID, ApiKey]:
    """The keys with these ids, in one query."""
    if not key_ids:
        return {}
    rows = await session.scalars(select(ApiKey).where(ApiKey.id.in_(set(key_ids))))
    return {row.id: row for row in rows}


async def by_prefix(session: AsyncSession, prefix: str) -> ApiKey | None:
    """The key whose public part this is."""
    return await session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


async def mark_used(session: AsyncSession, key_id: UUID, when: datetime) -> None:
    """Note a use; a plain UPDATE so the key's version (for admins' edits) stays put."""
    await session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=when))


def _listing(include_revoked: bool) -> Select[Any]:
    statement = select(ApiKey)
    if not include_revoked:
        statement = statement.where(ApiKey.revoked_at.is_(None))
    return statement


async def list_page(
    session: AsyncSession, page: PageRequest, *, include_revoked: bool
) -> Page[ApiKey]:
    """One page of keys, newest first (UUIDv7 ids sort by creation)."""
    return await paginate(
        session,
        _listing(include_revoked),
        key=[ApiKey.id],
        key_of=lambda row: [row.id],
        page=page,
        types=[UUID],
        descending=True,
    )


async def count(session: AsyncSession, *, include_revoked: bool) -> int:
    """How many keys a listing would show over all its pages."""
    statement = _listing(include_revoked).with_only_columns(func.count(ApiKey.id))
    return int(await session.scalar(statement) or 0)
