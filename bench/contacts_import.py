"""Import of organisations from a staged CSV: dry run, apply and re-run, against COPY.

    uv run python bench/contacts_import.py [--rows 100000] [--backend sqlite|postgresql|both]
                                           [--profile]

A CSV of `--rows` organisations (valid CUIs with their check digit, Romanian names with
diacritics, Timișoara addresses, an e-mail and a phone each) is generated once. Per backend,
the contacts service runs in this process as it runs in production (migrations, NATS
endpoints, relay, the import subscriber) on a nats-server of its own and a fresh database;
the file is staged in the service's file store; then, over NATS as the gateway would:

1. `punte.contacts.import.start` with the staged file id, with the gateway's 5 s request
   timeout: a large file's answer is `validating` (the seconds to that answer are reported),
   then `punte.contacts.import.get` every 0.25 s until `validated`: the dry run (rows/s,
   from the start request to the `validated` status);
2. `punte.contacts.import.apply`, then `punte.contacts.import.get` every 0.25 s until
   `applied`: the background apply, chunk by chunk (rows/s, from the apply request to the
   `applied` status);
3. the same file again: dry run and apply, which must create and update nothing (asserted,
   with the number of organisations in the database).

Baseline, same run, same rows: PostgreSQL `COPY` (asyncpg `copy_records_to_table`) into a
bare table with the CSV's columns, no index, no checks. Aim (issue): at least 5,000 rows/s
for the PostgreSQL apply, and a re-run creating nothing.

`--profile` runs the backend's first dry run and apply under cProfile and prints the top
functions by cumulative time (slower; for finding hot spots, not for the figures).
"""

import argparse
import asyncio
import cProfile
import csv
import io
import logging
import pstats
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as c

POSTGRES_AIM = 5000.0
POLL_SECONDS = 0.25
APPLY_TIMEOUT = 1800.0
# The user the benchmark acts as; it stages the files it imports (a file is its uploader's).
BENCH_ACTOR = "user:bench"
GATEWAY_TIMEOUT = 5.0  # the gateway's request timeout: `import.start` must answer within it
HEADERS = [
    "Denumire",
    "CUI",
    "Email",
    "Telefon",
    "Strada",
    "Localitate",
    "Județ",
    "Cod poștal",
    "Etichete",
]
MAPPING = {
    "Denumire": "legal_name",
    "CUI": "cui",
    "Email": "emails",
    "Telefon": "phones",
    "Strada": "street",
    "Localitate": "locality",
    "Județ": "county",
    "Cod poștal": "postal_code",
    "Etichete": "tags",
}
_NAMES = [
    "Bănățeana",
    "Țesătoria",
    "Mureșul",
    "Begheiul",
    "Fabricii",
    "Iosefin",
    "Elisabetin",
    "Cetății",
    "Sânmihăian",
    "Giroc",
    "Dumbrăvița",
    "Ghiroda",
    "Moșnița",
    "Șagu",
    "Lugojeana",
    "Făget",
    "Recaș",
    "Buziaș",
]
_TRADES = [
    "Construcții",
    "Software",
    "Transport",
    "Panificație",
    "Consultanță",
    "Tipografie",
    "Logistică",
    "Agricultură",
    "Mobilă",
    "Turism",
]
_FORMS = ["S.R.L.", "S.A.", "Asociația", "Fundația", "S.C.S."]
_STREETS = [
    "Bulevardul Revoluției din 1989",
    "Strada Mărășești",
    "Piața Victoriei",
    "Calea Șagului",
    "Strada Gheorghe Lazăr",
    "Bulevardul Take Ionescu",
    "Calea Aradului",
    "Strada Văcărescu",
]
_TAGS = ["it", "export", "ong", "cultură", "educație", "energie", "sănătate", "turism"]


def cui(n: int) -> str:
    """A valid CUI: a body of seven to nine digits and its check digit."""
    from stdnum.ro import cui as ro_cui

    body = str(1_000_000 + n * 7)
    return body + ro_cui.calc_check_digit(body)


