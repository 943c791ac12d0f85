"""The UI's speed with 10,000 organisations (imported through the real import): first load of
the list, results while typing in search, and the size of the initial JavaScript."""

import csv
import gzip
import io
import re
import time

import pytest
from playwright.sync_api import Page, expect
from stdnum.ro import cui as ro_cui

from .conftest import WEB_DIST, LiveSystem, sign_in

ORGANIZATIONS = 10_000
IMPORT_TIMEOUT_S = 180
START = """
mutation ($input: StartImportInput!) {
  startImport(input: $input) { importJob { id status } userErrors { code message } }
}
"""
APPLY = """
mutation ($input: ApplyImportInput!) {
  applyImport(input: $input) { importJob { id status } userErrors { code message } }
}
"""
JOB = "query ($id: ID!) { importJob(id: $id) { status rowsDone errorRows } }"
PLACES = [("Timișoara", "Timiș"), ("Arad", "Arad"), ("Lugoj", "Timiș"), ("Reșița", "Caraș-Severin")]
WORDS = ["Banat", "Bega", "Cetate", "Fabric", "Iosefin", "Mehala", "Aradului", "Lipovei"]
# Aims of the issue; the test fails only far above them (a loaded shared machine is slower),
# the figures measured are printed and kept in bench/README.md.
FIRST_LOAD_AIM_MS = 1_500
SEARCH_AIM_MS = 300
INITIAL_JS_AIM_KB = 300


def organizations_csv(count: int) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["legal_name", "kind", "cui", "locality", "county", "tags"])
    for n in range(count):
        body = str(2_000_000 + n * 7)
        locality, county = PLACES[n % len(PLACES)]
        writer.writerow(
            [
                f"{WORDS[n % len(WORDS)]} {WORDS[(n // 8) % len(WORDS)]} Consult {n} S.R.L.",
                "company",
                body + ro_cui.calc_check_digit(body),
                locality,
                county,
                "it" if n % 3 else "export",
            ]
        )
    return buffer.getvalue().encode()


def wait_for_import(live_system: LiveSystem, job_id: str, status: str) -> None:
    deadline = time.monotonic() + IMPORT_TIMEOUT_S
    while time.monotonic() < deadline:
        job = live_system.graphql(JOB, {"id": job_id})["importJob"]
        if job["status"] == status:
            assert job["errorRows"] == 0, job
            return
        time.sleep(0.5)
    pytest.fail(f"import not {status} within {IMPORT_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def many_organizations(live_system: LiveSystem) -> None:
    """10,000 organisations imported as staff do: upload, dry run, apply."""
    staged = live_system.upload("firme.csv", organizations_csv(ORGANIZATIONS))
    started = live_system.graphql(
        START, {"input": {"stagedFileId": staged, "kind": "ORGANIZATIONS", "mode": "UPSERT"}}
    )["startImport"]
    assert started["userErrors"] == [], started
    job_id = started["importJob"]["id"]
    wait_for_import(live_system, job_id, "VALIDATED")
    applied = live_system.graphql(APPLY, {"input": {"id": job_id}})["applyImport"]
    assert applied["userErrors"] == [], applied
    wait_for_import(live_system, job_id, "APPLIED")


def initial_javascript_gzip_kb() -> float:
    """The entry script index.html loads, gzipped: what a first visit downloads before routes."""
    index = (WEB_DIST / "index.html").read_text()
    scripts = re.findall(r'<script type="module" crossorigin src="/([^"]+)"', index)
    return sum(len(gzip.compress((WEB_DIST / path).read_bytes())) for path in scripts) / 1024


def test_the_list_loads_and_searches_fast_with_10000_organizations(
    page: Page, many_organizations: None
) -> None:
    sign_in(page, path="/organizations")
    count = page.get_by_test_id("organizations-count")
    expect(count).to_have_text(f"{ORGANIZATIONS} de organizații")

    # First load, signed in: from navigation start to the count and rows on screen.
    page.goto("/organizations?sort=%22NAME%22")
    expect(count).to_have_text(f"{ORGANIZATIONS} de organizații")
    expect(page.locator("table tbody tr")).to_have_count(25)
    first_load_ms = page.evaluate("performance.now()")

    # Typing: from the last key to the results on screen (debounced, stale requests aborted):
    # the last change a MutationObserver sees around the count, once the spinner is gone.
    page.evaluate(
        """() => {
          const count = document.querySelector('[data-testid="organizations-count"]');
          window.changes = [];
          new MutationObserver(() => window.changes.push(performance.now()))
            .observe(count.parentElement, {childList: true, subtree: true, characterData: true});
          document.addEventListener('keydown', () => { window.lastKey = performance.now(); });
        }"""
    )
    page.get_by_role("searchbox").press_sequentially("cetate mehala", delay=60)
    expect(page).to_have_url(re.compile(r"q=(%22)?cetate(%20|\+)mehala"))
    expect(page.get_by_label("Se încarcă…")).to_have_count(0)
    expect(count).not_to_have_text(f"{ORGANIZATIONS} de organizații")
    search_ms = page.evaluate("window.changes.at(-1) - window.lastKey")
    found = count.inner_text()
    js_kb = initial_javascript_gzip_kb()

    print(
        f"\nweb UI, {ORGANIZATIONS} organisations: first load {first_load_ms:.0f} ms "
        f"(aim < {FIRST_LOAD_AIM_MS}), search {search_ms:.0f} ms after the last key "
        f"(aim < {SEARCH_AIM_MS}), result {found!r}, "
        f"initial JS {js_kb:.0f} kB gzip (aim < {INITIAL_JS_AIM_KB})"
    )
    assert js_kb < INITIAL_JS_AIM_KB
    assert first_load_ms < 4 * FIRST_LOAD_AIM_MS
    assert search_ms < 4 * SEARCH_AIM_MS
