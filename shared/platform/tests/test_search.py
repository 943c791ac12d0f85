"""Typo-tolerant name search, configured on a table of its own: the vocabulary follows the
names written, and a misspelled name is found on the test's backend."""

from uuid import UUID

from punte_platform.db import create_engine, create_session_factory, make_metadata
from punte_platform.ids import new_id
from punte_platform.search import (
    SearchedName,
    SearchVocabulary,
    add_search_word_table,
    search_key,
    text_tiers,
    tiered_search,
)
from sqlalchemy import String, Uuid, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    metadata = make_metadata()


class Venue(Base):
    """A named place, searched by name."""

    __tablename__ = "venue"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)


words = add_search_word_table(Base.metadata, "venue_word")
vocabulary = SearchVocabulary(words, {Venue: SearchedName(("name",), key="name_key")})


class VenueSession(Session):
    """Sessions whose flushes keep the venues' vocabulary."""


vocabulary.register(VenueSession)


async def names_of(session: AsyncSession, typed: str) -> list[tuple[str, int]]:
    """The venues a typed text finds, with their rank."""
    tiers = text_tiers(vocabulary, session, Venue.name_key, [], search_key(typed))
    found = await tiered_search(
        session,
        Venue,
        key_column=Venue.name_key,
        id_column=Venue.id,
        conditions=[],
        tiers=tiers,
        order_key=None,
        after=None,
        limit=10,
    )
    return [(row.name, rank) for row, rank in found]


async def test_a_misspelled_name_is_found_and_the_vocabulary_follows_names(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    sessions = create_session_factory(engine, session_class=VenueSession)
    try:
        async with engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                await connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            await connection.run_sync(Base.metadata.create_all)
        async with sessions() as session, session.begin():
            session.add_all([Venue(name="Sala Polivalentă Cluj"), Venue(name="Teatrul Național")])
        async with sessions() as session:
            assert set(await session.scalars(select(words.c.word))) == {
                "sala",
                "polivalenta",
                "cluj",
                "teatrul",
                "national",
            }

            assert await names_of(session, "sala") == [("Sala Polivalentă Cluj", 0)]
            assert await names_of(session, "national") == [("Teatrul Național", 1)]
            assert await names_of(session, "Teatrul Natinoal") == [("Teatrul Național", 2)]
            assert await names_of(session, "Polivalneta") == [("Sala Polivalentă Cluj", 2)]
            assert await names_of(session, "Opera") == []
        async with sessions() as session, session.begin():
            theatre = await session.scalar(select(Venue).where(Venue.name == "Teatrul Național"))
            assert theatre is not None
            theatre.name = "Teatrul Maghiar"  # the flush sets the key from the name
        async with sessions() as session:
            assert theatre.id is not None
            assert (
                await session.scalar(select(Venue.name_key).where(Venue.id == theatre.id))
                == "teatrul maghiar"
            )
            known = set(await session.scalars(select(words.c.word)))
            assert "maghiar" in known
            assert "national" not in known
        rows = [{"id": new_id(), "name": "Opera Națională Română"}]
        async with sessions() as session, session.begin():
            await vocabulary.add_rows(session, Venue, rows)  # written without the ORM
            await session.execute(insert(Venue), rows)
        async with sessions() as session:
            assert rows[0]["name_key"] == "opera nationala romana"
            assert "romana" in set(await session.scalars(select(words.c.word)))
            assert await names_of(session, "Opera Natonala") == [("Opera Națională Română", 2)]
    finally:
        await engine.dispose()
