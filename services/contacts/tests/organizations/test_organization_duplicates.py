"""Duplicate suggestions: shared identifiers and similar names, as hints, never blocks."""

from typing import Any

from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime

from ..conftest import call, call_error

R = c.DuplicateReason


async def make(runtime: ServiceRuntime, name: str, **values: Any) -> c.Organization:
    body = c.CreateOrganization(kind=c.OrganizationKind.COMPANY, legal_name=name, **values)
    return await call(runtime, body)


async def suggest(runtime: ServiceRuntime, **values: Any) -> list[tuple[str, list[R]]]:
    reply = await call(runtime, c.SuggestOrganizationDuplicates(**values))
    return [(d.organization.legal_name, d.reasons) for d in reply.items]


async def test_a_draft_meets_its_likely_twins_most_likely_first(contacts: ServiceRuntime) -> None:
    await make(contacts, "Banat Soft S.R.L.", cui="18547290", emails=["office@banatsoft.ro"])
    await make(contacts, "Bega Logistic S.R.L.", phones=["0256 408 300"])
    await make(contacts, "Fabrica de Bere Timișoreana S.A.")

    assert await suggest(contacts, cui="RO18547290") == [("Banat Soft S.R.L.", [R.SAME_CUI])]
    assert await suggest(contacts, emails=["OFFICE@banatsoft.ro"]) == [
        ("Banat Soft S.R.L.", [R.SAME_EMAIL])
    ]
    assert await suggest(contacts, phones=["+40256408300", "not a phone"]) == [
        ("Bega Logistic S.R.L.", [R.SAME_PHONE])
    ]
    # Legal-form words do not count, diacritics fold.
    for draft in ("SC Banat Soft SRL", "Banat Soft", "BANAT SOFT S.A."):
        assert await suggest(contacts, legal_name=draft) == [
            ("Banat Soft S.R.L.", [R.SIMILAR_NAME])
        ]
    assert await suggest(contacts, legal_name="Fabrica de bere Timisoreana") == [
        ("Fabrica de Bere Timișoreana S.A.", [R.SIMILAR_NAME])
    ]
    combined = await suggest(
        contacts, legal_name="Bega Logistic", phones=["0256408300"], cui="12345674"
    )
    assert combined == [("Bega Logistic S.R.L.", [R.SAME_PHONE, R.SIMILAR_NAME])]


async def test_a_stored_organisation_is_not_its_own_duplicate(contacts: ServiceRuntime) -> None:
    first = await make(contacts, "Iosefin Design S.R.L.", emails=["contact@iosefin.ro"])
    second = await make(contacts, "Iosefin Design", emails=["contact@iosefin.ro"])
    reply = await call(contacts, c.SuggestOrganizationDuplicates(organization_id=second.id))
    assert [d.organization.id for d in reply.items] == [first.id]
    assert reply.items[0].reasons == [R.SAME_EMAIL, R.SIMILAR_NAME]
    assert reply.items[0].score == 0.9
    missing = await call_error(contacts, c.SuggestOrganizationDuplicates(organization_id=new_id()))
    assert missing.code is ErrorCode.NOT_FOUND


async def test_typos_in_names_are_suggested_on_postgresql(contacts: ServiceRuntime) -> None:
    await make(contacts, "Continental Automotive Timișoara S.R.L.")
    found = await suggest(contacts, legal_name="Continental Automotiv Timisoara")
    if contacts.engine.dialect.name == "postgresql":
        assert found == [("Continental Automotive Timișoara S.R.L.", [R.SIMILAR_NAME])]
    else:
        assert found == []
