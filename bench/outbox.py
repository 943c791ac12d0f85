"""The transactional outbox: relay throughput, and outbox-to-consumer latency at a steady rate.

    uv run python bench/outbox.py [--messages 20000] [--rate 500] [--seconds 10]
                                  [--backend sqlite|postgresql|both]

(a) Relay throughput. The probe's outbox is pre-filled with `--messages` rows (the rows
    `Outbox.add` writes, in transactions of 1,000), then the platform's `Relay.run` is
    started and timed until every row is published and marked sent. Two shapes: every
    message about a different subject (entity), and every message about one subject (the
    relay then publishes them one after the other, each waiting for the previous ack, to keep
    their order).
    Baselines, same run, same nats-server, same subjects and payloads: nats-py
    `js.publish_async` with `Nats-Msg-Id` headers then `publish_async_completed()`; and, to
    tell the database's share from the publishing pattern's, awaited `js.publish` with as many
    in flight as the relay allows (`relay_max_in_flight`).
    Aims (issue): at least 2,000 msg/s relayed on SQLite, 5,000 on PostgreSQL.

(b) End-to-end latency. A producer runtime (the probe service, started as a service starts,
    in this process) commits one change per tick through `runtime.uow.transaction()` +
    `runtime.outbox.add`, as a request handler does, batching ticks when it falls behind. The
    relay publishes; the probe's `recorder` consumer, in a separate probe process with its own
    database (as another service would be), applies each message into `probe_applied`.
    Latency = `probe_applied.applied_at` minus the message's CloudEvent `time` (its outbox
    `created_at`), joined on message id after the run. A short low-rate run shows the latency
    when the consumer waits idle between messages.

Each part gets a nats-server of its own; PostgreSQL databases are created fresh on
PUNTE_BENCH_POSTGRES_URL and dropped at the end.
"""

import argparse
import asyncio
import logging
import math
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import _common as c

SQLITE_AIM = 2000.0
POSTGRES_AIM = 5000.0
RETENTION = 7 * 24 * 3600  # keep sent rows: the latency join reads their created_at
FILL_TRANSACTION = 1000


def probe_settings(nats_url: str, database_url: str) -> Any:
    """The probe's settings: production defaults for the relay and consumers."""
    from punte_platform.testing.nats_server import test_credentials
    from punte_platform.testing.probe import ProbeSettings

    return ProbeSettings(
        _env_file=None,  # type: ignore[call-arg]
        environment="test",
        log_json=False,
        nats_url=nats_url,
        database_url=database_url,
        relay_sent_retention_seconds=RETENTION,
        **test_credentials().settings("probe"),
    )


def published(runtime: Any) -> float:
    value = runtime.metrics.registry.get_sample_value("punte_relay_published_total")
    return float(value or 0.0)


async def fill_outbox(runtime: Any, count: int, subjects: int) -> float:
    """Queue `count` messages in transactions of FILL_TRANSACTION; return rows per second.

    Rows are the platform's own (`Outbox.envelope` + `outbox_row`, exactly what `Outbox.add`
    inserts), written with one executemany per transaction to keep the fill short.
    """
    from punte_platform.ids import new_id
    from punte_platform.messaging.outbox import outbox_row
    from punte_platform.testing.probe import ChangeRecorded
    from sqlalchemy import insert

    table = runtime.definition.tables.outbox
    started = time.perf_counter()
    for start in range(0, count, FILL_TRANSACTION):
        rows = []
        for seq in range(start, min(count, start + FILL_TRANSACTION)):
            key = f"entity-{seq % subjects}"
            message = ChangeRecorded(change_id=new_id(), key=key, seq=seq)
            rows.append(outbox_row(runtime.outbox.envelope(message, key)))
        async with runtime.uow.transaction() as session:
            await session.execute(insert(table), rows)
    return count / (time.perf_counter() - started)


