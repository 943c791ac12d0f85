"""Contracts: the CloudEvents envelope, message types and the error body."""

from datetime import UTC, datetime
from uuid import UUID

import pytest
from punte_contracts.envelope import CloudEvent, DomainMessage
from punte_contracts.errors import ErrorCode, ServiceErrorBody
from pydantic import ValidationError


class OrganizationCreated(DomainMessage):
    message_service = "contacts"
    message_entity = "organization"
    message_verb = "created"

    organization_id: UUID
    name: str


def test_a_message_type_is_its_subject() -> None:
    assert OrganizationCreated.message_type() == "punte.msg.contacts.organization.created.v1"


def test_an_envelope_round_trips_as_cloudevents_json() -> None:
    body = OrganizationCreated(
        organization_id=UUID("01936f0e-0000-7000-8000-000000000001"), name="Primăria Timișoara"
    )
    event = CloudEvent(
        id=UUID("01936f0e-0000-7000-8000-000000000002"),
        source="punte/contacts",
        type=OrganizationCreated.message_type(),
        subject=str(body.organization_id),
        time=datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
        actor="user:1",
        data=body.model_dump(mode="json"),
    )
    wire = event.model_dump_json()
    assert '"specversion":"1.0"' in wire
    again = CloudEvent.model_validate_json(wire)
    assert again.parse_data(OrganizationCreated) == body


def test_a_message_refuses_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        OrganizationCreated.model_validate(
            {"organization_id": "01936f0e-0000-7000-8000-000000000001", "name": "x", "extra": 1}
        )


def test_error_codes_are_the_documented_ones() -> None:
    assert {c.value for c in ErrorCode} == {
        "not_found",
        "validation_failed",
        "conflict",
        "forbidden",
        "unauthenticated",
        "unavailable",
        "internal",
    }
    assert ServiceErrorBody(code=ErrorCode.CONFLICT, message="stale").fields == []
