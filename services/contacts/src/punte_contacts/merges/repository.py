"""Every query of merges: merge records, and the rows a merge moves between two records."""

from typing import Any, cast
from uuid import UUID

from sqlalchemy import Table, delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from punte_contacts.interactions.models import Interaction
from punte_contacts.merges.models import MergeRecord


def table_of(model: type[Any]) -> Table:
    """A model's table."""
    return cast(Table, model.__table__)


async def get(session: AsyncSession, merge_id: UUID) -> MergeRecord | None:
    """One merge record, locked for the undo (FOR UPDATE on PostgreSQL)."""
    return await session.scalar(
        select(MergeRecord).where(MergeRecord.id == merge_id).with_for_update()
    )


async def rows_of(
    session: AsyncSession, table: Table, owner_column: str, owner_id: UUID
) -> list[dict[str, Any]]:
    """Every row of `table` whose `owner_column` is `owner_id`, as column mappings."""
    result = await session.execute(select(table).where(table.c[owner_column] == owner_id))
    return [dict(row._mapping) for row in result]


async def interaction_ids_of(
    session: AsyncSession, table: Table, owner_column: str, owner_id: UUID
) -> set[UUID]:
    """The interactions an organisation or person takes part in."""
    rows = await session.scalars(
        select(table.c.interaction_id).where(table.c[owner_column] == owner_id)
    )
    return set(rows)


async def existing_interactions(session: AsyncSession, ids: set[UUID]) -> set[UUID]:
    """Which of these interactions still exist."""
    if not ids:
        return set()
    return set(await session.scalars(select(Interaction.id).where(Interaction.id.in_(ids))))


async def repoint(
    session: AsyncSession,
    table: Table,
    owner_column: str,
    *,
    from_id: UUID,
    to_id: UUID,
    key_column: str = "id",
    keys: list[Any] | None = None,
) -> int:
    """Move rows from one owner to another (only the rows with these keys, if given)."""
    query = update(table).where(table.c[owner_column] == from_id).values({owner_column: to_id})
    if keys is not None:
        if not keys:
            return 0
        query = query.where(table.c[key_column].in_(keys))
    result = await session.execute(query.execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def delete_participations(
    session: AsyncSession,
    table: Table,
    owner_column: str,
    owner_id: UUID,
    interaction_ids: list[UUID],
) -> None:
    """Remove an owner from these interactions' participants."""
    if not interaction_ids:
        return
    await session.execute(
        delete(table)
        .where(table.c[owner_column] == owner_id, table.c.interaction_id.in_(interaction_ids))
        .execution_options(synchronize_session=False)
    )


async def restore_row(
    session: AsyncSession, table: Table, values: dict[str, Any], *, key_columns: list[str]
) -> bool:
    """Put a row's values back where the row still exists; False if it is gone."""
    condition = [table.c[name] == values[name] for name in key_columns]
    result = await session.execute(
        update(table).where(*condition).values(values).execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))


async def insert_row(session: AsyncSession, table: Table, values: dict[str, Any]) -> None:
    """Insert one row."""
    await session.execute(insert(table).values(values))


async def delete_for_person(session: AsyncSession, person_id: UUID) -> None:
    """Drop the merges of people naming a person (their snapshots hold personal data)."""
    await session.execute(
        delete(MergeRecord)
        .where(
            MergeRecord.entity == "person",
            or_(MergeRecord.primary_id == person_id, MergeRecord.secondary_id == person_id),
        )
        .execution_options(synchronize_session=False)
    )
