"""Alembic per service: a shared async env, upgrade-on-start and drift checks."""

import asyncio
import zlib
from pathlib import Path

from alembic import command, context
from alembic.config import Config
from sqlalchemy import Connection, MetaData, pool, text
from sqlalchemy.ext.asyncio import AsyncEngine, async_engine_from_config

MIGRATION_LOCK_KEY = zlib.crc32(b"punte-migrate")
FILE_TEMPLATE = "%%(year)d%%(month).2d%%(day).2d_%%(hour).2d%%(minute).2d_%%(rev)s_%%(slug)s"


def alembic_config(script_location: Path, url: str | None = None) -> Config:
    """An Alembic config for a service's migrations folder."""
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("file_template", FILE_TEMPLATE)
    config.set_main_option("timezone", "UTC")
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def run_alembic_env(target_metadata: MetaData) -> None:
    """Body of every service's `env.py`: run on a passed-in connection, or connect to the URL."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run_on_connection(connection, target_metadata)
        return
    url = config.get_main_option("sqlalchemy.url")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(config, target_metadata))


async def _run_online(config: Config, target_metadata: MetaData) -> None:
    engine = async_engine_from_config(
        config.get_section(config.config_ini_section, {}),
        prefix="sqlalchemy.",
        poolclass=pool.NullPool,
    )
    async with engine.connect() as connection:
        await connection.run_sync(_run_on_connection, target_metadata)
        await connection.commit()
    await engine.dispose()


def _run_on_connection(connection: Connection, target_metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def upgrade_to_head(engine: AsyncEngine, script_location: Path) -> None:
    """Migrate the database to the newest revision (idempotent)."""
    config = alembic_config(script_location)

    def _upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Replicas starting together would race to create the same tables: one migrates,
            # the others wait for its transaction and then find nothing left to do.
            # Advisory locks are per database, and each service has its own.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
            )
        await connection.run_sync(_upgrade)


async def check_no_drift(engine: AsyncEngine, script_location: Path) -> None:
    """Raise if the models and the migrations disagree (`alembic check`)."""
    config = alembic_config(script_location)

    def _check(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.check(config)

    async with engine.connect() as connection:
        await connection.run_sync(_check)
