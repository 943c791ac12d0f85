"""Connecting to NATS and keeping the JetStream stream of domain messages in shape."""

import asyncio
import logging

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from punte_contracts.envelope import MESSAGE_SUBJECT_PREFIX

from punte_platform.settings import PunteSettings

log = logging.getLogger(__name__)


async def connect(url: str, name: str, *, attempts: int | None = None) -> Client:
    """Connect, retrying until the server answers; once up, reconnect forever."""
    delay = 0.2
    attempt = 0
    while True:
        attempt += 1
        try:
            return await nats.connect(
                url,
                name=name,
                allow_reconnect=True,
                max_reconnect_attempts=-1,
                reconnect_time_wait=0.5,
                connect_timeout=2,
                ping_interval=5,
                max_outstanding_pings=2,
                error_cb=_log_error,
                disconnected_cb=_log_disconnected,
                reconnected_cb=_log_reconnected,
            )
        except (OSError, nats.errors.NoServersError, TimeoutError) as error:
            if attempts is not None and attempt >= attempts:
                raise
            log.warning("nats not reachable at %s (%s); retrying in %.1fs", url, error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)


async def _log_error(error: Exception) -> None:
    log.warning("nats error: %r", error)


async def _log_disconnected() -> None:
    log.warning("nats disconnected")


async def _log_reconnected() -> None:
    log.info("nats reconnected")


def stream_config(settings: PunteSettings) -> StreamConfig:
    """The one stream of domain messages, with every limit explicit."""
    return StreamConfig(
        name=settings.nats_stream_name,
        description="Punte domain messages (CloudEvents 1.0 JSON)",
        subjects=[f"{MESSAGE_SUBJECT_PREFIX}.>"],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        num_replicas=settings.nats_stream_replicas,
        max_age=float(settings.nats_stream_max_age_seconds),
        max_bytes=settings.nats_stream_max_bytes,
        max_msg_size=1024 * 1024,
        discard=DiscardPolicy.OLD,
        duplicate_window=float(settings.nats_stream_duplicate_window_seconds),
        allow_direct=True,
    )


async def ensure_stream(js: JetStreamContext, settings: PunteSettings) -> None:
    """Create the stream, or bring an existing one to the configured limits (idempotent)."""
    config = stream_config(settings)
    try:
        await js.stream_info(settings.nats_stream_name)
    except NotFoundError:
        try:
            await js.add_stream(config)
            return
        except BadRequestError:
            # Another process created it between our look and our add.
            pass
    await js.update_stream(config)
