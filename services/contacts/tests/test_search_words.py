"""The vocabulary of search keys: typo-tolerant search through similar words, alike on
PostgreSQL and SQLite, kept in step with renames and deletions so no erased name lingers,
by the contacts service's sessions only."""

import random
from typing import Any

import pytest
from punte_contacts import search_words
from punte_contacts.organizations.models import Organization, SearchWord
from punte_contracts import contacts as c
from punte_platform import search as name_search
from punte_platform.db import create_engine, create_session_factory, utcnow
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.databases import TestDatabases
from sqlalchemy import func, insert, select, text

from .conftest import call


async def words(runtime: ServiceRuntime) -> set[str]:
    async with runtime.session_factory() as session:
        return set(await session.scalars(select(SearchWord.word)))


async def make(runtime: ServiceRuntime, name: str, **values: Any) -> c.Organization:
    body = c.CreateOrganization(kind=c.OrganizationKind.ASSOCIATION, legal_name=name, **values)
    return await call(runtime, body)


async def make_person(runtime: ServiceRuntime, given: str, family: str) -> c.Person:
    body = c.CreatePerson(given_name=given, family_name=family)
    return await call(runtime, body)


async def search(runtime: ServiceRuntime, query: str) -> list[str]:
    page = await call(runtime, c.SearchOrganizations(query=query))
    return [o.legal_name for o in page.items]


async def search_people(runtime: ServiceRuntime, query: str) -> list[str]:
    page = await call(runtime, c.SearchPeople(query=query))
    return [f"{p.given_name} {p.family_name}" for p in page.items]


async def test_a_misspelled_word_finds_names_holding_a_similar_one(
    contacts: ServiceRuntime,
) -> None:
    await make(contacts, "Asociația Culturală Banat")
    await make(contacts, "Asociația Sportivă Banat")
    # Each typed word or a known similar one ("culturla" ~ "culturala", 0.58).
    assert await search(contacts, "asociatia culturla") == ["Asociația Culturală Banat"]
    count = await call(contacts, c.CountOrganizations(query="asociatia culturla"))
    assert count.total == 1


async def test_a_misspelled_family_name_finds_the_person(contacts: ServiceRuntime) -> None:
    for given, family in (("Mihai", "Popescu"), ("Ioana", "Popovici"), ("Dan", "Albu")):
        await make_person(contacts, given, family)
    # "popsecu" ~ "popescu" 0.33; "popovici" 0.21 is too far.
    assert await search_people(contacts, "popsecu") == ["Mihai Popescu"]
    assert await search_people(contacts, "mihai popsecu") == ["Mihai Popescu"]
    assert await search_people(contacts, "popsecu dna") == []  # "dna" is too short to correct


async def test_a_known_word_is_no_typo(contacts: ServiceRuntime) -> None:
    for given in ("Ioana", "Oana", "Maria", "Mario"):
        await make_person(contacts, given, "Pop")
    # "mario" is similar (0.5) and "oana" too (0.38), but "maria" and "ioana" are some
    # name's words: nothing to correct.
    assert await search_people(contacts, "maria") == ["Maria Pop"]
    assert await search_people(contacts, "ioana") == ["Ioana Pop"]
    # "marja" is no name's word: both similar ones (0.33 each) are searched for.
    assert await search_people(contacts, "marja") == ["Maria Pop", "Mario Pop"]
    assert await search_people(contacts, "ioanna") == ["Ioana Pop"]


async def test_both_backends_pick_the_same_similar_words(contacts: ServiceRuntime) -> None:
    for name in (
        "Asociația Culturală Banat",
        "Asociația Cultura Vie",
        "Timișoara Culturală",
        "Fundația Timiș",
        "Clubul Timisoarei",
    ):
        await make(contacts, name)
    async with contacts.session_factory() as session:
        assert await search_words.vocabulary.similar_words(session, "culturla") == [
            "culturala",
            "cultura",
        ]
        # "timis" (0.45) is 4 letters shorter: still a candidate on SQLite.
        assert await search_words.vocabulary.similar_words(session, "timisoaar") == [
            "timisoara",
            "timisoarei",
            "timis",
        ]
        assert await search_words.vocabulary.similar_words(session, "culturala") == []  # known
        assert await search_words.vocabulary.similar_words(session, "xyzzy") == []  # nothing near


async def test_a_crowded_vocabulary_still_offers_the_nearest_words(
    contacts: ServiceRuntime,
) -> None:
    await make(contacts, "Asociația Culturală Banat")
    rng = random.Random(4)
    letters = "abdefghijkmnopqrsvxyz"  # none of "cultr": no crowd word is similar
    crowd = {"c" + "".join(rng.choice(letters) for _ in range(7)) for _ in range(3000)}
    async with contacts.session_factory() as session, session.begin():
        await session.execute(insert(SearchWord), [{"word": w} for w in sorted(crowd)])
    # More words share the first letter than SQLite compares (CANDIDATES); the nearest in
    # alphabetical order are among those compared.
    assert len(crowd) > name_search.CANDIDATES
    assert await search(contacts, "asociatia culturla") == ["Asociația Culturală Banat"]


