"""Gateway round trip for a small query vs the same lookup sent straight to the service.

`uv run python bench/gateway.py` starts its own nats-server, the contacts service and the
gateway as separate processes (SQLite, development demo data), logs in as the demo admin and
measures, in the same run:

- through the gateway: `{ node(id: ...) { ... on Organization { legalName } } }` over HTTP
  (keep-alive), which authenticates the token, runs the GraphQL operation and asks the
  contacts service over NATS;
- straight to the service: the same `organization.get_many` request over NATS.

It prints p50/p99 latency (sequential) and requests/s (concurrent), the gateway's overhead
ratio, and the gateway process's CPU time per request.
"""

import argparse
import asyncio
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psutil
from _common import (
    child_env,
    parse_args,
    percentile,
    print_header,
    stop_process,
    table,
    write_results,
)
from punte_contracts import contacts
from punte_platform.context import CallContext, call_context
from punte_platform.messaging.nats import connect
from punte_platform.testing.nats_server import NatsServer, nats_identity
from punte_platform.testing.services import gateway_caller
from strawberry import relay

LOGIN = (
    'mutation { login(input: {username: "admin", password: "punte-demo"}) '
    "{ accessToken userErrors { code } } }"
)
FIRST_ORGANIZATION = "{ organizations(first: 1) { edges { node { id } } } }"
NODE = "query ($id: ID!) { node(id: $id) { ... on Organization { legalName } } }"
READER = CallContext(actor="user:bench", permissions=frozenset({contacts.READ_PERMISSION}))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(module: str, env: dict[str, str], workdir: Path) -> subprocess.Popen[str]:
    log = (workdir / f"{module}.log").open("w")
    return subprocess.Popen(
        [sys.executable, "-m", module], env=env, cwd=workdir, stdout=log, stderr=log, text=True
    )


async def wait_ready(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} not ready")


async def sequential(call: Any, count: int) -> list[float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def concurrent(call: Any, count: int, in_flight: int) -> float:
    gate = asyncio.Semaphore(in_flight)

    async def one() -> None:
        async with gate:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(count)))
    return count / (time.perf_counter() - started)


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="punte-bench-gateway-"))
    server = NatsServer(workdir / "nats")
    server.start()
    contacts_port, gateway_port = free_port(), free_port()
    env = child_env(
        "contacts",
        "gateway",
        PUNTE_NATS_URL=server.url,
        PUNTE_ENVIRONMENT="development",
        PUNTE_LOG_JSON="false",
        PUNTE_LOG_LEVEL="WARNING",
        PUNTE_CONTACTS_DATABASE_URL=f"sqlite+aiosqlite:///{workdir}/contacts.db",
        PUNTE_CONTACTS_HTTP_PORT=str(contacts_port),
        PUNTE_GATEWAY_DATABASE_URL=f"sqlite+aiosqlite:///{workdir}/gateway.db",
        PUNTE_GATEWAY_HTTP_PORT=str(gateway_port),
        # The benchmark is one caller sending thousands of requests a minute.
        PUNTE_GATEWAY_RATE_LIMIT_USER_PER_MINUTE="1000000",
    )
    processes = [start("punte_contacts", env, workdir), start("punte_gateway", env, workdir)]
    nc = None
    try:
        await wait_ready(f"http://127.0.0.1:{contacts_port}/readyz")
        await wait_ready(f"http://127.0.0.1:{gateway_port}/readyz")
        base = f"http://127.0.0.1:{gateway_port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            token = (await http.post("/graphql", json={"query": LOGIN})).json()["data"]["login"][
                "accessToken"
            ]
            http.headers["Authorization"] = f"Bearer {token}"
            found = (await http.post("/graphql", json={"query": FIRST_ORGANIZATION})).json()
            global_id = found["data"]["organizations"]["edges"][0]["node"]["id"]
            organization_id = UUID(relay.GlobalID.from_id(global_id).node_id)

            async def through_gateway() -> None:
                response = await http.post(
                    "/graphql", json={"query": NODE, "variables": {"id": global_id}}
                )
                assert response.json()["data"]["node"]["legalName"]

            nc = await connect(server.url, "bench", attempts=3, identity=nats_identity())
            client = gateway_caller(nc, timeout=10)

            async def straight_to_service() -> None:
                with call_context(READER):
                    found = await client.get_many(contacts.GetOrganizations, [organization_id])
                assert found

            for call in (through_gateway, straight_to_service):
                await sequential(call, args.warmup)
            gateway_process = psutil.Process(processes[1].pid)
            cpu_before = sum(gateway_process.cpu_times()[:2])
            gateway_ms = await sequential(through_gateway, args.requests)
            gateway_rps = await concurrent(through_gateway, args.requests, args.in_flight)
            cpu_ms = (
                (sum(gateway_process.cpu_times()[:2]) - cpu_before) * 1000 / (2 * args.requests)
            )
            direct_ms = await sequential(straight_to_service, args.requests)
            direct_rps = await concurrent(straight_to_service, args.requests, args.in_flight)
    finally:
        if nc is not None:
            await nc.close()
        for process in processes:
            stop_process(process)
        server.stop()

    def figures(timings: list[float], rps: float) -> dict[str, float]:
        return {
            "p50_ms": percentile(timings, 50),
            "p99_ms": percentile(timings, 99),
            "requests_per_s": rps,
        }

    return {
        "requests": args.requests,
        "in_flight": args.in_flight,
        "gateway": figures(gateway_ms, gateway_rps),
        "direct": figures(direct_ms, direct_rps),
        "gateway_cpu_ms_per_request": cpu_ms,
    }


def report(result: dict[str, Any]) -> None:
    gateway, direct = result["gateway"], result["direct"]
    rows = [
        [
            name,
            f"{figs['p50_ms']:.2f}",
            f"{figs['p99_ms']:.2f}",
            f"{figs['requests_per_s']:.0f}",
        ]
        for name, figs in (("gateway (HTTP + GraphQL + NATS)", gateway), ("NATS straight", direct))
    ]
    print(table(["path", "p50 ms", "p99 ms", "req/s"], rows))
    print(
        f"\noverhead: p50 x{gateway['p50_ms'] / direct['p50_ms']:.2f}, "
        f"p99 x{gateway['p99_ms'] / direct['p99_ms']:.2f}, "
        f"throughput x{direct['requests_per_s'] / gateway['requests_per_s']:.2f} lower; "
        f"gateway CPU {result['gateway_cpu_ms_per_request']:.2f} ms per request"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--in-flight", type=int, default=16)
    args = parse_args(parser, smoke={"requests": 30, "warmup": 5, "in_flight": 4})
    facts = print_header("gateway round trip vs NATS straight to the service")
    result = asyncio.run(bench(args))
    report(result)
    write_results("gateway", {"machine": facts, **result})


if __name__ == "__main__":
    main()
