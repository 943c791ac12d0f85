"""deploy/postgres/init-databases.sql on a real PostgreSQL: a role per service, owning only its
database, enough to migrate it and nothing more.

Runs on the test server of PUNTE_TEST_POSTGRES_URL (skipped on SQLite runs). Role and database
names are the production ones (`contacts`, ...), which are server-wide: an advisory lock keeps
parallel runs apart, the test refuses a server that already has them, and drops them after.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from punte_contacts.app import definition as contacts_definition
from punte_events.app import definition as events_definition
from punte_gateway.app import definition as gateway_definition
from punte_partnerships.app import definition as partnerships_definition
from punte_platform.db import create_engine
from punte_platform.migrations import upgrade_to_head
from punte_platform.testing.databases import postgres_url
from sqlalchemy.engine import URL, make_url

ROOT = Path(__file__).resolve().parents[2]
INIT_SQL = ROOT / "deploy" / "postgres" / "init-databases.sql"
DEFINITIONS = {
    "contacts": contacts_definition,
    "events": events_definition,
    "partnerships": partnerships_definition,
    "gateway": gateway_definition,
}
LOCK = zlib.crc32(b"punte-deploy-postgres-roles")

pytestmark = [
    pytest.mark.skipif(postgres_url() is None, reason="needs PUNTE_TEST_POSTGRES_URL"),
    pytest.mark.skipif(shutil.which("psql") is None, reason="needs psql"),
]


def _server() -> URL:
    url = postgres_url()
    assert url is not None
    return make_url(url).set(drivername="postgresql")


def _dsn(url: URL) -> str:
    return url.render_as_string(hide_password=False)


def _run_init(passwords: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **{f"PUNTE_{n.upper()}_DB_PASSWORD": p for n, p in passwords.items()}}
    return subprocess.run(
        ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-f", str(INIT_SQL), _dsn(_server())],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def _drop(admin: asyncpg.Connection) -> None:
    for name in DEFINITIONS:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for name in DEFINITIONS:
        await admin.execute(f'DROP ROLE IF EXISTS "{name}"')


@pytest.fixture
async def admin() -> AsyncIterator[asyncpg.Connection]:
    """A superuser connection holding the lock on the server-wide names; drops them after."""
    connection = await asyncpg.connect(_dsn(_server().set(database="postgres")))
    try:
        await connection.execute("SELECT pg_advisory_lock($1)", LOCK)
        names = list(DEFINITIONS)
        taken = await connection.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname = ANY($1::text[])", names
        ) + await connection.fetchval(
            "SELECT count(*) FROM pg_roles WHERE rolname = ANY($1::text[])", names
        )
        if taken:
            pytest.skip("the test server already has databases or roles named after services")
        try:
            yield connection
        finally:
            await _drop(connection)
    finally:
        await connection.close()


def _passwords() -> dict[str, str]:
    return {name: secrets.token_hex(24) for name in DEFINITIONS}


def _as(role: str, password: str, database: str) -> URL:
    return _server().set(username=role, password=password, database=database)


async def test_each_service_migrates_its_own_database_and_reaches_no_other(
    admin: asyncpg.Connection,
) -> None:
    passwords = _passwords()
    first = _run_init(passwords)
    assert first.returncode == 0, first.stderr
    # Idempotent: a second run (a rotated password, a restarted init job) changes nothing else.
    passwords = _passwords()
    again = _run_init(passwords)
    assert again.returncode == 0, again.stderr

    roles = {
        row["rolname"]: row
        for row in await admin.fetch(
            "SELECT * FROM pg_roles WHERE rolname = ANY($1::text[])", list(DEFINITIONS)
        )
    }
    assert set(roles) == set(DEFINITIONS)
    for role in roles.values():
        assert role["rolcanlogin"]
        for power in ("rolsuper", "rolcreatedb", "rolcreaterole", "rolreplication"):
            assert not role[power], (role["rolname"], power)
    owners = dict(
        await admin.fetch(
            "SELECT datname, pg_get_userbyid(datdba) FROM pg_database"
            " WHERE datname = ANY($1::text[])",
            list(DEFINITIONS),
        )
    )
    assert owners == {name: name for name in DEFINITIONS}

    for name, make_definition in DEFINITIONS.items():
        migrations = make_definition().migrations
        assert migrations is not None
        url = _as(name, passwords[name], name).set(drivername="postgresql+asyncpg")
        engine = create_engine(url.render_as_string(hide_password=False))
        try:
            await upgrade_to_head(engine, migrations)
        finally:
            await engine.dispose()

        own = await asyncpg.connect(_dsn(_as(name, passwords[name], name)))
        try:
            tables = await own.fetch(
                "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"
            )
            assert tables, name
            assert {row["tableowner"] for row in tables} == {name}
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await own.execute("CREATE DATABASE punte_not_allowed")
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await own.execute("CREATE ROLE punte_not_allowed")
        finally:
            await own.close()

        for other in DEFINITIONS:
            if other == name:
                continue
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="CONNECT"):
                await asyncpg.connect(_dsn(_as(name, passwords[name], other)))


def test_init_refuses_missing_or_short_passwords() -> None:
    passwords = _passwords()
    passwords["events"] = "short"
    result = _run_init(passwords)
    assert result.returncode != 0
    assert "PUNTE_EVENTS_DB_PASSWORD" in result.stderr
