"""Request/reply through the platform layer against raw nats-py request/reply, same run.

    uv run python bench/rpc.py [--sequential 3000] [--concurrent 6000] [--in-flight 32]

Three responders, each in its own process (so none shares the client's event loop), on a
nats-server of our own:

- raw:      `nc.subscribe(subject, queue=..., cb=...)` answering `msg.respond(...)`;
- micro:    a bare `nats.micro` endpoint answering the same bytes (diagnostic: what micro costs);
- platform: the probe service (`python -m punte_platform.testing.probe`), endpoint
            `punte.probe.system.echo`, called with `ServiceClient.call` (contract in, contract
            out, typed errors, call context headers, metrics, a unit of work per request);
- platform, no-op unit of work (diagnostic): the platform's own `RpcServer` serving the probe's
            echo handler in the responder process, given a unit of work whose transaction opens
            no session: what the per-request SQLAlchemy session/transaction costs.

Request bytes are identical for all three; raw and micro answer with as many bytes as the
platform's reply. Variants run in interleaved rounds so background load hits all alike.
Aim (issue): platform round trip at most 1.5x the raw one.
"""

import argparse
import asyncio
import contextlib
import functools
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import _common as c

RAW_SUBJECT = "bench.raw.echo"
MICRO_SUBJECT = "bench.micro.echo"
NO_UOW_SUBJECT = "bench.nouow.echo"
TEXT = "x" * 256
AIM_RATIO = 1.5
ROUNDS = 3

Call = Callable[[], Awaitable[Any]]


async def responder(url: str, reply_bytes: int) -> None:
    """The raw and micro responders (run with `--responder`), in a process of their own."""
    import os

    import nats
    from nats.micro import add_service
    from nats.micro.service import EndpointConfig, ServiceConfig

    # The bench's harness credentials, handed down by `start_responder`.
    nc = await nats.connect(url, nkeys_seed_str=os.environ["PUNTE_HARNESS_NATS_SEED"])

    def reply_for(data: bytes) -> bytes:
        return data[:reply_bytes].ljust(reply_bytes, b" ")

    async def raw(msg: Any) -> None:
        await msg.respond(reply_for(msg.data))

    async def micro(request: Any) -> None:
        await request.respond(reply_for(request.data))

    await nc.subscribe(RAW_SUBJECT, queue="bench", cb=raw)
    service = await add_service(
        nc, ServiceConfig(name="bench-echo", version="1.0.0", queue_group="bench")
    )
    await service.add_endpoint(EndpointConfig(name="echo", subject=MICRO_SUBJECT, handler=micro))
    await _platform_without_unit_of_work(nc, os.environ["PUNTE_HARNESS_CONTEXT_VERIFY_KEY"])
    await nc.flush()
    print("responder ready", flush=True)
    await asyncio.Event().wait()


@functools.cache
def no_uow_echo() -> Any:
    """The probe's echo contract at the subject of the no-op unit of work's server."""
    from punte_contracts.rpc import NO_PERMISSION
    from punte_platform.testing.probe import Echo

    class NoUowEcho(Echo):
        request_subject = NO_UOW_SUBJECT
        request_permission = NO_PERMISSION

    return NoUowEcho


class _NoTransaction:
    """A unit of work whose transaction opens no session (handlers that never touch it)."""

    @contextlib.asynccontextmanager
    async def transaction(self, *, read_only: bool = False) -> AsyncIterator[None]:
        yield None


async def _platform_without_unit_of_work(nc: Any, verify_key: str) -> None:
    from punte_platform.messaging.outbox import Outbox
    from punte_platform.messaging.rpc import EndpointRegistry, RpcServer
    from punte_platform.messaging.trust import ContextVerifier
    from punte_platform.metrics import ServiceMetrics
    from punte_platform.testing.probe import echo, tables

    registry = EndpointRegistry()
    registry.handles(no_uow_echo())(echo)
    server = RpcServer(
        service="benchnouow",
        version="1.0.0",
        registry=registry,
        uow=_NoTransaction(),  # type: ignore[arg-type]
        outbox=Outbox(tables.outbox, "benchnouow"),
        metrics=ServiceMetrics("benchnouow"),
        concurrency=64,
        verifier=ContextVerifier(verify_key),
    )
    await server.start(nc)