async def test_words_are_scored_as_pg_trgm_scores_them(contacts: ServiceRuntime) -> None:
    if contacts.engine.dialect.name != "postgresql":
        pytest.skip("pg_trgm is PostgreSQL's")
    pairs = [
        ("culturla", "culturala"),
        ("popsecu", "popescu"),
        ("ioanna", "oana"),
        ("timisoaar", "timisoarei"),
        ("marja", "mario"),
        ("asociatia", "fundatia"),
        ("abc1", "abc12"),
    ]
    async with contacts.session_factory() as session:
        for typed, known in pairs:
            theirs = await session.scalar(select(func.similarity(typed, known)))
            ours = name_search.similarity(name_search.trigrams(typed), name_search.trigrams(known))
            assert ours == pytest.approx(float(theirs), abs=1e-6), (typed, known)


def test_alternatives_keep_the_best_within_the_spread() -> None:
    pick = name_search.alternatives
    assert pick("x", []) == []
    assert pick("marja", [("maria", 1 / 3), ("mario", 1 / 3)]) == ["maria", "mario"]
    # 0.4 - SPREAD is 0.3 exactly, as PostgreSQL's float4 scores make it too.
    assert pick("w", [("a", 0.4000000059604645), ("b", 0.30000001192092896)]) == ["a", "b"]
    assert pick("w", [("a", 0.4), ("b", 0.3)]) == ["a", "b"]
    assert pick("w", [("a", 0.8), ("b", 0.65), ("c", 0.5)]) == ["a"]
    assert pick("w", [("a", 0.5), ("b", 0.5), ("c", 0.5), ("d", 0.5)]) == ["a", "b", "c"]
    assert pick("w", [("a", 0.5), ("w", 0.45)]) == []  # "w" is a known word


async def test_words_follow_names_written_renamed_and_erased(contacts: ServiceRuntime) -> None:
    org = await make(contacts, "Fundația Zamolxis")
    person = await make_person(contacts, "Mădălina", "Lăzărescu")
    assert {"fundatia", "zamolxis", "madalina", "lazarescu"} <= await words(contacts)
    await call(
        contacts,
        c.UpdateOrganization(id=org.id, expected_version=org.version, legal_name="Fundația Dacia"),
    )
    after_rename = await words(contacts)
    assert "zamolxis" not in after_rename
    assert {"fundatia", "dacia"} <= after_rename
    assert await search(contacts, "fundatia dacai") == ["Fundația Dacia"]
    await call(contacts, c.ErasePerson(id=person.id))
    assert not {"madalina", "lazarescu"} & await words(contacts)
    assert "fundatia" in await words(contacts)  # still some name's word


async def test_another_factorys_sessions_write_no_words(contacts: ServiceRuntime) -> None:
    org = await make(contacts, "Fundația Dacia")
    # The contacts service's sessions keep the vocabulary...
    async with contacts.session_factory() as session, session.begin():
        row = await session.get(Organization, org.id)
        assert row is not None
        row.search_key = "fundatia dacia getica"
    assert {"fundatia", "dacia", "getica"} <= await words(contacts)
    # ...a session of another factory, on the same database, leaves it alone.
    other = create_session_factory(contacts.engine)
    async with other() as session, session.begin():
        row = await session.get(Organization, org.id)
        assert row is not None
        row.search_key = "fundatia burebista"
    assert "burebista" not in await words(contacts)
    assert "getica" in await words(contacts)  # no prune either


async def test_a_database_without_the_vocabulary_still_takes_names(
    contacts: ServiceRuntime, test_databases: TestDatabases
) -> None:
    # Another service's database (no search_word table), in the same process as contacts.
    engine = create_engine(await test_databases.create())
    try:
        async with engine.begin() as connection:
            if engine.dialect.name == "postgresql":  # the name's trigram index needs it
                await connection.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            await connection.run_sync(Organization.metadata.create_all, [Organization.__table__])
        now = utcnow()
        async with create_session_factory(engine)() as session, session.begin():
            session.add(
                Organization(
                    id=new_id(),
                    kind=c.OrganizationKind.ASSOCIATION,
                    legal_name="Asociația Getica",
                    source=c.OrganizationSource.MANUAL,
                    status=c.OrganizationStatus.ACTIVE,
                    search_key="asociatia getica",
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
        async with engine.connect() as connection:
            count = select(func.count()).select_from(Organization)
            assert await connection.scalar(count) == 1
    finally:
        await engine.dispose()
