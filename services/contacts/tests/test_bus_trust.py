"""A person's data export over NATS: only a request the gateway signed reaches it."""

import json

import nats
import pytest
from nats.errors import TimeoutError as NatsTimeoutError
from punte_contracts import contacts as c
from punte_contracts.errors import ErrorCode, ServiceErrorBody
from punte_platform.context import ACTOR_HEADER, PERMISSIONS_HEADER, CallContext
from punte_platform.messaging.trust import ContextSigner, generate_seed
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import nats_identity

from .conftest import WRITER, call

SUBJECT = c.ExportPersonData.request_subject


async def exported_with(
    contacts: ServiceRuntime, identity: str, headers: dict[str, str] | None, body: bytes
) -> ServiceErrorBody:
    nc = await nats.connect(contacts.settings.nats_url, **nats_identity(identity).options())
    try:
        reply = await nc.request(SUBJECT, body, timeout=5, headers=headers)
    finally:
        await nc.close()
    return ServiceErrorBody.model_validate(json.loads(reply.data)["error"])


@pytest.fixture
async def export_body(contacts: ServiceRuntime) -> bytes:
    person = await call(contacts, c.CreatePerson(family_name="Popescu", given_name="Ana"))
    return c.ExportPersonData(id=person.id).model_dump_json().encode()


async def test_the_export_refuses_a_request_without_the_gateways_signature(
    contacts: ServiceRuntime, export_body: bytes
) -> None:
    forged = {ACTOR_HEADER: WRITER.actor or "", PERMISSIONS_HEADER: ",".join(WRITER.permissions)}
    for headers in (None, forged):
        error = await exported_with(contacts, "harness", headers, export_body)
        assert error.code is ErrorCode.UNAUTHENTICATED
        assert "Popescu" not in error.model_dump_json()


async def test_the_gateways_credentials_without_its_signing_key_are_not_enough(
    contacts: ServiceRuntime, export_body: bytes
) -> None:
    signer = ContextSigner(generate_seed(), ttl_seconds=60)
    signed_elsewhere = signer.headers(SUBJECT, export_body, WRITER)
    error = await exported_with(contacts, "gateway", signed_elsewhere, export_body)
    assert error.code is ErrorCode.UNAUTHENTICATED


async def test_another_service_cannot_even_send_the_request(
    contacts: ServiceRuntime, export_body: bytes
) -> None:
    signer = ContextSigner(generate_seed(), ttl_seconds=60)
    anonymous = signer.headers(SUBJECT, export_body, CallContext())
    with pytest.raises(NatsTimeoutError):
        await exported_with(contacts, "events", anonymous, export_body)
