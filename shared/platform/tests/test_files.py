"""Staged files: a round trip through the object store, its limits, owners and errors."""

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Iterator

import pytest
from nats.aio.client import Client
from punte_contracts.errors import ErrorCode
from punte_contracts.files import STAGED_FILE_MAX_BYTES
from punte_platform.context import CallContext, call_context
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id
from punte_platform.messaging.files import (
    READ_ANY_FILE_PERMISSION,
    REFUSAL_DETAIL,
    FileStore,
    Quota,
    Refusal,
    clean_filename,
)
from punte_platform.messaging.nats import connect
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import NatsServer, nats_identity

UPLOADER = CallContext(actor="user:uploader")
OTHER = CallContext(actor="user:someone-else", permissions=frozenset({"contacts:import"}))
ADMIN = CallContext(actor="user:admin", permissions=frozenset({READ_ANY_FILE_PERMISSION}))


@pytest.fixture(autouse=True)
def as_uploader() -> Iterator[None]:
    """Each test acts as one user, who stages and reads its files (unless it says otherwise)."""
    with call_context(UPLOADER):
        yield


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


async def chunks_of(data: bytes, size: int = 65_536) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_a_streamed_file_round_trips_in_chunks(nc: Client) -> None:
    store = a_store(nc)
    await store.ensure()
    data = os.urandom(1_000_001)
    staged = await store.put_stream(
        chunks_of(data), filename="a.xlsx", media_type="", owner=UPLOADER.actor
    )
    assert staged.size == len(data)
    assert staged.media_type == "application/octet-stream"
    found, read = await store.get(staged.id)
    assert read == data
    assert found == staged
    # nats-py reads it (and checks the digest) as any other object.
    info = await (await nc.jetstream().object_store(store.bucket)).get_info(staged.id)
    assert info.chunks == 8


async def test_only_the_uploader_or_an_admin_reads_a_staged_file(nc: Client) -> None:
    store = a_store(nc)
    await store.ensure()
    staged = await store.put(b"a,b\n", filename="a.csv", media_type="text/csv")
    with call_context(OTHER), pytest.raises(ServiceError) as raised:
        await store.get(staged.id)
    assert raised.value.code is ErrorCode.FORBIDDEN
    with call_context(CallContext()), pytest.raises(ServiceError):
        await store.get(staged.id)
    with call_context(ADMIN):
        assert (await store.get(staged.id))[1] == b"a,b\n"
    with call_context(CallContext(actor="system:contacts")):
        assert (await store.get(staged.id))[1] == b"a,b\n"
    # A signed download link proved the right already.
    with call_context(OTHER):
        assert (await store.get(staged.id, check_owner=False))[1] == b"a,b\n"


def refusal_of(error: ServiceError) -> str:
    return error.body.details[REFUSAL_DETAIL]


async def test_quotas_count_files_and_bytes_per_owner(nc: Client) -> None:
    store = a_store(nc)
    await store.ensure()
    quota = Quota(max_bytes=1000, max_files=2)

    async def stage(data: bytes, owner: str | None = UPLOADER.actor) -> object:
        return await store.put_stream(
            chunks_of(data, 100), filename="a.csv", media_type="text/csv", owner=owner, quota=quota
        )

    await stage(b"x" * 600)
    with pytest.raises(ServiceError) as raised:
        await stage(b"x" * 401)
    assert refusal_of(raised.value) == Refusal.QUOTA_EXCEEDED
    assert "quota" in raised.value.body.message
    await stage(b"x" * 400)
    with pytest.raises(ServiceError) as raised:
        await stage(b"x")
    assert refusal_of(raised.value) == Refusal.QUOTA_EXCEEDED
    # Others have quotas of their own; refused uploads left nothing behind.
    await stage(b"x" * 1000, owner="apikey:k1")
    assert (await store.usage(UPLOADER.actor)).bytes == 1000
    assert (await store.usage("apikey:k1")).files == 1


async def test_parallel_uploads_share_one_quota(nc: Client) -> None:
    store = a_store(nc)
    await store.ensure()
    quota = Quota(max_bytes=10 * 300_000, max_files=10)
    results = await asyncio.gather(
        *(
            store.put_stream(
                chunks_of(os.urandom(1_000_000)),
                filename="a.csv",
                media_type="text/csv",
                owner=UPLOADER.actor,
                quota=quota,
            )
            for _ in range(4)
        ),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, ServiceError)]
    assert len(refused) >= 1
    assert all(refusal_of(r) == Refusal.QUOTA_EXCEEDED for r in refused)
    assert (await store.usage(UPLOADER.actor)).bytes <= quota.max_bytes


async def test_a_full_store_is_a_refusal_not_a_crash(nc: Client) -> None:
    store = a_store(nc, bucket_max_bytes=600_000)
    await store.ensure()
    await store.put(os.urandom(400_000), filename="a.bin", media_type="")
    with pytest.raises(ServiceError) as raised:
        await store.put(os.urandom(400_000), filename="b.bin", media_type="")
    assert raised.value.code is ErrorCode.UNAVAILABLE
    assert refusal_of(raised.value) == Refusal.STORE_FULL
    # The half-written file's chunks are gone: a small file still fits.
    await store.put(os.urandom(100_000), filename="c.bin", media_type="")


@pytest.mark.parametrize(
    ("given", "cleaned"),
    [
        ("raport\r\nSet-Cookie: x.csv", "raportSet-Cookie: x.csv"),
        ("factura\u202excs.exe", "facturaxcs.exe"),
        ("../../etc/passwd", ".._.._etc_passwd"),
        ("a\\b\x00c.csv", "a_bc.csv"),
        ("\x07\x1b", "file"),
        ("organizații Timișoara.csv", "organizații Timișoara.csv"),
    ],
)
def test_control_characters_and_separators_leave_filenames(given: str, cleaned: str) -> None:
    assert clean_filename(given) == cleaned


async def test_a_staged_name_is_cleaned(nc: Client) -> None:
    store = a_store(nc)
    await store.ensure()
    staged = await store.put(b"x", filename="a\nb\u202e.csv", media_type="text/csv")
    assert staged.filename == "ab.csv"
    assert (await store.get(staged.id))[0].filename == "ab.csv"