class RelayPhases:
    """Times each relay batch's phases by wrapping the relay's methods on this instance only.

    read = select of pending rows + backlog count; publish = first publish to last ack;
    mark = the UPDATE ... SET sent_at transaction.
    """

    def __init__(self, relay: Any) -> None:
        self.batches: list[dict[str, float]] = []
        self._current: dict[str, float] = {}
        batch, mark, jetstream = relay.relay_batch, relay._mark, relay.jetstream

        async def timed_batch() -> int:
            self._current = {"start": time.perf_counter()}
            published = await batch()
            self._current["end"] = time.perf_counter()
            self._current["rows"] = published
            if "mark_start" in self._current:
                self.batches.append(self._current)
            return int(published)

        async def timed_mark(acked: list[int], failed: dict[int, str]) -> None:
            self._current["mark_start"] = time.perf_counter()
            await mark(acked, failed)

        def timed_jetstream() -> Any:
            self._current["publish_start"] = time.perf_counter()
            return jetstream()

        relay.relay_batch, relay._mark, relay.jetstream = timed_batch, timed_mark, timed_jetstream

    def summary(self) -> dict[str, float]:
        """Seconds spent per phase over all batches, and the batch count."""
        b = self.batches
        return {
            "batches": len(b),
            "read_s": sum(x["publish_start"] - x["start"] for x in b),
            "publish_s": sum(x["mark_start"] - x["publish_start"] for x in b),
            "mark_s": sum(x["end"] - x["mark_start"] for x in b),
        }


async def relay_throughput(
    backend: str, databases: c.Databases, tmp: Path, count: int, subjects: int
) -> dict[str, Any]:
    """Pre-fill, then time the relay until the backlog is empty; then the nats-py baselines."""
    import nats
    from punte_platform.messaging.nats import ensure_stream
    from punte_platform.runtime import ServiceRuntime
    from punte_platform.testing.nats_server import NatsServer, nats_identity
    from punte_platform.testing.probe import definition, metadata
    from sqlalchemy import select

    server = NatsServer(tmp / f"nats-relay-{backend}-{subjects}")
    server.start()
    database_url = await databases.create(backend, "relay")
    settings = probe_settings(server.url, database_url)
    runtime = ServiceRuntime(definition(recorder=False), settings)
    nc = None
    try:
        async with runtime.engine.begin() as connection:
            await connection.run_sync(metadata.create_all)
        fill_rate = await fill_outbox(runtime, count, subjects)
        nc = await nats.connect(server.url, name="bench-relay", **nats_identity().options())
        runtime.nc = nc
        js = runtime.jetstream()
        await ensure_stream(js, settings)

        phases = RelayPhases(runtime.relay)
        started = time.perf_counter()
        relay = asyncio.create_task(runtime.relay.run())

        async def all_published() -> bool:
            return published(runtime) >= count

        await c.wait_until(all_published, timeout=150, interval=0.005)
        took = time.perf_counter() - started
        runtime.relay.stop()
        await relay
        backlog, _dead = await runtime.counts()
        stream_messages = (await js.stream_info(settings.nats_stream_name)).state.messages
        if backlog or stream_messages != count:
            raise RuntimeError(
                f"relay incomplete after {took:.0f}s: backlog {backlog}, stream {stream_messages}"
            )
        relay_rate = count / took

        outbox = runtime.definition.tables.outbox
        async with runtime.session_factory() as session:
            rows = (
                await session.execute(
                    select(outbox.c.subject, outbox.c.payload).order_by(outbox.c.position)
                )
            ).all()
        payloads = [(row.subject, row.payload) for row in rows]
        async_rate = await baseline_publish_async(nc, payloads)
        awaited_rate = await baseline_publish_awaited(
            nc, payloads, settings.relay_max_in_flight, settings.request_timeout
        )
    finally:
        if nc is not None:
            await nc.close()
        runtime.nc = None
        await runtime.engine.dispose()
        server.stop()
    return {
        "backend": backend,
        "messages": count,
        "subjects": subjects,
        "fill_rows_per_s": fill_rate,
        "relay_seconds": took,
        "relay_msgs_per_s": relay_rate,
        "relay_phases": phases.summary(),
        "baseline_publish_async_msgs_per_s": async_rate,
        "baseline_publish_awaited_msgs_per_s": awaited_rate,
        "relay_batch_size": settings.relay_batch_size,
        "relay_max_in_flight": settings.relay_max_in_flight,
    }


