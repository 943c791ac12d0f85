"""Files staged in a JetStream object store, so that no file has to fit in one NATS message."""

import asyncio
import base64
import contextlib
import hashlib
import io
import json
import logging
import unicodedata
from collections import defaultdict
from collections.abc import AsyncIterable, AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from nats.js import JetStreamContext
from nats.js.api import ObjectInfo, ObjectMetaOptions, ObjectStoreConfig, StorageType
from nats.js.errors import APIError, BadRequestError, NotFoundError
from nats.js.object_store import ObjectStore
from punte_contracts.errors import ErrorCode, FieldError
from punte_contracts.files import StagedFile
from pydantic import ValidationError

from punte_platform.context import CallContext, current_context
from punte_platform.errors import ServiceError
from punte_platform.ids import new_id

log = logging.getLogger(__name__)

FILENAME_HEADER = "Punte-Filename"
MEDIA_TYPE_HEADER = "Punte-Media-Type"
SHA256_HEADER = "Punte-Sha256"
# The actor who staged the file (`user:<id>`, `apikey:<id>`, `system:<service>`).
OWNER_HEADER = "Punte-Owner"
# Held by admins: read or import any staged file, not only one's own.
READ_ANY_FILE_PERMISSION = "files:read_any"
# What `ServiceError.body.details["refusal"]` says when a file is not taken.
REFUSAL_DETAIL = "refusal"
CHUNK_BYTES = 128 * 1024
DEFAULT_MEDIA_TYPE = "application/octet-stream"
# Reading a file waits on many chunk messages; give it longer than one request, but a bound.
READ_TIMEOUT_SECONDS = 60.0
# An object whose chunks are about to expire is treated as gone: its meta outlives its chunks
# by a moment, and a read would then wait for chunks that no longer exist.
EXPIRY_MARGIN = timedelta(seconds=5)


class Refusal(StrEnum):
    """Why a file was not staged; HTTP answers 413 for the first, 507 for the others."""

    TOO_LARGE = "file_too_large"
    QUOTA_EXCEEDED = "quota_exceeded"
    STORE_FULL = "store_full"


def _refused(refusal: Refusal, message: str) -> ServiceError:
    code = ErrorCode.UNAVAILABLE if refusal is Refusal.STORE_FULL else ErrorCode.VALIDATION_FAILED
    return ServiceError.of(
        code, message, [FieldError(path=["file"], message=message)], **{REFUSAL_DETAIL: refusal}
    )


@dataclass(frozen=True)
class Quota:
    """How much one owner may keep staged at once."""

    max_bytes: int
    max_files: int


@dataclass
class Usage:
    """What one owner has staged (or is staging)."""

    bytes: int = 0
    files: int = 0


def clean_filename(filename: str) -> str:
    """The name without control or format characters (newlines, bidi overrides that disguise
    an extension) and without path separators; "file" when nothing is left."""
    text = unicodedata.normalize("NFC", filename)
    kept = "".join(
        "_" if ch in "/\\" else ch for ch in text if unicodedata.category(ch) not in {"Cc", "Cf"}
    )
    return kept.strip()[:255] or "file"


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


