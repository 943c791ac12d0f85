"""Contacts contracts: limits, patch semantics, message subjects."""

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from punte_contracts import contacts as c
from punte_contracts.rpc import Request
from pydantic import ValidationError


def paths(error: ValidationError) -> list[tuple[str | int, ...]]:
    return [tuple(e["loc"]) for e in error.errors()]


def test_names_are_stripped_and_required() -> None:
    org = c.CreateOrganization(kind=c.OrganizationKind.COMPANY, legal_name="  Banat Soft  ")
    assert org.legal_name == "Banat Soft"
    with pytest.raises(ValidationError) as caught:
        c.CreateOrganization(kind=c.OrganizationKind.COMPANY, legal_name="   ")
    assert paths(caught.value) == [("legal_name",)]


def test_huge_fields_and_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        c.CreatePerson(family_name="Pop", notes="x" * (c.MAX_NOTES + 1))
    assert paths(caught.value) == [("notes",)]
    with pytest.raises(ValidationError) as caught:
        c.CreatePerson.model_validate({"family_name": "Pop", "cnp": "1800101350001"})
    assert paths(caught.value) == [("cnp",)]
    with pytest.raises(ValidationError):
        c.CreatePerson(family_name="Pop", emails=["a@b.ro"] * (c.MAX_LIST + 1))


def test_caen_codes_carry_their_revision() -> None:
    assert c.CaenCode(code="6201", revision="rev3").revision == "rev3"
    with pytest.raises(ValidationError):
        c.CaenCode(code="620", revision="rev2")
    with pytest.raises(ValidationError):
        c.CaenCode.model_validate({"code": "6201", "revision": "rev1"})


def test_an_update_survives_a_full_dump_and_clears_only_what_it_names() -> None:
    update = c.UpdateOrganization(id=uuid4(), expected_version=3, short_name="UVT")
    wire = c.UpdateOrganization.model_validate_json(update.model_dump_json())
    assert wire.legal_name is None  # null means unchanged
    assert wire.short_name == "UVT"
    cleared = c.UpdateOrganization(id=uuid4(), expected_version=1, clear=["cui", "website"])
    assert cleared.clear == ["cui", "website"]
    with pytest.raises(ValidationError):
        c.UpdateOrganization.model_validate(
            {"id": str(uuid4()), "expected_version": 1, "clear": ["legal_name"]}
        )
    with pytest.raises(ValidationError):
        c.UpdateOrganization(id=uuid4(), expected_version=1, cui="18547290", clear=["cui"])
    with pytest.raises(ValidationError):
        c.UpdatePerson(id=uuid4(), expected_version=0)


def test_one_owner_for_lists_and_someone_in_every_interaction() -> None:
    with pytest.raises(ValidationError):
        c.ListInteractionsFor()
    with pytest.raises(ValidationError):
        c.ListAffiliations(person_id=uuid4(), organization_id=uuid4())
    with pytest.raises(ValidationError):
        c.LogInteraction(kind=c.InteractionKind.CALL, occurred_at=datetime.now(UTC), subject="Apel")
    with pytest.raises(ValidationError):
        c.LogInteraction.model_validate(
            {
                "kind": "call",
                "occurred_at": "2026-01-01T10:00:00",
                "subject": "Apel",
                "person_ids": [str(uuid4())],
            }
        )


def test_message_types_follow_the_subject_scheme() -> None:
    assert c.OrganizationCreated.message_type() == "punte.msg.contacts.organization.created.v1"
    assert c.PersonUpdated.message_type() == "punte.msg.contacts.person.updated.v1"
    assert c.AffiliationEnded.message_type() == "punte.msg.contacts.affiliation.ended.v1"
    assert c.InteractionLogged.message_type() == "punte.msg.contacts.interaction.logged.v1"
    assert c.OrganizationArchived.message_type() == "punte.msg.contacts.organization.archived.v1"
    assert c.ConsentChanged.message_type() == "punte.msg.contacts.consent.changed.v1"


def test_request_subjects_are_under_the_service() -> None:
    requests = [v for v in vars(c).values() if isinstance(v, type) and issubclass(v, Request)]
    endpoints = [r.request_subject for r in requests]
    assert len(endpoints) == len(set(endpoints)) >= 34
    assert all(s.startswith("punte.contacts.") for s in endpoints)


def test_the_exports_are_named_for_what_they_export() -> None:
    assert c.ExportOrganizations.request_subject == "punte.contacts.organization.export"
    assert c.ExportPeople.request_subject == "punte.contacts.person.export"
    assert c.ExportPersonData.request_subject == "punte.contacts.person.export_data"
    assert c.ExportPersonData.reply_model() is c.PersonDataExport


def test_duplicate_suggestions_take_an_id_or_a_draft() -> None:
    assert c.SuggestOrganizationDuplicates(organization_id=uuid4()).limit == 10
    assert c.SuggestOrganizationDuplicates(legal_name="Banat Soft").organization_id is None
    with pytest.raises(ValidationError):
        c.SuggestOrganizationDuplicates()
    with pytest.raises(ValidationError):
        c.SuggestOrganizationDuplicates(organization_id=uuid4(), cui="18547290")


def test_a_merge_needs_two_records_and_known_fields() -> None:
    one = uuid4()
    with pytest.raises(ValidationError):
        c.MergeOrganizations(
            primary_id=one,
            primary_expected_version=1,
            secondary_id=one,
            secondary_expected_version=1,
        )
    with pytest.raises(ValidationError) as caught:
        c.MergePeople.model_validate(
            {
                "primary_id": str(uuid4()),
                "primary_expected_version": 1,
                "secondary_id": str(uuid4()),
                "secondary_expected_version": 1,
                "take_from_secondary": ["emails"],
            }
        )
    assert paths(caught.value) == [("take_from_secondary", 0)]


def test_merge_messages_have_their_subjects() -> None:
    assert c.OrganizationMerged.message_type().endswith("contacts.organization.merged.v1")
    assert c.PersonUnmerged.message_type().endswith("contacts.person.unmerged.v1")