def _headers() -> dict[str, str]:
    return {"Nats-Msg-Id": str(uuid.uuid4()), "Content-Type": "application/cloudevents+json"}


async def baseline_publish_async(nc: Any, payloads: list[tuple[str, bytes]]) -> float:
    """nats-py `publish_async` of the same payloads, then `publish_async_completed()`."""
    js = nc.jetstream()
    started = time.perf_counter()
    futures = []
    for subject, payload in payloads:
        futures.append(await js.publish_async(subject, payload, headers=_headers()))
    await js.publish_async_completed()
    took = time.perf_counter() - started
    for future in futures:
        future.result()  # raise if any was refused
    return len(payloads) / took


async def baseline_publish_awaited(
    nc: Any, payloads: list[tuple[str, bytes]], in_flight: int, timeout: float
) -> float:
    """Awaited `js.publish` of the same payloads, `in_flight` at a time (the relay's pattern)."""
    js = nc.jetstream()
    slots = asyncio.Semaphore(in_flight)

    async def send(subject: str, payload: bytes) -> None:
        async with slots:
            await js.publish(subject, payload, timeout=timeout, headers=_headers())

    started = time.perf_counter()
    await asyncio.gather(*(send(subject, payload) for subject, payload in payloads))
    return len(payloads) / (time.perf_counter() - started)


