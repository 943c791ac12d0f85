"""Request contracts: subject, permission and reply declared on the class, checked at import."""

from uuid import UUID

import pytest
from punte_contracts.rpc import NO_PERMISSION, Contract, GetMany, GetManyReply, Request
from punte_contracts.system import HealthReply, health_request
from pydantic import ValidationError


class Thing(Contract):
    id: UUID
    name: str


class MakeThing(Request[Thing]):
    """Make a thing."""

    request_subject = "punte.test.thing.make"
    request_permission = ("test:write", "test:admin")

    name: str


class GetThings(GetMany[Thing]):
    """Things by id."""

    request_subject = "punte.test.thing.get_many"
    request_permission = "test:read"


def test_the_reply_is_the_generic_argument() -> None:
    assert MakeThing.reply_model() is Thing
    assert MakeThing(name="x").reply_model() is Thing
    assert MakeThing.permissions() == ("test:write", "test:admin")
    assert MakeThing.request_read_only is False


def test_get_many_replies_with_the_items_it_names_and_reads_only() -> None:
    assert GetThings.reply_model() is GetManyReply[Thing]
    assert GetThings.request_read_only is True
    assert GetThings.permissions() == ("test:read",)
    with pytest.raises(ValidationError):
        GetThings(ids=[UUID(int=i) for i in range(1001)])


def test_a_request_without_a_subject_or_a_permission_fails_at_import() -> None:
    with pytest.raises(TypeError, match="declares no request_permission"):

        class NoPermission(Request[Thing]):
            request_subject = "punte.test.thing.nothing"

    with pytest.raises(TypeError, match="declares no request_subject"):

        class Inherited(MakeThing):
            request_permission = "test:write"


def test_a_subject_travels_nowhere_on_the_wire() -> None:
    assert MakeThing(name="x").model_dump() == {"name": "x"}


def test_every_service_answers_a_health_request_open_to_all() -> None:
    contract = health_request("events")
    assert contract is health_request("events")
    assert contract.request_subject == "punte.events.system.health"
    assert contract.request_permission == NO_PERMISSION
    assert contract.reply_model() is HealthReply
    assert contract.request_read_only
