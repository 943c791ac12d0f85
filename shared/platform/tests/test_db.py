"""The database layer: SQLite tuned as promised, UTC round trips, UUIDv7 ids."""

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
from punte_platform.db import (
    UnitOfWork,
    UTCDateTime,
    create_engine,
    create_session_factory,
    is_sqlite,
    make_metadata,
)
from punte_platform.ids import new_id
from sqlalchemy import Column, String, Table, Uuid, delete, func, insert, make_url, select, text
from sqlalchemy.exc import DBAPIError


async def test_sqlite_runs_in_wal_with_foreign_keys(database_url: str) -> None:
    if not is_sqlite(database_url):
        pytest.skip("SQLite pragmas")
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert (await connection.scalar(text("PRAGMA journal_mode"))) == "wal"
            assert (await connection.scalar(text("PRAGMA foreign_keys"))) == 1
    finally:
        await engine.dispose()


async def test_timestamps_come_back_in_utc_and_naive_ones_are_refused(database_url: str) -> None:
    metadata = make_metadata()
    table = Table(
        "stamp", metadata, Column("id", Uuid, primary_key=True), Column("at", UTCDateTime)
    )
    engine = create_engine(database_url)
    bucharest = timezone(timedelta(hours=2))
    moment = datetime(2026, 3, 29, 3, 30, tzinfo=bucharest)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
            await connection.execute(insert(table).values(id=new_id(), at=moment))
            stored = await connection.scalar(select(table.c.at))
            assert stored == moment
            assert stored.tzinfo is not None
            assert stored.utcoffset() == timedelta(0)
            assert stored == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
        with pytest.raises(Exception, match="naive"):
            async with engine.begin() as connection:
                await connection.execute(insert(table).values(id=new_id(), at=datetime(2026, 1, 1)))
    finally:
        await engine.dispose()


def test_ids_are_uuid7_and_time_ordered() -> None:
    ids = [new_id() for _ in range(1000)]
    assert all(i.version == 7 for i in ids)
    assert ids == sorted(ids)


async def test_the_unit_of_work_commits_what_was_only_added(database_url: str) -> None:
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

    class Base(DeclarativeBase):
        metadata = make_metadata()

    class Note(Base):
        __tablename__ = "note"
        id: Mapped[object] = mapped_column(Uuid, primary_key=True)
        text: Mapped[str] = mapped_column(String(50))

    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        uow = UnitOfWork(create_session_factory(engine))
        async with uow.transaction() as session:
            session.add(Note(id=new_id(), text="added, never flushed"))

        async def fail_after_flush() -> None:
            async with uow.transaction() as session:
                session.add(Note(id=new_id(), text="rolled back"))
                await session.flush()
                raise RuntimeError("boom")

        with pytest.raises(RuntimeError):
            await fail_after_flush()
        async with uow.transaction() as session:
            texts = (await session.scalars(select(Note.text))).all()
        assert texts == ["added, never flushed"]
    finally:
        await engine.dispose()


def _notes_table() -> Table:
    return Table(
        "note",
        make_metadata(),
        Column("id", Uuid, primary_key=True),
        Column("text", String(50), nullable=False),
    )


async def test_a_read_only_transaction_reads_its_snapshot_while_a_writer_holds_the_lock(
    database_url: str,
) -> None:
    if not is_sqlite(database_url):
        pytest.skip("SQLite's write lock")
    notes = _notes_table()
    engine = create_engine(database_url)
    uow = UnitOfWork(create_session_factory(engine))
    try:
        async with engine.begin() as connection:
            await connection.run_sync(notes.metadata.create_all)
            await connection.execute(insert(notes).values(id=new_id(), text="committed"))
        async with engine.connect() as writer:
            await writer.execute(insert(notes).values(id=new_id(), text="not yet"))
            # The writer really holds the lock: an IMMEDIATE transaction could not start.
            other = sqlite3.connect(make_url(database_url).database or "", timeout=0)
            try:
                with pytest.raises(sqlite3.OperationalError, match="locked"):
                    other.execute("BEGIN IMMEDIATE")
            finally:
                other.close()
            async with uow.transaction(read_only=True) as session:
                first = await asyncio.wait_for(session.scalars(select(notes.c.text)), 5)
                assert first.all() == ["committed"]
                # A reader doesn't block the writer, and keeps its snapshot after the commit.
                await asyncio.wait_for(writer.commit(), 5)
                again = await session.scalars(select(notes.c.text))
                assert again.all() == ["committed"]
        async with uow.transaction(read_only=True) as session:
            texts = await session.scalars(select(notes.c.text).order_by(notes.c.text))
            assert texts.all() == ["committed", "not yet"]
    finally:
        await engine.dispose()


async def test_a_write_in_a_read_only_transaction_fails_and_leaves_writers_able(
    database_url: str,
) -> None:
    notes = _notes_table()
    # One pooled connection: the writers below reuse the one the read-only transaction had.
    engine = create_engine(database_url, pool_size=1)
    uow = UnitOfWork(create_session_factory(engine))
    refused = "readonly database" if is_sqlite(database_url) else "read-only transaction"
    try:
        async with engine.begin() as connection:
            await connection.run_sync(notes.metadata.create_all)

        async def insert_read_only() -> None:
            async with uow.transaction(read_only=True) as session:
                await session.scalar(select(func.count()).select_from(notes))
                await session.execute(insert(notes).values(id=new_id(), text="refused"))

        async def delete_read_only() -> None:
            async with uow.transaction(read_only=True) as session:
                await session.execute(delete(notes))

        for attempt in (insert_read_only, delete_read_only):
            with pytest.raises(DBAPIError, match=refused):
                await attempt()
            async with uow.transaction() as session:
                await session.execute(insert(notes).values(id=new_id(), text="written"))
        async with uow.transaction(read_only=True) as session:
            texts = await session.scalars(select(notes.c.text))
            assert texts.all() == ["written", "written"]
    finally:
        await engine.dispose()
