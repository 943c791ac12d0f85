"""Duplicate suggestions for people: the same or a similar name, a shared e-mail or phone."""

from typing import Any

from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from ..conftest import call, call_error


async def make_person(runtime: ServiceRuntime, given: str, family: str, **values: Any) -> c.Person:
    body = c.CreatePerson(given_name=given, family_name=family, **values)
    return await call(runtime, body)


async def suggest(runtime: ServiceRuntime, **values: Any) -> list[c.PersonDuplicate]:
    body = c.SuggestPersonDuplicates(**values)
    return (await call(runtime, body)).items


def summary(items: list[c.PersonDuplicate]) -> list[tuple[str, list[c.DuplicateReason]]]:
    return [(f"{d.person.given_name} {d.person.family_name}", d.reasons) for d in items]


async def test_a_draft_with_the_same_name_in_other_spelling_or_order(
    contacts: ServiceRuntime,
) -> None:
    await make_person(contacts, "Ştefan", "Mureşan")
    await make_person(contacts, "Ana", "Popescu")
    for given, family in (("stefan", "MURESAN"), ("Mureșan", "Ștefan")):
        found = await suggest(contacts, given_name=given, family_name=family)
        assert summary(found) == [("Ștefan Mureșan", [c.DuplicateReason.SAME_NAME])]
        assert found[0].score == 0.75


async def test_shared_email_and_phone_rank_first(contacts: ServiceRuntime) -> None:
    await make_person(contacts, "Ioana", "Bălan", emails=["ioana.balan@primariatm.ro"])
    await make_person(contacts, "Ion", "Vlad", phones=["0722 123 456"])
    await make_person(contacts, "Ioana", "Balan")
    found = await suggest(
        contacts,
        given_name="Ioana",
        family_name="Bălan",
        emails=["Ioana.Balan@PrimariaTM.ro"],
        phones=["+40722123456"],
    )
    assert summary(found) == [
        ("Ioana Bălan", [c.DuplicateReason.SAME_EMAIL, c.DuplicateReason.SAME_NAME]),
        ("Ion Vlad", [c.DuplicateReason.SAME_PHONE]),
        ("Ioana Balan", [c.DuplicateReason.SAME_NAME]),
    ]
    assert [d.score for d in found] == [0.9, 0.8, 0.75]


async def test_a_similar_given_name_with_the_same_family_name(contacts: ServiceRuntime) -> None:
    await make_person(contacts, "Ioan", "Popescu")
    await make_person(contacts, "Maria", "Popescu")
    await make_person(contacts, "Ioan", "Popa")
    found = await suggest(contacts, given_name="Ion", family_name="Popescu")
    assert summary(found)[0] == ("Ioan Popescu", [c.DuplicateReason.SIMILAR_NAME])
    assert "Maria Popescu" not in [name for name, _ in summary(found)]
    assert 0 < found[0].score < 0.75


async def test_a_stored_person_never_suggests_itself(contacts: ServiceRuntime) -> None:
    me = await make_person(contacts, "Mihai", "Țăranu", emails=["mihai@example.ro"])
    twin = await make_person(contacts, "Mihai", "Taranu", emails=["mihai@example.ro"])
    found = await suggest(contacts, person_id=me.id)
    assert [d.person.id for d in found] == [twin.id]
    assert found[0].reasons == [c.DuplicateReason.SAME_EMAIL, c.DuplicateReason.SAME_NAME]


async def test_nothing_alike_suggests_nothing(contacts: ServiceRuntime) -> None:
    await make_person(contacts, "Andrei", "Albu")
    assert await suggest(contacts, given_name="Zamfira", family_name="Xenopol") == []


async def test_an_unknown_person_is_not_found(contacts: ServiceRuntime) -> None:
    error = await call_error(contacts, c.SuggestPersonDuplicates(person_id=new_id()))
    assert error.code is ErrorCode.NOT_FOUND


async def test_merged_people_are_left_out(contacts: ServiceRuntime) -> None:
    kept = await make_person(contacts, "Elena", "Radu")
    gone = await make_person(contacts, "Elena", "Radu")
    await call(
        contacts,
        c.MergePeople(
            primary_id=kept.id,
            primary_expected_version=kept.version,
            secondary_id=gone.id,
            secondary_expected_version=gone.version,
        ),
    )
    found = await suggest(contacts, given_name="Elena", family_name="Radu")
    assert [d.person.id for d in found] == [kept.id]