async def end_to_end(
    backend: str, databases: c.Databases, tmp: Path, rate: float, seconds: float, drain: float
) -> dict[str, Any]:
    """Write at a steady `rate` for `seconds`; latency from CloudEvent time to applied_at."""
    from punte_platform.db import create_engine
    from punte_platform.ids import new_id
    from punte_platform.testing.nats_server import NatsServer
    from punte_platform.testing.probe import ChangeRecorded, applied, changes, definition
    from punte_platform.testing.services import running_service
    from sqlalchemy import func, insert, select

    label = f"{backend}-{int(rate)}"
    server = NatsServer(tmp / f"nats-e2e-{label}")
    server.start()
    producer_url = await databases.create(backend, "producer")
    consumer_url = await databases.create(backend, "consumer")
    consumer = c.start_probe(
        nats_url=server.url,
        database_url=consumer_url,
        workdir=tmp / f"consumer-{label}",
        recorder=True,
    )
    consumer_engine = create_engine(consumer_url)
    settings = probe_settings(server.url, producer_url)
    tick = 1.0 / rate
    target = int(rate * seconds)
    try:
        async with running_service(definition(recorder=False), settings) as runtime:
            loop = asyncio.get_running_loop()
            written = transactions = 0
            started = loop.time()
            while written < target:
                due = min(target, int((loop.time() - started) / tick) + 1)
                if due <= written:
                    await asyncio.sleep(max(0.0, started + written * tick - loop.time()))
                    continue
                async with runtime.uow.transaction() as session:
                    for seq in range(written, due):
                        change_id = new_id()
                        key = f"entity-{seq % 1000}"
                        await session.execute(
                            insert(changes).values(id=change_id, key=key, seq=seq)
                        )
                        await runtime.outbox.add(
                            session,
                            ChangeRecorded(change_id=change_id, key=key, seq=seq),
                            key=key,
                        )
                written = due
                transactions += 1
            write_seconds = loop.time() - started

            async def all_applied() -> bool:
                async with consumer_engine.connect() as connection:
                    count = await connection.scalar(select(func.count()).select_from(applied))
                return int(count or 0) >= written

            await c.wait_until(all_applied, timeout=drain, interval=0.1)
            outbox = runtime.definition.tables.outbox
            async with runtime.session_factory() as session:
                sent = {
                    row.message_id: (row.created_at, row.sent_at)
                    for row in await session.execute(
                        select(outbox.c.message_id, outbox.c.created_at, outbox.c.sent_at)
                    )
                }
        async with consumer_engine.connect() as connection:
            rows = await connection.execute(select(applied.c.message_id, applied.c.applied_at))
            done = {row.message_id: row.applied_at for row in rows}
    finally:
        await consumer_engine.dispose()
        c.stop_process(consumer)
        server.stop()

    latencies = []
    relayed = []
    for message_id, (created_at, sent_at) in sent.items():
        applied_at = done.get(message_id)
        # Not applied within the drain window: counted as infinitely late, not left out.
        late = (applied_at - created_at).total_seconds() if applied_at else math.inf
        latencies.append(late)
        if sent_at is not None:
            relayed.append((sent_at - created_at).total_seconds())
    first = min(created for created, _ in sent.values())
    last_applied = max(done.values()) if done else first
    return {
        "backend": backend,
        "target_msgs_per_s": rate,
        "seconds": seconds,
        "written": written,
        "write_transactions": transactions,
        "written_msgs_per_s": written / write_seconds,
        "applied": len(done),
        "applied_msgs_per_s": len(done) / max(1e-9, (last_applied - first).total_seconds()),
        "latency_p50_ms": c.percentile(latencies, 50) * 1000,
        "latency_p99_ms": c.percentile(latencies, 99) * 1000,
        "latency_max_ms": max(latencies, default=float("nan")) * 1000,
        "drain_seconds": drain,
        "relay_marked_p50_ms": c.percentile(relayed, 50) * 1000,
        "relay_marked_p99_ms": c.percentile(relayed, 99) * 1000,
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    skipped: dict[str, str] = {}
    postgres_url = None
    if "postgresql" in backends:
        postgres_url = c.postgres_server_url()
        problem = await c.postgres_reachable(postgres_url)
        if problem:
            print(f"note: PostgreSQL at {postgres_url} unreachable ({problem}); skipping it")
            skipped["postgresql"] = problem
            backends.remove("postgresql")
            postgres_url = None
    relay: list[dict[str, Any]] = []
    latency: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="punte-bench-outbox-") as tmp_name:
        tmp = Path(tmp_name)
        databases = c.Databases(tmp, postgres_url)
        try:
            for backend in backends:
                print(f"\n[{backend}] relay throughput, {args.messages} messages, many subjects")
                relay.append(
                    await relay_throughput(backend, databases, tmp, args.messages, args.messages)
                )
                print(f"[{backend}] relay throughput, {args.one_subject} messages, one subject")
                relay.append(await relay_throughput(backend, databases, tmp, args.one_subject, 1))
                print(f"[{backend}] end-to-end latency at {args.rate:g} msg/s for {args.seconds}s")
                latency.append(
                    await end_to_end(backend, databases, tmp, args.rate, args.seconds, args.drain)
                )
                print(f"[{backend}] end-to-end latency at {args.low_rate:g} msg/s (idle consumer)")
                latency.append(
                    await end_to_end(
                        backend, databases, tmp, args.low_rate, args.low_seconds, args.drain
                    )
                )
        finally:
            await databases.drop_all()
    return {"relay": relay, "latency": latency, "skipped": skipped}


