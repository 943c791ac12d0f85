"""Fresh test databases: SQLite files, or PostgreSQL when PUNTE_TEST_POSTGRES_URL is set."""

import asyncio
import contextlib
import os
import secrets
import shutil
import sqlite3
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from punte_platform.db import create_engine
from punte_platform.migrations import upgrade_to_head
from punte_platform.runtime import ServiceDefinition

POSTGRES_URL_VARIABLE = "PUNTE_TEST_POSTGRES_URL"
DROP_CONNECTIONS = 4


def postgres_url() -> str | None:
    """The PostgreSQL server tests should use, if any."""
    return os.environ.get(POSTGRES_URL_VARIABLE) or None


class TestDatabases:
    """Creates empty or migrated databases and drops the PostgreSQL ones at the end."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, tmp_root: Path, server_url: str | None) -> None:
        self.tmp_root = tmp_root
        self.server_url = server_url
        self.created: list[str] = []
        # Per migrations folder, a database migrated to head once: tests get copies of it.
        self.templates: dict[Path, str] = {}

    @property
    def backend(self) -> str:
        """`postgresql` or `sqlite`."""
        return "postgresql" if self.server_url else "sqlite"

    async def create(self, label: str = "db") -> str:
        """A new, empty database's async SQLAlchemy URL."""
        return await self._new(label, template=None)

    async def for_service(self, definition: ServiceDefinition) -> str:
        """A database a service starts on: at its migrations' head (empty if it has none)."""
        if definition.migrations is None:
            return await self.create(definition.name)
        return await self.migrated(definition.migrations, definition.name)

    async def migrated(self, migrations: Path, label: str = "db") -> str:
        """A new database already at the head of `migrations`: a copy of a template."""
        template = self.templates.get(migrations)
        if template is None:
            template = await self._migrate_template(migrations, label)
            self.templates[migrations] = template
        return await self._new(label, template)

    async def _new(self, label: str, template: str | None) -> str:
        """A new database, empty or a copy of `template` (a URL this object returned)."""
        name = f"punte_test_{label}_{secrets.token_hex(4)}"
        source = make_url(template).database if template else None
        if not self.server_url:
            self.tmp_root.mkdir(parents=True, exist_ok=True)
            path = self.tmp_root / f"{name}.db"
            if source:
                shutil.copyfile(source, path)
            return f"sqlite+aiosqlite:///{path}"
        url = make_url(self.server_url).set(drivername="postgresql+asyncpg")
        connection = await asyncpg.connect(_dsn(url.set(database="postgres")))
        try:
            copy = f' TEMPLATE "{source}"' if source else ""
            await connection.execute(f'CREATE DATABASE "{name}"{copy}')
        finally:
            await connection.close()
        self.created.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    async def _migrate_template(self, migrations: Path, label: str) -> str:
        template = await self.create(f"template_{label}")
        engine = create_engine(template)
        try:
            await upgrade_to_head(engine, migrations)
        finally:
            # PostgreSQL copies a template only while nobody is connected to it.
            await engine.dispose()
        database = make_url(template).database
        if not self.server_url and database:
            # Copies take the main file alone, so nothing may stay in a WAL file beside it:
            # leaving WAL mode writes it back (each copy's engine turns WAL on again).
            with contextlib.closing(sqlite3.connect(database)) as connection:
                connection.execute("PRAGMA journal_mode=DELETE")
        return template

    async def drop_all(self) -> None:
        """Drop every PostgreSQL database this run created."""
        if not self.server_url or not self.created:
            return
        dsn = _dsn(make_url(self.server_url).set(database="postgres"))
        names = list(self.created)
        self.created.clear()

        async def drop(share: list[str]) -> None:
            connection = await asyncpg.connect(dsn)
            try:
                for name in share:
                    await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await connection.close()

        # Each drop waits on the disk more than on the server: a few at once go faster.
        await asyncio.gather(*(drop(names[i::DROP_CONNECTIONS]) for i in range(DROP_CONNECTIONS)))


def _dsn(url: object) -> str:
    rendered = make_url(str(url)).set(drivername="postgresql")
    return rendered.render_as_string(hide_password=False)
