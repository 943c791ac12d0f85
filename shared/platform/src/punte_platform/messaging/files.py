"""Files staged in a JetStream object store, so that no file has to fit in one NATS message."""

import asyncio
import hashlib
import io
import logging
from datetime import UTC, datetime, timedelta

from nats.js import JetStreamContext
from nats.js.api import ObjectMeta, ObjectStoreConfig, StorageType
from nats.js.errors import BadRequestError, NotFoundError
from nats.js.object_store import ObjectStore
from punte_contracts.files import StagedFile
from pydantic import ValidationError

from punte_platform.errors import ServiceError
from punte_platform.ids import new_id

log = logging.getLogger(__name__)

FILENAME_HEADER = "Punte-Filename"
MEDIA_TYPE_HEADER = "Punte-Media-Type"
SHA256_HEADER = "Punte-Sha256"
DEFAULT_MEDIA_TYPE = "application/octet-stream"
# Reading a file waits on many chunk messages; give it longer than one request, but a bound.
READ_TIMEOUT_SECONDS = 60.0
# An object whose chunks are about to expire is treated as gone: its meta outlives its chunks
# by a moment, and a read would then wait for chunks that no longer exist.
EXPIRY_MARGIN = timedelta(seconds=5)


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

    async def put(self, data: bytes, *, filename: str, media_type: str) -> StagedFile:
        """Stage a file under a new id; refused when larger than `max_bytes`."""
        if len(data) > self.max_bytes:
            raise ServiceError.invalid(
                ["file"],
                f"the file has {len(data)} bytes; at most {self.max_bytes} are accepted",
            )
        try:
            staged = StagedFile(
                id=str(new_id()),
                filename=filename,
                media_type=media_type or DEFAULT_MEDIA_TYPE,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
        except ValidationError as error:
            raise ServiceError.from_validation_error(error) from error
        # Header values are lists, as Go's nats.Header has them, so other clients read them too.
        headers = {
            FILENAME_HEADER: [staged.filename],
            MEDIA_TYPE_HEADER: [staged.media_type],
            SHA256_HEADER: [staged.sha256],
        }
        meta = ObjectMeta(name=staged.id, description=staged.filename, headers=headers)
        await (await self._bucket()).put(staged.id, data, meta=meta)
        return staged

    async def get(self, file_id: str) -> tuple[StagedFile, bytes]:
        """A staged file and its bytes; `not_found` when it never existed or has expired."""
        store = await self._bucket()
        if not file_id:
            raise ServiceError.not_found("staged file", file_id)
        try:
            info = await store.get_info(file_id)
        except NotFoundError as error:
            raise ServiceError.not_found("staged file", file_id) from error
        if self._expired(info.mtime):
            raise ServiceError.not_found("staged file", file_id)
        buffer = io.BytesIO()
        try:
            # Written into a buffer: nats-py otherwise grows one bytes object chunk by chunk.
            await asyncio.wait_for(store.get(file_id, writeinto=buffer), READ_TIMEOUT_SECONDS)
        except NotFoundError as error:
            raise ServiceError.not_found("staged file", file_id) from error
        except TimeoutError as error:
            raise ServiceError.unavailable(f"staged file {file_id} could not be read") from error
        data = buffer.getvalue()
        headers = info.headers or {}
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


def _header(headers: dict[str, object], name: str) -> str | None:
    value = headers.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, str) and value else None
