"""Staged files: a round trip through the object store, its limits and its errors."""

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator

import pytest
from nats.aio.client import Client
from punte_contracts.errors import ErrorCode
from punte_contracts.files import STAGED_FILE_MAX_BYTES
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.files import FileStore
from punte_platform.messaging.nats import connect
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import NatsServer, nats_identity


@pytest.fixture
async def nc(nats_server: NatsServer) -> AsyncIterator[Client]:
    client = await connect(nats_server.url, "test-files", attempts=3, identity=nats_identity())
    yield client
    await client.close()


def a_store(nc: Client, **overrides: int) -> FileStore:
    """A store on a bucket of its own, so tests sharing the nats-server do not meet."""
    limits = {"ttl_seconds": 3600, "max_bytes": 5_000_000} | overrides
    return FileStore(nc.jetstream(timeout=5), bucket=f"test-{new_id().hex}", **limits)


async def test_a_staged_file_comes_back_with_its_name_type_and_digest(nc: Client) -> None:
    store = a_store(nc)
    await store.ensure()
    data = "nume,cui\nPrimăria Timișoara,4269282\n".encode()
    staged = await store.put(data, filename="organizații Timișoara.csv", media_type="text/csv")
    assert staged.size == len(data)
    assert staged.sha256 == hashlib.sha256(data).hexdigest()

    found, read = await store.get(staged.id)
    assert read == data
    assert found == staged
    assert found.filename == "organizații Timișoara.csv"

    # Another store on the same bucket (another process) reads it as well.
    other = FileStore(nc.jetstream(), bucket=store.bucket, ttl_seconds=3600, max_bytes=5_000_000)
    assert (await other.get(staged.id))[1] == data


async def test_a_file_of_several_megabytes_round_trips(nc: Client) -> None:
    store = a_store(nc)
    await store.ensure()
    data = os.urandom(3_000_000)
    staged = await store.put(data, filename="mare.xlsx", media_type="application/octet-stream")
    found, read = await store.get(staged.id)
    assert len(read) == 3_000_000
    assert read == data
    assert found.sha256 == hashlib.sha256(data).hexdigest()


async def test_an_unknown_id_is_not_found(nc: Client) -> None:
    store = a_store(nc)
    await store.ensure()
    for file_id in (str(new_id()), ""):
        with pytest.raises(ServiceError) as raised:
            await store.get(file_id)
        assert raised.value.code is ErrorCode.NOT_FOUND


async def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(nc: Client) -> None:
    store = a_store(nc, max_bytes=1000)
    await store.ensure()
    with pytest.raises(ServiceError) as raised:
        await store.put(b"x" * 1001, filename="big.csv", media_type="text/csv")
    assert raised.value.code is ErrorCode.VALIDATION_FAILED
    assert raised.value.body.fields[0].path == ["file"]
    status = await (await nc.jetstream().object_store(store.bucket)).status()
    assert status.stream_info.state.messages == 0
    # Exactly at the limit is accepted.
    staged = await store.put(b"x" * 1000, filename="ok.csv", media_type="text/csv")
    assert (await store.get(staged.id))[1] == b"x" * 1000


async def test_ensure_is_idempotent_and_applies_new_limits(nc: Client) -> None:
    store = a_store(nc)
    await store.ensure()
    staged = await store.put(b"a,b\n", filename="a.csv", media_type="text/csv")
    await store.ensure()
    shorter = FileStore(nc.jetstream(), bucket=store.bucket, ttl_seconds=600, max_bytes=5_000_000)
    await shorter.ensure()
    status = await (await nc.jetstream().object_store(store.bucket)).status()
    assert status.ttl == 600
    # What was staged before survives the change of limits.
    assert (await shorter.get(staged.id))[1] == b"a,b\n"


async def test_an_expired_file_is_not_found(nc: Client) -> None:
    # Margin of expiry is five seconds: with a six-second TTL a file expires a second later.
    store = a_store(nc, ttl_seconds=6)
    await store.ensure()
    staged = await store.put(b"a,b\n", filename="a.csv", media_type="text/csv")
    assert (await store.get(staged.id))[1] == b"a,b\n"
    await asyncio.sleep(1.2)
    with pytest.raises(ServiceError) as raised:
        await store.get(staged.id)
    assert raised.value.code is ErrorCode.NOT_FOUND


async def test_a_running_service_has_its_bucket(probe: ServiceRuntime) -> None:
    settings = probe.settings
    assert settings.files_max_bytes == STAGED_FILE_MAX_BYTES
    staged = await probe.files.put(b"x", filename="x.txt", media_type="text/plain")
    assert (await probe.files.get(staged.id))[0] == staged
    status = await (await probe.jetstream().object_store(settings.files_bucket)).status()
    assert status.ttl == settings.files_ttl_seconds
