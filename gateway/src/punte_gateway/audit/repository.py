"""Queries of the audit log: filtered listings, newest first, with keyset pagination."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, column, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from punte_gateway.audit.models import AuditEntry
from punte_gateway.graphql.pagination import Page, PageRequest, paginate


@dataclass(frozen=True)
class AuditCriteria:
    """What to look for; every given criterion must hold."""

    actor: str | None = None
    action_prefix: str | None = None
    target_id: str | None = None
    outcome: str | None = None
    source: str | None = None
    occurred_from: datetime | None = None
    occurred_to: datetime | None = None


def _has_target(dialect: str, target_id: str) -> ColumnElement[bool]:
    """Whether the entry's JSON list of targets holds the id (one scan; no JSON index)."""
    function = func.json_each if dialect == "sqlite" else func.json_array_elements_text
    elements = function(AuditEntry.target_ids).table_valued("value").alias("target")
    return exists(select(1).select_from(elements).where(column("value") == target_id))


def _filtered(dialect: str, query: AuditCriteria) -> Select[Any]:
    statement = select(AuditEntry)
    if query.actor is not None:
        statement = statement.where(AuditEntry.actor == query.actor)
    if query.action_prefix:
        statement = statement.where(
            AuditEntry.action.startswith(query.action_prefix, autoescape=True)
        )
    if query.target_id is not None:
        statement = statement.where(_has_target(dialect, query.target_id))
    if query.outcome is not None:
        statement = statement.where(AuditEntry.outcome == query.outcome)
    if query.source is not None:
        statement = statement.where(AuditEntry.source == query.source)
    if query.occurred_from is not None:
        statement = statement.where(AuditEntry.occurred_at >= query.occurred_from)
    if query.occurred_to is not None:
        statement = statement.where(AuditEntry.occurred_at < query.occurred_to)
    return statement


def _dialect(session: AsyncSession) -> str:
    return session.get_bind().dialect.name


async def list_page(
    session: AsyncSession, query: AuditCriteria, page: PageRequest
) -> Page[AuditEntry]:
    """One page of matching entries, newest first."""
    return await paginate(
        session,
        _filtered(_dialect(session), query),
        key=[AuditEntry.occurred_at, AuditEntry.id],
        key_of=lambda row: [row.occurred_at, row.id],
        page=page,
        types=[datetime, UUID],
        descending=True,
    )


async def count(session: AsyncSession, query: AuditCriteria) -> int:
    """How many entries match, over all pages."""
    statement = _filtered(_dialect(session), query).with_only_columns(func.count(AuditEntry.id))
    return int(await session.scalar(statement) or 0)


async def get_many(session: AsyncSession, entry_ids: Sequence[UUID]) -> dict[UUID, AuditEntry]:
    """The entries with these ids, in one query."""
    if not entry_ids:
        return {}
    rows = await session.scalars(select(AuditEntry).where(AuditEntry.id.in_(set(entry_ids))))
    return {row.id: row for row in rows}


async def has_message(session: AsyncSession, message_id: UUID) -> bool:
    """Whether a domain message is already recorded."""
    statement = select(exists().where(AuditEntry.message_id == message_id))
    return bool(await session.scalar(statement))