def report(result: dict[str, Any]) -> dict[str, Any]:
    aims = {"sqlite": SQLITE_AIM, "postgresql": POSTGRES_AIM}
    rows = []
    verdicts: dict[str, bool] = {}
    for r in result["relay"]:
        shape = "many subjects" if r["subjects"] > 1 else "one subject"
        aim = aims[r["backend"]]
        ok = r["relay_msgs_per_s"] >= aim
        if r["subjects"] > 1:
            verdicts[f"relay_{r['backend']}"] = ok
        rows.append(
            [
                f"{r['backend']}, {shape}",
                r["messages"],
                r["relay_msgs_per_s"],
                r["baseline_publish_async_msgs_per_s"],
                r["relay_msgs_per_s"] / r["baseline_publish_async_msgs_per_s"],
                r["baseline_publish_awaited_msgs_per_s"],
                r["relay_msgs_per_s"] / r["baseline_publish_awaited_msgs_per_s"],
                aim,
                c.verdict(ok) if r["subjects"] > 1 else "(worst case)",
            ]
        )
    print("\n(a) relay throughput (msgs/s), baselines published on the same nats-server")
    print(
        c.table(
            [
                "backend, shape",
                "messages",
                "relay",
                "publish_async",
                "relay/async",
                f"awaited x{result['relay'][0]['relay_max_in_flight'] if result['relay'] else ''}",
                "relay/awaited",
                "aim",
                "",
            ],
            rows,
        )
    )
    rows = []
    for r in result["relay"]:
        p = r["relay_phases"]
        busy = p["read_s"] + p["publish_s"] + p["mark_s"]
        rows.append(
            [
                f"{r['backend']}, {'many subjects' if r['subjects'] > 1 else 'one subject'}",
                p["batches"],
                r["messages"] / max(1, p["batches"]),
                100 * p["read_s"] / busy,
                100 * p["publish_s"] / busy,
                100 * p["mark_s"] / busy,
                1000 * busy / max(1, p["batches"]),
            ]
        )
    print(
        "\n    where the relay's time goes (read = select pending + count backlog; mark = UPDATE)"
    )
    print(
        c.table(
            [
                "backend, shape",
                "batches",
                "rows/batch",
                "read %",
                "publish %",
                "mark %",
                "ms/batch",
            ],
            rows,
        )
    )
    rows = [
        [
            r["backend"],
            r["target_msgs_per_s"],
            r["written_msgs_per_s"],
            r["applied_msgs_per_s"],
            f"{r['applied']}/{r['written']}",
            r["latency_p50_ms"],
            r["latency_p99_ms"],
            r["latency_max_ms"],
            r["relay_marked_p50_ms"],
            r["relay_marked_p99_ms"],
        ]
        for r in result["latency"]
    ]
    print("\n(b) end-to-end latency, CloudEvent time -> applied by the consumer (ms)")
    print(
        c.table(
            [
                "backend",
                "target/s",
                "written/s",
                "applied/s",
                "applied",
                "p50",
                "p99",
                "max",
                "marked sent p50",
                "marked sent p99",
            ],
            rows,
        )
    )
    print("   'marked sent' = outbox sent_at - created_at: when the relay recorded the broker ack")
    print("   inf = some messages were not applied within the drain window (counted, not dropped)")
    for backend, problem in result["skipped"].items():
        print(f"\nnote: {backend} skipped: {problem}")
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--one-subject", type=int, default=3_000)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--drain", type=float, default=45.0, help="seconds to wait for the consumer after writing"
    )
    parser.add_argument("--low-rate", type=float, default=20.0)
    parser.add_argument("--low-seconds", type=float, default=5.0)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = c.parse_args(
        parser,
        smoke={
            "messages": 300,
            "one_subject": 50,
            "seconds": 1.0,
            "low_seconds": 1.0,
            "drain": 20.0,
            "backend": "sqlite",
        },
    )
    c.drop_service_settings()  # the shell's settings must not leak into the measured runtime
    logging.basicConfig(level=logging.WARNING, format="   log: %(name)s: %(message)s")
    # The producer's connection logs its own drain at the end of each run as a warning.
    logging.getLogger("punte_platform.messaging.nats").setLevel(logging.ERROR)
    facts = c.print_header("outbox: relay throughput and outbox-to-consumer latency")
    result = asyncio.run(bench(args))
    verdicts = report(result)
    c.write_results(
        "outbox",
        {
            "benchmark": "outbox",
            "machine": facts,
            "aims_msgs_per_s": {"sqlite": SQLITE_AIM, "postgresql": POSTGRES_AIM},
            **result,
            "meets_aims": verdicts,
        },
    )


if __name__ == "__main__":
    main()
