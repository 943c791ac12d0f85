"""Long contacts work as background jobs: an XLSX export and an import's revert of 20,000
organisations, with a create and job polls while they run.

    uv run python bench/contacts_jobs.py [--rows 20000] [--backend sqlite|postgresql|both]

Per backend, the contacts service runs in this process (as in `contacts_import.py`) on a
nats-server of its own and a fresh database, and `--rows` organisations are seeded through
the background import (`contacts_import.run_import`). Then, over NATS with the gateway's 5 s
request timeout:

1. `punte.contacts.organization.export` (XLSX): seconds to the answer (the job), then
   `punte.contacts.job.get` every 0.25 s until the job ends: seconds to the file, the
   slowest poll, and one `organization.create` sent while the job runs (its seconds);
2. `punte.contacts.import.revert` of the seeding import: the same figures, until the job
   ends with every row deleted (asserted, and only the organisations created meanwhile
   left).

Aim (issue 8, item 6): every request answers within the 5 s timeout while the work goes on.
"""

import argparse
import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as c
import contacts_import

TIMEOUT = contacts_import.GATEWAY_TIMEOUT
POLL_SECONDS = 0.25


async def follow(runtime: Any, body: Any, meanwhile: int) -> dict[str, Any]:
    """Send a request answering a job, poll the job to its end, and create an organisation
    while it runs; the seconds of each."""
    from punte_contracts import contacts as k
    from punte_contracts.jobs import FINISHED_JOB_STATUSES, Job

    started = time.perf_counter()
    reply = await runtime.client.call(body, timeout=TIMEOUT)
    answered = time.perf_counter() - started
    job_id = reply.id if isinstance(reply, Job) else reply.revert_job_id
    create = k.CreateOrganization(
        kind=k.OrganizationKind.COMPANY,
        legal_name=f"Între Timp {meanwhile} SRL",
        cui=contacts_import.cui(10_000_000 + meanwhile),
    )
    with c.stopwatch() as created:
        await runtime.client.call(create, timeout=TIMEOUT)
    polls: list[float] = []
    while True:
        with c.stopwatch() as took:
            job = await runtime.client.call(k.GetContactsJob(id=job_id), timeout=TIMEOUT)
        polls.append(took[0])
        if job.status in FINISHED_JOB_STATUSES:
            break
        await asyncio.sleep(POLL_SECONDS)
    if job.status.value != "succeeded":
        raise RuntimeError(f"{job.kind} failed: {job.error}")
    return {
        "answered_s": answered,
        "done_s": time.perf_counter() - started,
        "create_meanwhile_s": created[0],
        "polls": len(polls),
        "slowest_poll_s": max(polls),
        "result": job.result,
    }


async def one_backend(backend: str, databases: c.Databases, tmp: Path, rows: int) -> dict[str, Any]:
    from punte_contacts.app import definition
    from punte_contracts import contacts as k
    from punte_platform.context import CallContext, call_context
    from punte_platform.runtime import ServiceRuntime
    from punte_platform.testing.nats_server import NatsServer

    server = NatsServer(tmp / f"nats-{backend}")
    server.start()
    database_url = await databases.create(backend, "contacts")
    settings = contacts_import.service_settings(server.url, database_url)
    runtime = ServiceRuntime(definition(), settings)
    caller = CallContext(
        actor=contacts_import.BENCH_ACTOR,
        permissions=frozenset({k.WRITE_PERMISSION, k.READ_PERMISSION, k.IMPORT_PERMISSION}),
    )
    try:
        await runtime.start()
        await c.call_as_gateway(runtime)
        content = contacts_import.csv_bytes(contacts_import.generate_rows(rows))
        staged = await runtime.files.put(
            content, filename="firme.csv", media_type="text/csv", owner=caller.actor
        )
        seeded = await contacts_import.run_import(runtime, staged.id, rows, None)
        print(f"   seeded {rows:,} organisations in {seeded['apply_s']:.1f}s", flush=True)
        with call_context(caller):
            imports = await _last_import(runtime)
            export = await follow(runtime, k.ExportOrganizations(format=k.ExportFormat.XLSX), 1)
            exported = k.ExportFile.model_validate(export.pop("result"))
            # The one created meanwhile is in it only when the export read after it.
            if exported.rows not in (rows, rows + 1):
                raise RuntimeError(f"the export holds {exported.rows} rows")
            revert = await follow(runtime, k.RevertImport(id=imports), 2)
            report = k.ImportRevertReport.model_validate(revert.pop("result"))
            if report.deleted != rows or report.conflicts:
                raise RuntimeError(f"the revert deleted {report.deleted}: {report.conflicts[:3]}")
            left = await contacts_import.count_organizations(runtime)
            if left != 2:
                raise RuntimeError(f"{left} organisations left, not the 2 created meanwhile")
    finally:
        await c.close_caller(runtime)
        await runtime.stop()
        server.stop()
    return {
        "backend": backend,
        "rows": rows,
        "xlsx_bytes": exported.file.size,
        **{f"export_{name}": value for name, value in export.items()},
        **{f"revert_{name}": value for name, value in revert.items()},
    }