def start_responder(url: str, reply_bytes: int, workdir: Path) -> Any:
    import subprocess

    process = subprocess.Popen(
        [sys.executable, __file__, "--responder", url, "--reply-bytes", str(reply_bytes)],
        cwd=workdir,
        env=c.child_env("harness"),
        stdout=subprocess.PIPE,
        stderr=(workdir / "responder.log").open("w"),
        text=True,
    )
    assert process.stdout is not None
    if "responder ready" not in process.stdout.readline():
        c.stop_process(process)
        raise RuntimeError("the raw responder did not start")
    return process


async def sequential(call: Call, count: int) -> list[float]:
    """Latencies (seconds) of `count` requests, one after the other."""
    latencies = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        latencies.append(time.perf_counter() - started)
    return latencies


async def concurrent(call: Call, count: int, in_flight: int) -> float:
    """Requests per second with `in_flight` callers sharing `count` requests."""
    remaining = count

    async def caller() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(in_flight)))
    return count / (time.perf_counter() - started)


def signing_cost(count: int) -> dict[str, float]:
    """Microseconds the gateway spends signing a caller's context and a service verifying it
    (both in the platform variant's round trip), measured in this process."""
    from punte_platform.context import CallContext
    from punte_platform.messaging.trust import ContextSigner, ContextVerifier
    from punte_platform.testing.nats_server import test_credentials
    from punte_platform.testing.probe import Echo

    credentials = test_credentials()
    signer = ContextSigner(credentials.signing_seed, ttl_seconds=60)
    verifier = ContextVerifier(credentials.verify_key)
    context = CallContext(
        actor="user:0190f0e0-0000-7000-8000-000000000001",
        request_id="0123456789abcdef",
        permissions=frozenset({"contacts:read", "contacts:write", "events:read"}),
    )
    subject = "punte.probe.system.echo"
    payload = Echo(text=TEXT).model_dump_json().encode()
    started = time.perf_counter()
    for _ in range(count):
        headers = signer.headers(subject, payload, context)
    signed = time.perf_counter()
    for _ in range(count):
        verifier.verify(subject, payload, headers)
    verified = time.perf_counter()
    return {
        "sign_us": (signed - started) / count * 1e6,
        "verify_us": (verified - signed) / count * 1e6,
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    import nats
    from punte_platform.messaging.rpc import encode_result
    from punte_platform.testing.nats_server import NatsServer, nats_identity
    from punte_platform.testing.probe import Echo, EchoReply
    from punte_platform.testing.services import gateway_caller

    body = Echo(text=TEXT)
    payload = body.model_dump_json().encode()
    # The platform's reply: {"result":{"text":...,"actor":null,"request_id":"<16 hex>"}}
    reply_bytes = len(encode_result(EchoReply(text=TEXT, actor=None, request_id="0" * 16)))

    with tempfile.TemporaryDirectory(prefix="punte-bench-rpc-") as tmp_name:
        tmp = Path(tmp_name)
        server = NatsServer(tmp / "nats")
        server.start()
        processes = []
        try:
            processes.append(
                c.start_probe(
                    nats_url=server.url,
                    database_url=f"sqlite+aiosqlite:///{tmp / 'probe.db'}",
                    workdir=tmp / "probe",
                )
            )
            processes.append(start_responder(server.url, reply_bytes, tmp))
            nc = await nats.connect(server.url, name="bench-rpc", **nats_identity().options())
            client = gateway_caller(nc, timeout=10.0)

            async def platform_call() -> Any:
                return await client.call(body)

            async def raw_call() -> Any:
                return await nc.request(RAW_SUBJECT, payload, timeout=10.0)

            async def micro_call() -> Any:
                return await nc.request(MICRO_SUBJECT, payload, timeout=10.0)

            no_uow_body = no_uow_echo()(text=TEXT)

            async def no_uow_call() -> Any:
                return await client.call(no_uow_body)

            variants: dict[str, Call] = {
                "raw": raw_call,
                "micro": micro_call,
                "platform": platform_call,
                "platform, no-op unit of work": no_uow_call,
            }
            for check in (await platform_call(), await no_uow_call()):
                assert check.text == TEXT
            assert len((await raw_call()).data) == reply_bytes

            for call in variants.values():  # warm-up: imports, caches, JIT-less but cold paths
                await sequential(call, args.warmup)
                await concurrent(call, args.warmup, args.in_flight)

            latencies: dict[str, list[float]] = {name: [] for name in variants}
            throughput: dict[str, list[float]] = {name: [] for name in variants}
            per_round_seq = args.sequential // ROUNDS
            per_round_conc = args.concurrent // ROUNDS
            for _ in range(ROUNDS):
                for name, call in variants.items():
                    latencies[name] += await sequential(call, per_round_seq)
                for name, call in variants.items():
                    throughput[name].append(await concurrent(call, per_round_conc, args.in_flight))
            await nc.drain()
        finally:
            for process in processes:
                c.stop_process(process)
            server.stop()

    figures: dict[str, dict[str, float]] = {}
    for name in variants:
        lat = latencies[name]
        figures[name] = {
            "requests_sequential": len(lat),
            "p50_ms": c.percentile(lat, 50) * 1000,
            "p99_ms": c.percentile(lat, 99) * 1000,
            "mean_ms": statistics.fmean(lat) * 1000,
            "rps_concurrent": statistics.median(throughput[name]),
            "rps_rounds": throughput[name],
        }
    return {
        "signing": signing_cost(args.sequential),
        "request_bytes": len(payload),
        "reply_bytes": reply_bytes,
        "in_flight": args.in_flight,
        "figures": figures,
    }


def report(result: dict[str, Any]) -> dict[str, Any]:
    figures = result["figures"]
    raw = figures["raw"]
    rows = []
    for name, f in figures.items():
        rows.append(
            [
                name,
                f["p50_ms"],
                f["p99_ms"],
                f["mean_ms"],
                f["p50_ms"] / raw["p50_ms"],
                f["p99_ms"] / raw["p99_ms"],
                f["rps_concurrent"],
                f["rps_concurrent"] / raw["rps_concurrent"],
            ]
        )
    print(
        f"\nrequest {result['request_bytes']} B, reply {result['reply_bytes']} B; sequential "
        f"{raw['requests_sequential']} requests per variant, concurrent {result['in_flight']} "
        f"in flight (median of {ROUNDS} interleaved rounds)"
    )
    print(
        c.table(
            [
                "variant",
                "p50 ms",
                "p99 ms",
                "mean ms",
                "p50 x raw",
                "p99 x raw",
                "req/s",
                "req/s x raw",
            ],
            rows,
        )
    )
    platform = figures["platform"]
    signing = result["signing"]
    per_call = signing["sign_us"] + signing["verify_us"]
    print(
        f"\ncaller context: sign {signing['sign_us']:.1f} us (gateway) + verify "
        f"{signing['verify_us']:.1f} us (service) = {per_call:.1f} us per call, "
        f"{per_call / (platform['p50_ms'] * 1000):.1%} of the platform's p50"
    )
    ratios = {
        "latency_p50": platform["p50_ms"] / raw["p50_ms"],
        "latency_p99": platform["p99_ms"] / raw["p99_ms"],
        # Time per request under load, platform over raw (inverse of the throughput ratio).
        "time_per_request_concurrent": raw["rps_concurrent"] / platform["rps_concurrent"],
    }
    print(f"\naim: platform at most {AIM_RATIO}x the raw round trip")
    for label, ratio in ratios.items():
        print(f"  {label:<29} platform/raw = {ratio:.2f}x  {c.verdict(ratio <= AIM_RATIO)}")
    return ratios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sequential", type=int, default=3000, help="requests per variant")
    parser.add_argument("--concurrent", type=int, default=9000, help="requests per variant")
    parser.add_argument("--in-flight", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=300)
    parser.add_argument("--responder", help=argparse.SUPPRESS)
    parser.add_argument("--reply-bytes", type=int, help=argparse.SUPPRESS)
    args = c.parse_args(
        parser, smoke={"sequential": 30, "concurrent": 100, "in_flight": 8, "warmup": 10}
    )
    if args.responder:
        asyncio.run(responder(args.responder, args.reply_bytes))
        return
    facts = c.print_header("rpc: platform request/reply vs raw nats-py request/reply")
    result = asyncio.run(bench(args))
    ratios = report(result)
    c.write_results(
        "rpc",
        {
            "benchmark": "rpc",
            "machine": facts,
            "aim_ratio": AIM_RATIO,
            **result,
            "ratios_platform_over_raw": ratios,
            "meets_aim": all(r <= AIM_RATIO for r in ratios.values()),
        },
    )


if __name__ == "__main__":
    main()
