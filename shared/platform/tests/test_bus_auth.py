"""The bus as a trust boundary, attacked on a real nats-server with the system's permissions:
no anonymous connection, no service calling another, no one reading what is not theirs, and
no request believed unless the gateway signed its caller's context."""

import asyncio
import json
import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import nats
import pytest
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import NoServersError
from punte_contracts.errors import ErrorCode, ServiceErrorBody
from punte_platform.context import ACTOR_HEADER, PERMISSIONS_HEADER, CallContext
from punte_platform.messaging import bus_auth
from punte_platform.messaging.bus_auth import BusCredentials
from punte_platform.messaging.trust import ContextSigner, generate_seed, public_key
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import NatsServer, nats_identity, test_credentials
from punte_platform.testing.probe import Echo, RecordChange, RecordGuarded
from punte_platform.testing.waiting import eventually

EXPORT = "punte.contacts.person.export_data"


class Connection:
    """A client connected as one identity, keeping the errors the server sent it."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.nc = Client()

    async def on_error(self, error: Exception) -> None:
        self.errors.append(str(error).lower())

    def violations(self) -> list[str]:
        return [e for e in self.errors if "permissions violation" in e]


@asynccontextmanager
async def connected(server: NatsServer, identity: str) -> AsyncIterator[Connection]:
    connection = Connection()
    await connection.nc.connect(
        server.url,
        error_cb=connection.on_error,
        allow_reconnect=False,
        **nats_identity(identity).options(),
    )
    try:
        yield connection
    finally:
        await connection.nc.close()


async def received(nc: Client, subject: str) -> list[Msg]:
    """Subscribe (as a listener that may) and return the list its messages land in."""
    messages: list[Msg] = []

    async def keep(message: Msg) -> None:
        messages.append(message)

    await nc.subscribe(subject, cb=keep)
    await nc.flush()
    return messages


async def refused(connection: Connection, subject: str) -> None:
    """Wait until the server said no to what was sent on `subject`: nothing of it was routed."""
    await connection.nc.flush()
    await eventually(
        lambda: asyncio.sleep(0, connection.violations()),
        lambda violations: any(subject.lower() in v for v in violations),
    )


async def delivered(messages: list[Msg], count: int) -> list[str]:
    """The subjects of the messages a listener got, once it has `count` of them."""
    await eventually(lambda: asyncio.sleep(0, messages), lambda m: len(m) >= count)
    return [m.subject for m in messages]


async def test_a_connection_without_credentials_is_refused(nats_server: NatsServer) -> None:
    with pytest.raises((NoServersError, nats.errors.Error)):
        await nats.connect(nats_server.url, allow_reconnect=False, connect_timeout=2)


async def test_a_connection_with_an_unknown_key_is_refused(nats_server: NatsServer) -> None:
    with pytest.raises((NoServersError, nats.errors.Error)):
        await nats.connect(
            nats_server.url,
            allow_reconnect=False,
            connect_timeout=2,
            nkeys_seed_str=generate_seed(),
        )


async def test_a_service_cannot_call_another_service(nats_server: NatsServer) -> None:
    async with (
        connected(nats_server, "harness") as listener,
        connected(nats_server, "events") as events,
    ):
        arrived = await received(listener.nc, EXPORT)
        await events.nc.publish(EXPORT, b"{}", reply=events.nc.new_inbox())
        await refused(events, EXPORT)
        await listener.nc.flush()
        assert arrived == []


async def test_only_the_gateway_calls_services(nats_server: NatsServer) -> None:
    async with (
        connected(nats_server, "harness") as listener,
        connected(nats_server, "gateway") as gateway,
    ):
        arrived = await received(listener.nc, EXPORT)
        await gateway.nc.publish(EXPORT, b"{}")
        await gateway.nc.flush()
        assert gateway.errors == []
        assert await delivered(arrived, 1) == [EXPORT]


@pytest.mark.parametrize(
    "subject",
    [
        ">",  # all traffic
        "punte.>",  # every request and message
        "punte.contacts.>",  # answering in the contacts service's place
        "_INBOX.>",  # every reply
        "_INBOX.gateway.>",  # the gateway's replies
    ],
)
async def test_a_service_cannot_listen_where_it_does_not_belong(
    nats_server: NatsServer, subject: str
) -> None:
    async with (
        connected(nats_server, "harness") as sender,
        connected(nats_server, "events") as events,
    ):
        overheard = await received(events.nc, subject)
        await refused(events, subject)
        # Sent after the refusal, flushed through the server before the check.
        await sender.nc.publish("punte.contacts.person.export_data", b"{}")
        await sender.nc.publish("_INBOX.gateway.abc.1", b"{}")
        await sender.nc.flush()
        await events.nc.flush()
        assert overheard == []


async def test_a_service_publishes_its_own_messages_only(nats_server: NatsServer) -> None:
    async with (
        connected(nats_server, "harness") as listener,
        connected(nats_server, "events") as events,
    ):
        # Subjects of this test only: the shared server carries other tests' messages.
        arrived = await received(listener.nc, "punte.msg.*.bus_test.>")
        await events.nc.publish("punte.msg.contacts.bus_test.erased.v1", b"{}")
        await refused(events, "punte.msg.contacts.bus_test.erased.v1")
        await events.nc.publish("punte.msg.events.bus_test.created.v1", b"{}")
        # In order: the refused one would have come first.
        assert await delivered(arrived, 1) == ["punte.msg.events.bus_test.created.v1"]


async def test_a_service_reads_replies_on_its_own_inbox_only(nats_server: NatsServer) -> None:
    """nats-py puts a connection's inboxes under its prefix, where only it may listen."""
    async with (
        connected(nats_server, "harness") as responder,
        connected(nats_server, "events") as events,
    ):
        inbox = events.nc.new_inbox()
        assert inbox.startswith("_INBOX.events.")
        replies = await received(events.nc, inbox)
        await responder.nc.publish(inbox, b"{}")
        assert await delivered(replies, 1) == [inbox]
        assert events.violations() == []