def generate_rows(count: int) -> list[list[str]]:
    """`count` distinct organisations, deterministic (seeded)."""
    rng = random.Random(4269282)
    rows = []
    for n in range(count):
        form = rng.choice(_FORMS)
        words = f"{rng.choice(_NAMES)} {rng.choice(_TRADES)} {n}"
        name = f"{form} {words}" if form in {"Asociația", "Fundația"} else f"{words} {form}"
        rows.append(
            [
                name,
                ("RO" if n % 3 == 0 else "") + cui(n),
                f"office{n}@firma-{n % 997}.ro",
                f"0256 {200000 + n % 300000:06d}",
                f"{rng.choice(_STREETS)} nr. {1 + n % 150}",
                "Timișoara",
                "Timiș",
                f"300{n % 1000:03d}",
                "; ".join(rng.sample(_TAGS, 2)),
            ]
        )
    return rows


def csv_bytes(rows: list[list[str]]) -> bytes:
    """The rows as staff would upload them: UTF-8 with a BOM, comma-separated."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


async def copy_baseline(databases: c.Databases, rows: list[list[str]]) -> dict[str, Any]:
    """PostgreSQL COPY of the same rows into a bare table: the floor of what a database takes."""
    import asyncpg
    from sqlalchemy.engine import make_url

    url = await databases.create("postgresql", "copy")
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn)
    try:
        columns = list(MAPPING.values())
        await connection.execute(
            "CREATE TABLE bare_organization (" + ", ".join(f"{name} text" for name in columns) + ")"
        )
        records = [tuple(row) for row in rows]
        started = time.perf_counter()
        await connection.copy_records_to_table(
            "bare_organization", records=records, columns=columns
        )
        took = time.perf_counter() - started
        copied = await connection.fetchval("SELECT count(*) FROM bare_organization")
    finally:
        await connection.close()
    assert copied == len(rows)
    return {"rows": len(rows), "seconds": took, "rows_per_s": len(rows) / took}


def service_settings(nats_url: str, database_url: str) -> Any:
    """The contacts service's settings: production defaults, test environment (no demo)."""
    from punte_contacts.settings import ContactsSettings
    from punte_platform.testing.nats_server import test_credentials

    return ContactsSettings(
        _env_file=None,  # type: ignore[call-arg]
        environment="test",
        log_json=False,
        nats_url=nats_url,
        database_url=database_url,
        **test_credentials().settings("contacts"),
    )


async def run_import(
    runtime: Any, staged_id: str, rows: int, profiler: cProfile.Profile | None
) -> dict[str, Any]:
    """Dry run then apply over NATS; rows/s of each, and what the import planned and did."""
    from punte_contracts import contacts as k
    from punte_platform.context import CallContext, call_context

    caller = CallContext(
        actor=BENCH_ACTOR, permissions=frozenset({k.WRITE_PERMISSION, k.READ_PERMISSION})
    )
    body = k.StartImport(kind=k.ImportKind.ORGANIZATIONS, staged_file_id=staged_id, mapping=MAPPING)
    late_polls = 0

    async def poll(job_id: Any, previous: Any) -> Any:
        """`import.get` with the gateway's timeout; on SQLite it may wait that long for the
        write lock a chunk holds (counted and reported, not fatal)."""
        nonlocal late_polls
        from punte_platform.errors import ServiceError

        try:
            return await runtime.client.call(k.GetImport(id=job_id), timeout=GATEWAY_TIMEOUT)
        except ServiceError as error:
            if error.body.code.value != "unavailable":
                raise
            late_polls += 1
            return previous

    with call_context(caller):
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        job = await runtime.client.call(body, timeout=GATEWAY_TIMEOUT)
        answered = time.perf_counter() - started
        answered_status = job.status.value
        while job.status is k.ImportStatus.VALIDATING:
            if time.perf_counter() > started + APPLY_TIMEOUT:
                raise RuntimeError(f"not validated after {APPLY_TIMEOUT:.0f}s: {job.rows_done}")
            await asyncio.sleep(POLL_SECONDS)
            job = await poll(job.id, job)
        dry_run = time.perf_counter() - started
        if job.error_rows:
            raise RuntimeError(f"{job.error_rows} rows with errors: {job.rows[:3]}")
        started = time.perf_counter()
        state = await runtime.client.call(k.ApplyImport(id=job.id), timeout=GATEWAY_TIMEOUT)
        deadline = started + APPLY_TIMEOUT
        while True:
            state = await poll(job.id, state)
            if state.status is k.ImportStatus.APPLIED:
                break
            if time.perf_counter() > deadline:
                raise RuntimeError(f"not applied after {APPLY_TIMEOUT:.0f}s: {state.rows_done}")
            await asyncio.sleep(POLL_SECONDS)
        apply = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
    return {
        "rows": job.total_rows,
        "start_answered_s": answered,
        "start_answered_status": answered_status,
        "dry_run_s": dry_run,
        "dry_run_rows_per_s": rows / dry_run,
        "apply_s": apply,
        "apply_rows_per_s": rows / apply,
        "late_polls": late_polls,
        "planned": job.planned.model_dump(),
        "done": state.done.model_dump(),
    }


