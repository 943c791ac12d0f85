"""The migration check every service's tests run: head on an empty database, then no drift."""

from pathlib import Path

from alembic import command
from sqlalchemy import Connection, inspect

from punte_platform.db import create_engine
from punte_platform.migrations import alembic_config, check_no_drift, upgrade_to_head


async def assert_migrations_complete(migrations: Path, database_url: str) -> None:
    """Upgrade an empty database to head, check no drift, downgrade to base, upgrade again."""
    engine = create_engine(database_url)
    try:
        await upgrade_to_head(engine, migrations)
        await check_no_drift(engine, migrations)
        config = alembic_config(migrations)

        def downgrade(connection: Connection) -> list[str]:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
            return [t for t in inspect(connection).get_table_names() if t != "alembic_version"]

        async with engine.begin() as connection:
            left = await connection.run_sync(downgrade)
        assert left == [], f"downgrade to base left tables behind: {left}"
        await upgrade_to_head(engine, migrations)
        await check_no_drift(engine, migrations)
    finally:
        await engine.dispose()