class FileStore:
    """Files staged in a JetStream object store between the gateway and services."""

    def __init__(
        self,
        js: JetStreamContext,
        *,
        bucket: str,
        ttl_seconds: int,
        max_bytes: int,
        bucket_max_bytes: int = -1,
        replicas: int = 1,
    ) -> None:
        self._js = js
        self.bucket = bucket
        self.ttl_seconds = ttl_seconds
        self.max_bytes = max_bytes
        self.bucket_max_bytes = bucket_max_bytes
        self.replicas = replicas
        self._store: ObjectStore | None = None
        # Per owner, uploads under way in this process and all it has finished, so parallel
        # uploads share one quota: each adds what finished since it listed the bucket.
        self._staging: defaultdict[str, Usage] = defaultdict(Usage)
        self._finished: defaultdict[str, Usage] = defaultdict(Usage)

    async def ensure(self) -> None:
        """Create the bucket, or bring an existing one to the configured limits (idempotent)."""
        config = ObjectStoreConfig(
            description="Punte staged files (imports, exports)",
            ttl=float(self.ttl_seconds),
            max_bytes=self.bucket_max_bytes,
            storage=StorageType.FILE,
            replicas=self.replicas,
        )
        try:
            self._store = await self._js.create_object_store(self.bucket, config)
            return
        except BadRequestError:
            # It exists with other limits (or another process created it just now).
            pass
        store = await self._js.object_store(self.bucket)
        stream = (await store.status()).stream_info.config
        stream.max_age = float(self.ttl_seconds)
        stream.max_bytes = self.bucket_max_bytes
        stream.num_replicas = self.replicas
        await self._js.update_stream(stream)
        self._store = store

    async def put(
        self, data: bytes, *, filename: str, media_type: str, owner: str | None = None
    ) -> StagedFile:
        """Stage a file under a new id, owned by `owner` (default: the current caller)."""
        return await self.put_stream(
            _once(data),
            filename=filename,
            media_type=media_type,
            owner=owner if owner is not None else current_context().actor,
        )

    async def put_stream(
        self,
        chunks: AsyncIterable[bytes],
        *,
        filename: str,
        media_type: str,
        owner: str | None,
        quota: Quota | None = None,
    ) -> StagedFile:
        """Stage a file as it arrives, in chunks (never whole in memory), under a new id.

        Refused (`Refusal` in the error's details, nothing kept) when it exceeds `max_bytes`,
        when the owner's staged files would exceed `quota`, or when the bucket is full.
        """
        name = clean_filename(filename)
        media_type = media_type or DEFAULT_MEDIA_TYPE
        try:
            # Checked before the upload: a bad name should not cost a transfer.
            StagedFile(id="x", filename=name, media_type=media_type, size=0, sha256="0" * 64)
        except ValidationError as error:
            raise ServiceError.from_validation_error(error) from error
        await self._bucket()  # chunks published to a missing bucket would be lost
        staging = self._staging[owner or ""]
        finished = self._finished[owner or ""]
        stored = await self._stored(owner, quota)
        finished_before = finished.bytes
        file_id = str(new_id())
        nuid = new_id().hex
        chunk_subject = f"$O.{self.bucket}.C.{nuid}"
        digest = hashlib.sha256()
        pending = bytearray()
        size = sent = 0
        staging.files += 1
        try:
            async for piece in chunks:
                size += len(piece)
                staging.bytes += len(piece)
                if size > self.max_bytes:
                    raise _refused(
                        Refusal.TOO_LARGE,
                        f"the file is larger than the {self.max_bytes} bytes accepted",
                    )
                if quota is not None and stored is not None:
                    used = stored.bytes + (finished.bytes - finished_before) + staging.bytes
                    if used > quota.max_bytes:
                        raise _quota_exceeded(quota)
                digest.update(piece)
                pending += piece
                while len(pending) >= CHUNK_BYTES:
                    await self._publish(chunk_subject, bytes(pending[:CHUNK_BYTES]))
                    del pending[:CHUNK_BYTES]
                    sent += 1
            if pending:
                await self._publish(chunk_subject, bytes(pending))
                sent += 1
            staged = StagedFile(
                id=file_id,
                filename=name,
                media_type=media_type,
                size=size,
                sha256=digest.hexdigest(),
            )
            await self._publish_meta(staged, owner, nuid, sent, digest.digest())
            finished.files += 1
            finished.bytes += size
        except BaseException:
            with contextlib.suppress(Exception):
                await self._js.purge_stream(f"OBJ_{self.bucket}", subject=chunk_subject)
            raise
        finally:
            staging.files -= 1
            staging.bytes -= size
        return staged

    async def _stored(self, owner: str | None, quota: Quota | None) -> Usage | None:
        """What the owner has stored (None without a quota); refused when the quota is used
        up already, counting the uploads under way."""
        if quota is None:
            return None
        stored = await self.usage(owner)
        staging = self._staging[owner or ""]
        if (
            stored.files + staging.files >= quota.max_files
            or stored.bytes + staging.bytes >= quota.max_bytes
        ):
            raise _quota_exceeded(quota)
        return stored

    async def usage(self, owner: str | None) -> Usage:
        """What `owner` has staged and not yet expired."""
        store = await self._bucket()
        try:
            infos = await store.list(ignore_deletes=True)
        except NotFoundError:
            return Usage()
        usage = Usage()
        for info in infos:
            if _header(info.headers or {}, OWNER_HEADER) == owner and not self._expired(info.mtime):
                usage.files += 1
                usage.bytes += info.size or 0
        return usage

    async def _publish(self, subject: str, payload: bytes) -> None:
        with _full_store_refused():
            await self._js.publish(subject, payload)

    async def _publish_meta(
        self,
        staged: StagedFile,
        owner: str | None,
        nuid: str,
        chunks: int,
        sha256: bytes,
    ) -> None:
        """Publish the object's description, as nats-py's `ObjectStore.put` would."""
        # Header values are lists, as Go's nats.Header has them, so other clients read them too.
        headers = {
            FILENAME_HEADER: [staged.filename],
            MEDIA_TYPE_HEADER: [staged.media_type],
            SHA256_HEADER: [staged.sha256],
        }
        if owner:
            headers[OWNER_HEADER] = [owner]
        info = ObjectInfo(
            name=staged.id,
            description=staged.filename,
            headers=headers,
            options=ObjectMetaOptions(max_chunk_size=CHUNK_BYTES),
            bucket=self.bucket,
            nuid=nuid,
            size=staged.size,
            chunks=chunks,
            mtime=datetime.now(UTC).isoformat(),
            digest="SHA-256=" + base64.urlsafe_b64encode(sha256).decode(),
        )
        subject = f"$O.{self.bucket}.M.{base64.urlsafe_b64encode(staged.id.encode()).decode()}"
        with _full_store_refused():
            await self._js.publish(
                subject, json.dumps(info.as_dict()).encode(), headers={"Nats-Rollup": "sub"}
            )

    async def get(self, file_id: str, *, check_owner: bool = True) -> tuple[StagedFile, bytes]:
        """A staged file and its bytes; `not_found` when it never existed or has expired.

        Only its owner, or a caller holding `files:read_any` (admins, services' own actors),
        may read it: the caller is the current call context. `check_owner=False` is for a
        caller whose right was proven otherwise (a signed download link).
        """
        store = await self._bucket()
        if not file_id:
            raise ServiceError.not_found("staged file", file_id)
        try:
            info = await store.get_info(file_id)
        except NotFoundError as error:
            raise ServiceError.not_found("staged file", file_id) from error
        if self._expired(info.mtime):
            raise ServiceError.not_found("staged file", file_id)
        headers = info.headers or {}
        if check_owner:
            _check_reader(current_context(), _header(headers, OWNER_HEADER))
        buffer = io.BytesIO()
        try:
            # Written into a buffer: nats-py otherwise grows one bytes object chunk by chunk.
            await asyncio.wait_for(store.get(file_id, writeinto=buffer), READ_TIMEOUT_SECONDS)
        except NotFoundError as error:
            raise ServiceError.not_found("staged file", file_id) from error
        except TimeoutError as error:
            raise ServiceError.unavailable(f"staged file {file_id} could not be read") from error
        data = buffer.getvalue()
        staged = StagedFile(
            id=file_id,
            filename=_header(headers, FILENAME_HEADER) or info.description or file_id,
            media_type=_header(headers, MEDIA_TYPE_HEADER) or DEFAULT_MEDIA_TYPE,
            size=len(data),
            sha256=_header(headers, SHA256_HEADER) or hashlib.sha256(data).hexdigest(),
        )
        return staged, data

    async def _bucket(self) -> ObjectStore:
        if self._store is None:
            self._store = await self._js.object_store(self.bucket)
        return self._store

    def _expired(self, mtime: str | None) -> bool:
        if not mtime:
            return False
        try:
            written = datetime.fromisoformat(mtime)
        except ValueError:
            # Another client's timestamp we cannot read: let the stream's own expiry decide.
            return False
        if written.tzinfo is None:
            written = written.replace(tzinfo=UTC)
        expires = written + timedelta(seconds=self.ttl_seconds) - EXPIRY_MARGIN
        return datetime.now(UTC) >= expires


@contextlib.contextmanager
def _full_store_refused() -> Iterator[None]:
    """JetStream refuses writes past the bucket's max_bytes (discard policy "new"): a user
    error saying so, not a server error."""
    try:
        yield
    except APIError as error:
        if "maximum bytes" in str(error.description or "").lower():
            raise _refused(
                Refusal.STORE_FULL, "the file store is full; try again later (staged files expire)"
            ) from None
        raise


def _quota_exceeded(quota: Quota | None) -> ServiceError:
    limits = f"{quota.max_files} files, {quota.max_bytes} bytes" if quota else "the quota"
    return _refused(
        Refusal.QUOTA_EXCEEDED,
        f"your staged files would exceed your quota ({limits}); "
        "use or wait for the ones you staged (they expire)",
    )


def _check_reader(reader: CallContext, owner: str | None) -> None:
    """Refuse a caller who neither staged the file nor may read any."""
    if owner is not None and reader.actor == owner:
        return
    if reader.may(READ_ANY_FILE_PERMISSION):
        return
    raise ServiceError.forbidden("the staged file belongs to someone else: upload it yourself")


def _header(headers: dict[str, object], name: str) -> str | None:
    value = headers.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None
