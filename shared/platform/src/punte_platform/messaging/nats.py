"""Connecting to NATS and keeping the JetStream stream of domain messages in shape."""

import asyncio
import logging
import ssl
from dataclasses import dataclass
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from punte_contracts.envelope import MESSAGE_SUBJECT_PREFIX

from punte_platform.settings import PunteSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NatsIdentity:
    """Who a connection authenticates as: its NKEY seed, its private inbox prefix and TLS."""

    seed: str | None = None
    inbox_prefix: str = "_INBOX"
    tls: ssl.SSLContext | None = None

    @classmethod
    def of(cls, settings: PunteSettings) -> "NatsIdentity":
        """The identity a process's settings give it (inboxes under `_INBOX.<service>`)."""
        tls = None
        if settings.nats_tls_ca_file is not None:
            tls = ssl.create_default_context(cafile=str(settings.nats_tls_ca_file))
            if settings.nats_tls_cert_file is not None:
                tls.load_cert_chain(
                    str(settings.nats_tls_cert_file),
                    str(settings.nats_tls_key_file) if settings.nats_tls_key_file else None,
                )
        return cls(
            seed=settings.nats_nkey_seed(),
            inbox_prefix=inbox_prefix(settings.service_name),
            tls=tls,
        )

    def options(self) -> dict[str, Any]:
        """nats-py connect options."""
        options: dict[str, Any] = {"inbox_prefix": self.inbox_prefix}
        if self.seed is not None:
            options["nkeys_seed_str"] = self.seed
        if self.tls is not None:
            options["tls"] = self.tls
        return options


def inbox_prefix(identity: str) -> str:
    """The inbox subjects only this identity may subscribe to (replies to its requests)."""
    return f"_INBOX.{identity}"


async def connect(
    url: str,
    name: str,
    *,
    attempts: int | None = None,
    identity: NatsIdentity | None = None,
) -> Client:
    """Connect as an identity, retrying until the server answers; once up, reconnect forever."""
    options = (identity or NatsIdentity()).options()
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
                **options,
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
