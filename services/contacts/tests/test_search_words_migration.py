"""The migration that adds the vocabulary of search keys fills it with the names already
stored, on PostgreSQL and SQLite alike."""

from alembic import command
from punte_contacts.app import definition
from punte_contacts.organizations.models import Organization, SearchWord
from punte_contacts.people.models import Person
from punte_contracts import contacts as c
from punte_platform.db import create_engine, utcnow
from punte_platform.ids import new_id
from punte_platform.migrations import alembic_config
from sqlalchemy import Connection, insert, select

BEFORE = "5b0c2e7d9a41"
AFTER = "c4d7e2a91b63"


def migrate(connection: Connection, revision: str) -> None:
    migrations = definition().migrations
    assert migrations is not None
    config = alembic_config(migrations)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_the_vocabulary_starts_with_the_names_already_stored(database_url: str) -> None:
    engine = create_engine(database_url)
    now = utcnow()
    stamps = {"version": 1, "created_at": now, "updated_at": now}
    try:
        async with engine.begin() as connection:
            await connection.run_sync(migrate, BEFORE)
            await connection.execute(
                insert(Organization.__table__),
                [
                    {
                        "id": new_id(),
                        "kind": c.OrganizationKind.ASSOCIATION,
                        "legal_name": name,
                        "source": c.OrganizationSource.MANUAL,
                        "status": c.OrganizationStatus.ACTIVE,
                        "search_key": key,
                        **stamps,
                    }
                    for name, key in (
                        ("Asociația Culturală Banat", "asociatia culturala banat"),
                        ("ONG", "ong"),
                    )
                ],
            )
            await connection.execute(
                insert(Person.__table__),
                {
                    "id": new_id(),
                    "given_name": "Ioana",
                    "family_name": "Popescu",
                    "preferred_language": "ro",
                    "search_key": "ioana popescu",
                    **stamps,
                },
            )
        async with engine.begin() as connection:
            await connection.run_sync(migrate, AFTER)
            found = set(await connection.scalars(select(SearchWord.word)))
        # Words of 4 letters and more, each once ("ong" is too short).
        assert found == {"asociatia", "culturala", "banat", "ioana", "popescu"}
    finally:
        await engine.dispose()