def error_of(reply: Msg) -> ServiceErrorBody:
    return ServiceErrorBody.model_validate(json.loads(reply.data)["error"])


async def test_forged_caller_headers_are_refused(probe: ServiceRuntime) -> None:
    assert probe.client is not None
    forged = {ACTOR_HEADER: "user:admin", PERMISSIONS_HEADER: "probe:read,probe:write"}
    for headers in (None, forged):
        reply = await probe.client.nc.request(
            RecordChange.request_subject, b'{"key":"k","seq":1}', timeout=5, headers=headers
        )
        error = error_of(reply)
        assert error.code is ErrorCode.UNAUTHENTICATED
        assert "no signed caller context" in error.message


@pytest.mark.parametrize(
    "attack", ["other key", "tampered", "other subject", "other body", "expired"]
)
async def test_a_signed_context_not_from_the_gateway_now_is_refused(
    probe: ServiceRuntime, attack: str
) -> None:
    assert probe.client is not None
    subject = RecordChange.request_subject
    body = b'{"key":"k","seq":1}'
    caller = CallContext(actor="user:1", permissions=frozenset({"probe:read"}))
    gateway = ContextSigner(test_credentials().signing_seed, ttl_seconds=60)
    expired = ContextSigner(test_credentials().signing_seed, ttl_seconds=-1)
    headers = {
        "other key": lambda: ContextSigner(generate_seed(), ttl_seconds=60).headers(
            subject, body, caller
        ),
        "tampered": lambda: {
            **gateway.headers(subject, body, caller),
            PERMISSIONS_HEADER: "probe:write",
        },
        "other subject": lambda: gateway.headers(Echo.request_subject, body, caller),
        "other body": lambda: gateway.headers(subject, b'{"key":"other","seq":1}', caller),
        "expired": lambda: expired.headers(subject, body, caller),
    }[attack]()
    reply = await probe.client.nc.request(subject, body, timeout=5, headers=headers)
    assert error_of(reply).code is ErrorCode.UNAUTHENTICATED


async def test_a_signed_anonymous_context_is_refused_where_a_permission_is_needed(
    probe: ServiceRuntime,
) -> None:
    assert probe.client is not None
    signer = ContextSigner(test_credentials().signing_seed, ttl_seconds=60)
    subject = RecordGuarded.request_subject
    body = b'{"key":"k","seq":1}'
    headers = signer.headers(subject, body, CallContext())
    reply = await probe.client.nc.request(subject, body, timeout=5, headers=headers)
    error = error_of(reply)
    assert error.code is ErrorCode.FORBIDDEN
    assert "anonymous lacks probe:write" in error.message


def test_development_keys_are_made_once_owner_only_and_reused(tmp_path: Path) -> None:
    keys = tmp_path / "credentials"
    first = BusCredentials.load_or_create(keys, ["contacts", "gateway"])
    again = BusCredentials.load_or_create(keys, ["contacts", "gateway"])
    assert again == first
    assert stat.S_IMODE(keys.stat().st_mode) == 0o700
    assert {stat.S_IMODE(f.stat().st_mode) for f in keys.iterdir()} == {0o600}


def test_a_process_is_handed_its_own_key_files_only(tmp_path: Path) -> None:
    credentials = BusCredentials.load_or_create(tmp_path, ["contacts", "gateway"])
    contacts = credentials.file_environment("contacts")
    assert contacts == {
        "PUNTE_CONTACTS_CONTEXT_VERIFY_KEY": credentials.verify_key,
        "PUNTE_CONTACTS_NATS_SEED_FILE": str(tmp_path / "contacts.nk"),
    }
    gateway = credentials.file_environment("gateway")
    assert gateway["PUNTE_GATEWAY_CONTEXT_SIGNING_SEED_FILE"] == str(
        tmp_path / "context-signing.nk"
    )


def test_the_key_command_prints_the_public_keys_of_the_seeds_it_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bus_auth.main([str(tmp_path)])
    printed = dict(line.split("=") for line in capsys.readouterr().out.splitlines())
    assert printed["PUNTE_CONTACTS_NKEY"] == public_key((tmp_path / "contacts.nk").read_text())
    signing = (tmp_path / "context-signing.nk").read_text()
    assert printed["PUNTE_CONTEXT_VERIFY_KEY"] == public_key(signing)
