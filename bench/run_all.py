"""Run every benchmark in turn (`make bench`), then print one summary from their JSON results.

    uv run python bench/run_all.py [--smoke] [rpc outbox memory gateway contacts_search
                                              contacts_import contacts_jobs file_reading
                                              uploads]

Each benchmark runs as its own process, as `uv run python bench/<name>.py` would run it.
Exits non-zero if a benchmark failed to run (missing an aim is reported, not a failure).
"""

import argparse
import json
import subprocess
import sys
import time
from typing import Any

import _common as c

# In this order; a script missing from the checkout is skipped.
BENCHMARKS = [
    "rpc",
    "outbox",
    "memory",
    "gateway",
    "contacts_search",
    "contacts_import",
    "contacts_jobs",
    "file_reading",
    "uploads",
]


def num(value: Any, spec: str) -> str:
    """Format a figure; results files hold "inf"/"nan" as strings."""
    return format(value, spec) if isinstance(value, int | float) else str(value)


def summary(name: str, data: dict[str, Any]) -> list[list[Any]]:
    """Rows of (benchmark, figure, value, aim, verdict) from one result file."""
    rows: list[list[Any]] = []
    if name == "rpc":
        f = data["figures"]
        ratios = data["ratios_platform_over_raw"]
        aim = data["aim_ratio"]
        rows += [
            ["rpc", "raw p50 / p99 ms", f"{f['raw']['p50_ms']:.2f} / {f['raw']['p99_ms']:.2f}"],
            [
                "rpc",
                "platform p50 / p99 ms",
                f"{f['platform']['p50_ms']:.2f} / {f['platform']['p99_ms']:.2f}",
            ],
            [
                "rpc",
                f"req/s, {data['in_flight']} in flight: raw / platform",
                f"{f['raw']['rps_concurrent']:,.0f} / {f['platform']['rps_concurrent']:,.0f}",
            ],
        ]
        for label, ratio in ratios.items():
            rows.append(
                ["rpc", f"platform/raw {label}", f"{ratio:.2f}x", f"<= {aim}x", ratio <= aim]
            )
    elif name == "outbox":
        aims = data["aims_msgs_per_s"]
        for r in data["relay"]:
            shape = "many subjects" if r["subjects"] > 1 else "one subject"
            rows.append(
                [
                    "outbox",
                    f"relay {r['backend']}, {shape} (publish_async baseline)",
                    f"{r['relay_msgs_per_s']:,.0f} msg/s "
                    f"({r['baseline_publish_async_msgs_per_s']:,.0f})",
                    f">= {aims[r['backend']]:,.0f}" if r["subjects"] > 1 else "",
                    r["relay_msgs_per_s"] >= aims[r["backend"]] if r["subjects"] > 1 else "",
                ]
            )
        for r in data["latency"]:
            rows.append(
                [
                    "outbox",
                    f"e2e {r['backend']} at {r['target_msgs_per_s']:g}/s: p50 / p99 ms, applied/s",
                    f"{num(r['latency_p50_ms'], ',.1f')} / {num(r['latency_p99_ms'], ',.1f')}, "
                    f"{num(r['applied_msgs_per_s'], ',.0f')}/s",
                ]
            )
        for backend, why in data["skipped"].items():
            rows.append(["outbox", f"{backend} skipped", why])
    elif name == "memory":
        aim = data["aim_rss_mb"]
        for process, r in data["processes"].items():
            if "error" in r:
                rows.append(["memory", f"{process} RSS", "did not start", f"< {aim:g} MB", False])
                continue
            if "baseline" in process or "reference" in process:
                rows.append(["memory", f"{process} RSS", f"{r['rss_mb']:.1f} MB"])
                continue
            rows.append(
                [
                    "memory",
                    f"{process} RSS (exit after SIGTERM)",
                    f"{r['rss_mb']:.1f} MB ({r['seconds_to_exit']:.2f}s)",
                    f"< {aim:g} MB",
                    r["rss_mb"] < aim,
                ]
            )
    elif name == "gateway":
        g, d = data["gateway"], data["direct"]
        rows += [
            [
                "gateway",
                "p50 / p99 ms: through the gateway, NATS straight",
                f"{g['p50_ms']:.2f} / {g['p99_ms']:.2f}, {d['p50_ms']:.2f} / {d['p99_ms']:.2f}",
            ],
            [
                "gateway",
                f"req/s, {data['in_flight']} in flight: gateway, straight",
                f"{g['requests_per_s']:,.0f}, {d['requests_per_s']:,.0f}",
            ],
            ["gateway", "gateway CPU per request", f"{data['gateway_cpu_ms_per_request']:.2f} ms"],
        ]
    elif name == "contacts_search":
        aim = data["aim_p95_ms"]
        for backend in data["backends"]:
            base = backend["baseline_get_many_20"]
            rows.append(
                [
                    "contacts_search",
                    f"{backend['backend']} baseline get_many(20) p50 / p95 ms",
                    f"{base['p50_ms']:.1f} / {base['p95_ms']:.1f}",
                ]
            )
            for r in backend["searches"]:
                if r["kind"] not in ("prefix", "misspelled"):
                    continue
                aimed = backend["backend"] == "postgresql"
                rows.append(
                    [
                        "contacts_search",
                        f"{backend['backend']} {r['entity']} {r['kind']} {r['query']!r} "
                        "p50 / p95 ms",
                        f"{r['p50_ms']:.1f} / {r['p95_ms']:.1f}",
                        f"p95 < {aim:g}" if aimed else "",
                        r["p95_ms"] < aim if aimed else "",
                    ]
                )
        for backend, why in data["skipped"].items():
            rows.append(["contacts_search", f"{backend} skipped", why])
    elif name == "contacts_import":
        aim = data["aim_postgresql_apply_rows_per_s"]
        copy = data["copy_baseline"]
        for run in data["runs"]:
            first, rerun = run["first"], run["rerun"]
            aimed = run["backend"] == "postgresql"
            rows += [
                [
                    "contacts_import",
                    f"{run['backend']} {first['rows']:,} orgs: dry run / apply rows/s",
                    f"{first['dry_run_rows_per_s']:,.0f} / {first['apply_rows_per_s']:,.0f}",
                    f">= {aim:,.0f} apply" if aimed else "",
                    first["apply_rows_per_s"] >= aim if aimed else "",
                ],
                [
                    "contacts_import",
                    f"{run['backend']} re-run: dry run / apply rows/s, created",
                    f"{rerun['dry_run_rows_per_s']:,.0f} / {rerun['apply_rows_per_s']:,.0f}, "
                    f"{rerun['done']['create']}",
                    "creates 0",
                    rerun["done"]["create"] == 0 and rerun["done"]["update"] == 0,
                ],
            ]
        if copy:
            rows.append(
                ["contacts_import", "PostgreSQL COPY baseline rows/s", f"{copy['rows_per_s']:,.0f}"]
            )
        for backend, why in data["skipped"].items():
            rows.append(["contacts_import", f"{backend} skipped", why])
    elif name == "contacts_jobs":
        for run in data["runs"]:
            for job in ("export", "revert"):
                rows.append(
                    [
                        "contacts_jobs",
                        f"{run['backend']} {job} of {run['rows']:,}: slowest answer s",
                        num(
                            max(
                                run[f"{job}_answered_s"],
                                run[f"{job}_create_meanwhile_s"],
                                run[f"{job}_slowest_poll_s"],
                            ),
                            ".2f",
                        ),
                        "< 5 s",
                        data["meets_aims"][f"{run['backend']}_{job}_answers_in_time"],
                    ]
                )
        for backend, why in data["skipped"].items():
            rows.append(["contacts_jobs", f"{backend} skipped", why])
    elif name == "file_reading":
        for kind, f in data["figures"].items():
            rows.append(
                [
                    "file_reading",
                    f"{kind} of {f['rows']:,} rows: rows/s old / new, new/old",
                    f"{f['old_rows_per_s']:,.0f} / {f['new_rows_per_s']:,.0f}, "
                    f"{f['ratio_new_over_old']:.2f}x",
                    "<= 1.5x",
                    data["meets_aims"][f"{kind}_within_aim"],
                ]
            )
        for attack, r in data["refused"].items():
            rows.append(
                [
                    "file_reading",
                    f"{attack}: refused in s, peak MB",
                    f"{r['seconds']:.3f}, {r['peak_mb']:.1f}",
                ]
            )
    elif name == "uploads":
        for run in data["runs"]:
            rows.append(
                [
                    "uploads",
                    f"{run['label']}: gateway RSS idle / peak with {data['parallel']} x "
                    f"{data['megabytes']:g} MB",
                    f"{run['idle_rss_mb']:.0f} / {run['peak_rss_mb']:.0f} MB",
                    "",
                    all(status == 201 for status in run["statuses"]),
                ]
            )
    return [row + [""] * (5 - len(row)) for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help=f"some of: {' '.join(BENCHMARKS)}")
    args = c.parse_args(parser, smoke={})  # --smoke reaches each script through the environment
    if unknown := set(args.names) - set(BENCHMARKS):
        parser.error(f"unknown benchmarks: {' '.join(sorted(unknown))}")
    chosen = args.names or [n for n in BENCHMARKS if (c.BENCH_DIR / f"{n}.py").exists()]
    facts = c.print_header(f"all benchmarks: {', '.join(chosen)}")
    failed = []
    took: dict[str, float] = {}
    for name in chosen:
        print(f"\n{'#' * 100}\n# bench/{name}.py\n{'#' * 100}", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(c.BENCH_DIR / f"{name}.py")])
        took[name] = time.perf_counter() - started
        if code != 0:
            failed.append(name)
            print(f"bench/{name}.py failed with exit code {code}")
    rows: list[list[Any]] = []
    for name in chosen:
        path = c.results_dir() / f"{name}.json"
        if name in failed or not path.exists():
            rows.append([name, "FAILED", "", "", ""])
            continue
        rows += summary(name, json.loads(path.read_text()))
    for row in rows:
        if isinstance(row[4], bool):
            row[4] = c.verdict(row[4])
    print(f"\n{'#' * 100}\nsummary (nproc={facts['nproc']}, python {facts['python']})")
    print(c.table(["benchmark", "figure", "value", "aim", ""], rows, left=2))
    print("\nwall time: " + ", ".join(f"{n} {s:.0f}s" for n, s in took.items()))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