async def count_organizations(runtime: Any) -> int:
    from punte_contacts.organizations.models import Organization
    from sqlalchemy import func, select

    async with runtime.session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(Organization)) or 0)


async def one_backend(
    backend: str,
    databases: c.Databases,
    tmp: Path,
    content: bytes,
    rows: int,
    profile: bool,
) -> dict[str, Any]:
    """Stage the file, import it, import it again; the figures of both runs."""
    from punte_contacts.app import definition
    from punte_platform.runtime import ServiceRuntime
    from punte_platform.testing.nats_server import NatsServer

    server = NatsServer(tmp / f"nats-{backend}")
    server.start()
    database_url = await databases.create(backend, "contacts")
    runtime = ServiceRuntime(definition(), service_settings(server.url, database_url))
    profiler = cProfile.Profile() if profile else None
    try:
        await runtime.start()
        await c.call_as_gateway(runtime)
        with c.stopwatch() as took:
            staged = await runtime.files.put(
                content, filename="organizații-timiș.csv", media_type="text/csv", owner=BENCH_ACTOR
            )
        stage_s = took[0]
        first = await run_import(runtime, staged.id, rows, profiler)
        if first["planned"]["create"] != rows or first["done"]["create"] != rows:
            raise RuntimeError(f"first import did not create every row: {first}")
        organizations = await count_organizations(runtime)
        second = await run_import(runtime, staged.id, rows, None)
        if second["planned"]["create"] or second["done"]["create"] or second["done"]["update"]:
            raise RuntimeError(f"the re-run changed something: {second}")
        after = await count_organizations(runtime)
        if organizations != rows or after != rows:
            raise RuntimeError(f"{organizations} then {after} organisations, not {rows}")
    finally:
        await c.close_caller(runtime)
        await runtime.stop()
        server.stop()
    if profiler is not None:
        print(f"\n-- cProfile, {backend}, first dry run + apply (top 35 by cumulative time)")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
    return {
        "backend": backend,
        "file_bytes": len(content),
        "stage_s": stage_s,
        "first": first,
        "rerun": second,
        "organizations": after,
    }


