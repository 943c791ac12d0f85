"""Database layer: async engines for SQLite and PostgreSQL, sessions, the unit of work."""

import enum
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from enum import Enum as PyEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import JSON, BigInteger, DateTime, Enum, Integer, MetaData, Table, event, insert
from sqlalchemy.dialects.postgresql import JSONB
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

from punte_platform.errors import ServiceError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
BigIntegerPK = BigInteger().with_variant(Integer(), "sqlite")


# Lists and small documents: JSON on SQLite, JSONB (indexable, `@>`) on PostgreSQL.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")


def enum_column(enum: type[PyEnum], name: str, *, length: int = 30) -> Enum:
    """A column type storing a string enum as its values (not member names), in a VARCHAR
    checked by a CHECK constraint named `name` (no native type: adding a member is a
    migration of the constraint, not an ALTER TYPE)."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


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


# Execution option of a read-only engine (see `read_only_engine`), read by the "begin" hooks.
READ_ONLY = "punte_read_only"
# Connection info flag: `PRAGMA query_only` is on for this SQLite connection.
_QUERY_ONLY = "punte_query_only"


def read_only_engine(engine: AsyncEngine) -> AsyncEngine:
    """The same engine and pool, whose transactions only read (a write fails)."""
    return engine.execution_options(**{READ_ONLY: True})


def create_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> AsyncEngine:
    """An async engine tuned for its backend."""
    if is_sqlite(url):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30})
        _configure_sqlite(engine)
        return engine
    engine = create_async_engine(
        url, echo=echo, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True
    )
    _configure_postgresql(engine)
    return engine


def _configure_postgresql(engine: AsyncEngine) -> None:
    """Read-only transactions that PostgreSQL itself keeps from writing."""

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        read_only = bool(connection.get_execution_options().get(READ_ONLY))
        if connection.dialect.driver == "asyncpg":
            # asyncpg sends BEGIN with the next statement: BEGIN READ ONLY costs no extra
            # round trip. Set on every begin, since the pooled connection keeps the flag.
            connection.dialect.set_readonly(connection.connection.dbapi_connection, read_only)
        elif read_only:
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")


def _configure_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, writer transactions that take the lock up front, readers that don't."""

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
        if connection.get_execution_options().get(READ_ONLY):
            # A deferred BEGIN reads a WAL snapshot without the write lock, so readers never
            # queue behind writers; query_only makes a write in it fail instead of upgrading.
            if not connection.info.get(_QUERY_ONLY):
                connection.exec_driver_sql("PRAGMA query_only=ON")
                connection.info[_QUERY_ONLY] = True
            connection.exec_driver_sql("BEGIN")
            return
        if connection.info.pop(_QUERY_ONLY, False):
            connection.exec_driver_sql("PRAGMA query_only=OFF")
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
        bind = session_factory.kw.get("bind")
        self._read_only_bind = read_only_engine(bind) if isinstance(bind, AsyncEngine) else None
        self._after_commit_hooks: list[Callable[[AsyncSession], None]] = []

    def on_commit(self, hook: Callable[[AsyncSession], None]) -> None:
        """Call `hook(session)` after every successful commit (e.g. to wake the relay)."""
        self._after_commit_hooks.append(hook)

    @asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[AsyncSession]:
        """A session in a transaction: committed if the block succeeds, rolled back if not.

        The transaction starts with the block's first statement (autobegin), so a request
        that never touches the database costs no connection, no BEGIN and no close.
        A `read_only` one never waits for SQLite's write lock, and any write in it fails.
        """
        if not read_only:
            session = self.session_factory()
        elif self._read_only_bind is None:
            raise RuntimeError("read-only transactions need a session factory bound to an engine")
        else:
            session = self.session_factory(bind=self._read_only_bind)
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


class Versioned(Protocol):
    """A model with an id and a version column (SQLAlchemy's `version_id_col`)."""

    @property
    def id(self) -> Any: ...

    @property
    def version(self) -> int: ...


VersionedT = TypeVar("VersionedT", bound=Versioned)


async def load_for_change(
    session: AsyncSession, model: type[VersionedT], row_id: Any, expected_version: int
) -> VersionedT:
    """The row to change, locked on PostgreSQL (`FOR UPDATE`; SQLite's writer holds the
    database); `not_found` if there is none, `conflict` with `current_version` if it is not
    at `expected_version` (the caller read an older one)."""
    row = await session.get(model, row_id, with_for_update=True)
    entity = getattr(model, "__tablename__", model.__name__.lower())
    if row is None:
        raise ServiceError.not_found(entity, row_id)
    if row.version != expected_version:
        raise ServiceError.conflict(
            f"{entity} {row_id} is at version {row.version}, "
            f"not {expected_version}: reload and retry",
            current_version=str(row.version),
        )
    return row


# Rows per INSERT where there is no COPY: well under SQLite's and asyncpg's bound-parameter limits.
INSERT_BATCH = 1000


def _copy_encoder(column: Any) -> Callable[[Any], Any] | None:
    """How a value of a column goes into PostgreSQL's COPY, which SQLAlchemy's bind
    processing does not see: JSON as its text, enums as their values, the rest as it is
    (asyncpg encodes UUIDs, numbers, text and aware datetimes)."""
    if isinstance(column.type, JSON):
        return lambda value: None if value is None else json.dumps(value)
    if isinstance(column.type, Enum):
        return lambda value: value.value if isinstance(value, enum.Enum) else value
    return None


async def insert_many(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many rows of one table (the same keys each): COPY on PostgreSQL, batches of
    Core INSERTs elsewhere. For bulk writers; COPY spares the parameter processing and
    statement parsing of INSERTs. No ORM objects, so no flush hooks see these rows."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        for start in range(0, len(rows), INSERT_BATCH):
            await session.execute(insert(table), list(rows[start : start + INSERT_BATCH]))
        return
    names = list(rows[0])
    encoders = [_copy_encoder(table.c[name]) for name in names]
    records = [
        tuple(
            value if encode is None else encode(value)
            for value, encode in zip((row[name] for name in names), encoders, strict=True)
        )
        for row in rows
    ]
    raw = (await connection.get_raw_connection()).driver_connection
    await raw.copy_records_to_table(  # type: ignore[union-attr]
        table.name, records=records, columns=names
    )
