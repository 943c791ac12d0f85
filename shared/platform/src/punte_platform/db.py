"""Database layer: async engines for SQLite and PostgreSQL, sessions, the unit of work."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigIntegerPK = BigInteger().with_variant(Integer(), "sqlite")


def make_metadata() -> MetaData:
    """A MetaData with the project's constraint naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are refused: store UTC")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def is_sqlite(url: str) -> bool:
    """Whether a database URL points at SQLite."""
    return url.startswith("sqlite")


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An async engine tuned for its backend."""
    if is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    return create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, and writer transactions that take the lock up front."""

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        # Take BEGIN away from the driver so the "begin" hook below decides how it starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads then writes fails with SQLITE_BUSY when another
        # writer got in between; IMMEDIATE waits for the lock instead (busy_timeout).
        connection.exec_driver_sql("BEGIN IMMEDIATE")


SessionFactory = async_sessionmaker[AsyncSession]


def create_session_factory(
    engine: AsyncEngine, *, session_class: type[Session] = Session
) -> SessionFactory:
    """Sessions that keep loaded objects usable after commit, proxying a `session_class`."""
    return async_sessionmaker(
        engine, expire_on_commit=False, autoflush=False, sync_session_class=session_class
    )


class UnitOfWork:
    """Owns transactions: the request or message boundary opens one, domain code never commits."""

    def __init__(self, session_factory: SessionFactory) -> None:
        self.session_factory = session_factory
        self._after_commit_hooks: list[Callable[[AsyncSession], None]] = []

    def on_commit(self, hook: Callable[[AsyncSession], None]) -> None:
        """Call `hook(session)` after every successful commit (e.g. to wake the relay)."""
        self._after_commit_hooks.append(hook)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed if the block succeeds, rolled back if not.

        The transaction starts with the block's first statement (autobegin), so a request
        that never touches the database costs no connection, no BEGIN and no close.
        """
        session = self.session_factory()
        try:
            yield session
            # Objects only added (no statement run yet) have not begun a transaction either.
            if session.in_transaction() or session.new or session.dirty or session.deleted:
                await session.commit()
        except BaseException:
            if session.in_transaction():
                await session.rollback()
            raise
        finally:
            # Commit and rollback hand the connection back; close only if one is still held.
            if session.in_transaction():
                await session.close()
        for hook in self._after_commit_hooks:
            hook(session)
