"""The contacts service's migrations build its models exactly, up and down."""

from punte_contacts.app import definition
from punte_platform.testing.migrations import assert_migrations_complete


async def test_migrations_reach_head_without_drift(database_url: str) -> None:
    migrations = definition().migrations
    assert migrations is not None
    await assert_migrations_complete(migrations, database_url)