async def bench(args: argparse.Namespace) -> dict[str, Any]:
    backends, skipped = await c.reachable_backends(args.backend)
    postgres_url = c.postgres_server_url()
    print(f"\ngenerating {args.rows:,} organisations ...", flush=True)
    with c.stopwatch() as took:
        rows = generate_rows(args.rows)
        content = csv_bytes(rows)
    print(f"   {len(content) / 1e6:.1f} MB of CSV in {took[0]:.1f}s")
    results = []
    baseline = None
    with tempfile.TemporaryDirectory(prefix="punte-bench-import-") as folder:
        tmp = Path(folder)
        databases = c.Databases(tmp, postgres_url if "postgresql" in backends else None)
        try:
            if "postgresql" in backends:
                baseline = await copy_baseline(databases, rows)
                print(f"   COPY baseline: {baseline['rows_per_s']:,.0f} rows/s")
            for backend in backends:
                print(f"\n-- {backend}", flush=True)
                result = await one_backend(
                    backend, databases, tmp, content, args.rows, args.profile
                )
                results.append(result)
                for label in ("first", "rerun"):
                    r = result[label]
                    print(
                        f"   {label}: start answered {r['start_answered_status']} in "
                        f"{r['start_answered_s']:.2f}s, "
                        f"dry run {r['dry_run_rows_per_s']:,.0f} rows/s "
                        f"({r['dry_run_s']:.1f}s), apply {r['apply_rows_per_s']:,.0f} rows/s "
                        f"({r['apply_s']:.1f}s), "
                        f"{r['late_polls']} import.get over {GATEWAY_TIMEOUT:.0f}s",
                        flush=True,
                    )
        finally:
            await databases.drop_all()
    return {"runs": results, "copy_baseline": baseline, "skipped": skipped}


def report(result: dict[str, Any]) -> dict[str, bool]:
    baseline = result["copy_baseline"]
    rows = []
    verdicts: dict[str, bool] = {}
    for run in result["runs"]:
        for label in ("first", "rerun"):
            r = run[label]
            quick = r["start_answered_s"] < GATEWAY_TIMEOUT
            verdicts[f"{run['backend']}_{label}_start_answers_in_time"] = quick
            rows.append(
                [
                    run["backend"],
                    f"{label} start answered ({r['start_answered_status']})",
                    r["rows"],
                    r["start_answered_s"],
                    "",
                    "",
                    f"< {GATEWAY_TIMEOUT:.0f} s",
                    c.verdict(quick),
                ]
            )
            for phase in ("dry_run", "apply"):
                rate = r[f"{phase}_rows_per_s"]
                ratio = baseline["rows_per_s"] / rate if baseline else float("nan")
                aim = ""
                verdict = ""
                if run["backend"] == "postgresql" and label == "first" and phase == "apply":
                    aim = f">= {POSTGRES_AIM:,.0f}"
                    verdicts["postgresql_apply"] = rate >= POSTGRES_AIM
                    verdict = c.verdict(rate >= POSTGRES_AIM)
                rows.append(
                    [
                        run["backend"],
                        f"{label} {phase.replace('_', ' ')}",
                        r["rows"],
                        r[f"{phase}_s"],
                        rate,
                        ratio,
                        aim,
                        verdict,
                    ]
                )
        verdicts[f"{run['backend']}_rerun_creates_nothing"] = (
            run["rerun"]["done"]["create"] == 0 and run["rerun"]["done"]["update"] == 0
        )
    if baseline:
        rows.append(
            [
                "postgresql",
                "COPY into a bare table",
                baseline["rows"],
                baseline["seconds"],
                baseline["rows_per_s"],
                1.0,
                "",
                "",
            ]
        )
    print()
    print(
        c.table(
            ["backend", "step", "rows", "seconds", "rows/s", "COPY is x faster", "aim", ""],
            rows,
            left=2,
        )
    )
    for backend, problem in result["skipped"].items():
        print(f"\nnote: {backend} skipped: {problem}")
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--profile", action="store_true", help="cProfile the first import")
    args = c.parse_args(parser, smoke={"rows": 200, "backend": "sqlite"})
    c.drop_service_settings()  # the shell's settings must not leak into the measured runtime
    logging.basicConfig(level=logging.WARNING, format="   log: %(name)s: %(message)s")
    logging.getLogger("punte_platform.messaging.nats").setLevel(logging.ERROR)
    facts = c.print_header("contacts import: staged CSV of organisations, dry run and apply")
    result = asyncio.run(bench(args))
    verdicts = report(result)
    c.write_results(
        "contacts_import",
        {
            "benchmark": "contacts_import",
            "machine": facts,
            "aim_postgresql_apply_rows_per_s": POSTGRES_AIM,
            **result,
            "meets_aims": verdicts,
        },
    )


if __name__ == "__main__":
    main()
