"""The stream is kept in shape idempotently; the relay prunes what it sent."""

from collections.abc import Callable

from punte_platform.messaging.nats import connect, ensure_stream
from punte_platform.runtime import ServiceRuntime
from punte_platform.testing.nats_server import NatsServer, nats_identity
from punte_platform.testing.probe import ProbeSettings, RecordChange, definition
from punte_platform.testing.services import running_service, test_settings
from punte_platform.testing.waiting import eventually
from sqlalchemy import func, select


async def test_the_stream_is_created_once_and_updated_to_new_limits(
    nats_server_factory: Callable[[], NatsServer],
) -> None:
    server = nats_server_factory()
    nc = await connect(server.url, "test", attempts=3, identity=nats_identity())
    try:
        js = nc.jetstream()
        settings = test_settings(ProbeSettings, nats_url=server.url)
        await ensure_stream(js, settings)
        await ensure_stream(js, settings)
        info = await js.stream_info(settings.nats_stream_name)
        assert info.config.subjects == ["punte.msg.>"]
        assert info.config.duplicate_window == settings.nats_stream_duplicate_window_seconds
        assert info.config.max_age == settings.nats_stream_max_age_seconds
        assert info.config.storage == "file"

        shorter = test_settings(ProbeSettings, nats_url=server.url, nats_stream_max_age_seconds=600)
        await ensure_stream(js, shorter)
        assert (await js.stream_info(settings.nats_stream_name)).config.max_age == 600
    finally:
        await nc.close()


async def outbox_rows(runtime: ServiceRuntime) -> int:
    async with runtime.session_factory() as session:
        count = await session.scalar(
            select(func.count()).select_from(runtime.definition.tables.outbox)
        )
    return int(count or 0)


async def test_sent_rows_are_pruned_after_their_retention(
    nats_server: NatsServer, database_url: str
) -> None:
    settings = test_settings(
        ProbeSettings,
        nats_url=nats_server.url,
        database_url=database_url,
        relay_sent_retention_seconds=0,
        relay_prune_interval_seconds=0.1,
    )
    async with running_service(definition(recorder=False), settings) as runtime:
        assert runtime.client is not None
        await runtime.client.call(RecordChange(key="k", seq=1))
        await eventually(lambda: outbox_rows(runtime), lambda n: n == 0)