async def _last_import(runtime: Any) -> Any:
    from punte_contacts.imports.models import ImportJob
    from sqlalchemy import select

    async with runtime.session_factory() as session:
        return await session.scalar(select(ImportJob.id).order_by(ImportJob.created_at.desc()))


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    backends, skipped = await c.reachable_backends(args.backend)
    postgres_url = c.postgres_server_url()
    results = []
    with tempfile.TemporaryDirectory(prefix="punte-bench-jobs-") as folder:
        tmp = Path(folder)
        databases = c.Databases(tmp, postgres_url if "postgresql" in backends else None)
        try:
            for backend in backends:
                print(f"\n-- {backend}", flush=True)
                results.append(await one_backend(backend, databases, tmp, args.rows))
        finally:
            await databases.drop_all()
    return {"runs": results, "skipped": skipped}


def report(result: dict[str, Any]) -> dict[str, bool]:
    rows = []
    verdicts: dict[str, bool] = {}
    for run in result["runs"]:
        for job in ("export", "revert"):
            slowest = max(
                run[f"{job}_answered_s"],
                run[f"{job}_create_meanwhile_s"],
                run[f"{job}_slowest_poll_s"],
            )
            ok = slowest < TIMEOUT
            verdicts[f"{run['backend']}_{job}_answers_in_time"] = ok
            rows.append(
                [
                    run["backend"],
                    f"{job} of {run['rows']:,}",
                    run[f"{job}_answered_s"],
                    run[f"{job}_done_s"],
                    run[f"{job}_create_meanwhile_s"],
                    run[f"{job}_slowest_poll_s"],
                    run[f"{job}_polls"],
                    f"< {TIMEOUT:.0f} s",
                    c.verdict(ok),
                ]
            )
    headers = ["backend", "job", "answer s", "done s", "create meanwhile s", "slowest poll s"]
    print(c.table([*headers, "polls", "aim", ""], rows, left=2))
    for backend, problem in result["skipped"].items():
        print(f"\nnote: {backend} skipped: {problem}")
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = c.parse_args(parser, smoke={"rows": 300, "backend": "sqlite"})
    c.drop_service_settings()  # the shell's settings must not leak into the measured runtime
    logging.basicConfig(level=logging.WARNING, format="   log: %(name)s: %(message)s")
    logging.getLogger("punte_platform.messaging.nats").setLevel(logging.ERROR)
    facts = c.print_header("contacts jobs: an XLSX export and a revert of many organisations")
    result = asyncio.run(bench(args))
    verdicts = report(result)
    c.write_results(
        "contacts_jobs",
        {"benchmark": "contacts_jobs", "machine": facts, **result, "meets_aims": verdicts},
    )


if __name__ == "__main__":
    main()
