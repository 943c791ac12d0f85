"""The consumer's promises: typed dispatch per message type, and the order handlers see."""

from collections.abc import Callable
from pathlib import Path

from mypy import api as mypy
from punte_platform.messaging.consumer import Subscriber, subject_matches
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.probe import (
    ChangeRecorded,
    RecordBatch,
    RecordChange,
    applied_rows,
    probe_settings,
)
from punte_platform.testing.probe import definition as probe_definition
from punte_platform.testing.services import running_service
from punte_platform.testing.waiting import eventually


def test_subject_patterns_match_as_nats_does() -> None:
    assert subject_matches("punte.msg.>", "punte.msg.contacts.person.created.v1")
    assert not subject_matches("punte.msg.>", "punte.msg")
    assert subject_matches("punte.msg.*.job.finished.v1", "punte.msg.probe.job.finished.v1")
    assert not subject_matches("punte.msg.*.job.finished.v1", "punte.msg.probe.job.started.v1")
    assert not subject_matches("punte.msg.*", "punte.msg.probe.job")


def test_the_filter_subjects_follow_from_what_a_subscriber_handles() -> None:
    subscriber = Subscriber("both")

    @subscriber.handles(ChangeRecorded)
    async def typed(_ctx: object, _message: ChangeRecorded) -> None: ...

    @subscriber.handles_all("punte.msg.other.>")
    async def raw(_ctx: object, _event: object) -> None: ...

    assert subscriber.subjects == [ChangeRecorded.message_type(), "punte.msg.other.>"]


def test_a_handler_whose_parameter_is_not_the_declared_message_type_fails_mypy(
    tmp_path: Path,
) -> None:
    source = tmp_path / "handlers.py"
    source.write_text(
        "from punte_contracts.contacts import ImportApplyRequested\n"
        "from punte_platform.messaging.consumer import MessageContext, Subscriber\n"
        "from punte_platform.testing.probe import ChangeRecorded\n"
        "subscriber = Subscriber('typed')\n"
        "@subscriber.handles(ChangeRecorded)\n"
        "async def right(ctx: MessageContext, message: ChangeRecorded) -> None: ...\n"
        "@subscriber.handles(ChangeRecorded)\n"
        "async def wrong(ctx: MessageContext, message: ImportApplyRequested) -> None: ...\n"
    )
    report, _errors, status = mypy.run(
        ["--strict", "--no-incremental", f"--cache-dir={tmp_path / 'cache'}", str(source)]
    )
    assert status == 1
    errors = [line for line in report.splitlines() if ": error:" in line]
    assert len(errors) == 1, report
    assert errors[0].startswith(f"{source}:7:")
    assert "ImportApplyRequested" in errors[0]


async def test_a_failed_message_is_applied_after_the_later_ones_of_its_key(
    nats_server_factory: Callable[[], NatsServer], database_url: str
) -> None:
    server = nats_server_factory()
    # A retry delay well above the time the relay takes to publish the rest of the batch.
    settings = probe_settings(server.url, database_url, consumer_retry_delays_seconds=[1.0])
    async with running_service(probe_definition(recorder=False, flaky=True), settings) as runtime:
        assert runtime.client is not None
        await runtime.client.call(
            RecordBatch(
                changes=[
                    RecordChange(key="K", seq=1),  # the flaky consumer fails it once
                    RecordChange(key="K", seq=2),
                    RecordChange(key="L", seq=3),
                ]
            )
        )
        rows = await eventually(lambda: applied_rows(runtime, "flaky"), lambda r: len(r) == 3)
        # L's place before K/2 is free: different keys are published concurrently.
        assert [row for row in rows if row[0] == "K"] == [("K", 2), ("K", 1)]
        assert rows[-1] == ("K", 1)


async def test_without_failures_one_instance_applies_each_key_in_outbox_order(
    nats_server_factory: Callable[[], NatsServer], database_url: str
) -> None:
    server = nats_server_factory()
    settings = probe_settings(server.url, database_url, consumer_fetch_batch=7)
    async with running_service(probe_definition(recorder=False, flaky=True), settings) as runtime:
        assert runtime.client is not None
        changes = [RecordChange(key=f"k{i % 5}", seq=i + 2) for i in range(200)]
        await runtime.client.call(RecordBatch(changes=changes))
        rows = await eventually(lambda: applied_rows(runtime, "flaky"), lambda r: len(r) == 200)
        for key in {change.key for change in changes}:
            assert [seq for k, seq in rows if k == key] == [c.seq for c in changes if c.key == key]
