"""`/api/v1/contacts`: imports and exports for API keys, with the real contacts service."""

import csv
import io
import json
from typing import Any

import httpx
import pytest
from punte_gateway_key_support import Gateway, GatewayFactory
from punte_platform.messaging.trust import generate_seed
from punte_platform.testing.hostile_files import dimension_lie_xlsx
from punte_platform.testing.waiting import eventually
from stdnum.ro import cui as ro_cui

pytestmark = pytest.mark.usefixtures("services")


@pytest.fixture
def service_names() -> tuple[str, ...]:
    """The REST contacts endpoints reach the contacts service alone."""
    return ("contacts",)


IMPORTS = "/api/v1/contacts/imports"
ORGANIZATIONS_EXPORT = "/api/v1/contacts/organizations/export"
PEOPLE_EXPORT = "/api/v1/contacts/people/export"
MAPPING = {"Denumire": "legal_name", "CUI": "cui", "Localitate": "locality", "Etichete": "tags"}


def cui(n: int) -> str:
    body = str(3_000_000 + n)
    return body + ro_cui.calc_check_digit(body)


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(list(MAPPING))
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


GOOD = csv_bytes(
    [
        ["Alfa Timiș SRL", cui(1), "Timișoara", "parteneri"],
        ["Beta Banat SRL", cui(2), "Lugoj", "parteneri"],
    ]
)


async def start(
    gw: Gateway, secret: str, content: bytes, filename: str = "firme.csv", **params: str
) -> httpx.Response:
    query = {"kind": "organizations", "mode": "upsert", "filename": filename, **params}
    query.setdefault("mapping", json.dumps(MAPPING))
    return await gw.call(
        "POST", IMPORTS, secret, params=query, content=content, headers={"Content-Type": "text/csv"}
    )


async def export(gw: Gateway, secret: str, path: str, **params: str) -> tuple[httpx.Response, int]:
    """Start an export job, follow it, and download its file: the download and its rows."""
    started = await gw.call("POST", path, secret, params=params)
    assert started.status_code == 202, started.text
    job_path = f"/api/v1/contacts/jobs/{started.json()['id']}"

    async def probe() -> dict[str, Any]:
        body: dict[str, Any] = (await gw.call("GET", job_path, secret)).json()
        return body

    done = await eventually(probe, lambda j: j["status"] in {"succeeded", "failed"}, timeout=30)
    assert done["status"] == "succeeded", done
    download = await gw.client.get(done["downloadUrl"])  # signed: no credentials needed
    assert download.status_code == 200, download.text
    return download, int(done["result"]["rows"])


async def test_a_key_without_the_import_scope_is_refused(gw: Gateway) -> None:
    reader = await gw.issue(scopes=("contacts:read", "contacts:write"))
    refused = await start(gw, reader.secret, GOOD)
    assert refused.status_code == 403
    assert refused.json() == {
        "error": {"code": "forbidden", "message": "the API key lacks the contacts:import scope"}
    }
    some_job = f"{IMPORTS}/0190a0a0-0000-7000-8000-000000000000"
    for method, path in (("GET", some_job), ("POST", f"{some_job}/apply")):
        assert (await gw.call(method, path, reader.secret)).status_code == 403
    assert (await start(gw, "", GOOD)).status_code == 401


async def test_import_dry_run_apply_and_revert(gw: Gateway) -> None:
    importer = await gw.issue(name="importer", scopes=("contacts:import", "contacts:read"))
    content = csv_bytes(
        [
            ["Alfa Timiș SRL", cui(1), "Timișoara", "parteneri"],
            ["Rău SRL", "18547291", "", ""],  # bad CUI
        ]
    )
    dry = await start(gw, importer.secret, content)
    assert dry.status_code == 201, dry.text
    job = dry.json()
    assert job["status"] == "validated"
    assert job["totalRows"] == 2
    assert job["errorRows"] == 1
    assert job["planned"] == {"create": 1, "update": 0, "unchanged": 0, "skip": 1}
    [broken] = [row for row in job["rows"] if row["errors"]]
    assert broken["line"] == 3
    assert broken["errors"][0]["path"] == ["cui"]
    job_path = f"{IMPORTS}/{job['id']}"
    fetched = await gw.call("GET", job_path, importer.secret)
    assert fetched.status_code == 200
    assert fetched.json() == job

    applied = await gw.call("POST", f"{job_path}/apply", importer.secret)
    assert applied.status_code == 202, applied.text

    async def probe() -> dict[str, Any]:
        body: dict[str, Any] = (await gw.call("GET", job_path, importer.secret)).json()
        return body

    done = await eventually(probe, lambda j: j["status"] == "applied", timeout=30)
    assert done["progress"] == 1
    assert done["done"]["create"] == 1
    again = await gw.call("POST", f"{job_path}/apply", importer.secret)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "conflict"

    exported, rows = await export(gw, importer.secret, ORGANIZATIONS_EXPORT, tag="parteneri")
    assert rows == 1
    assert "Alfa Timiș SRL" in exported.content.decode("utf-8-sig")

    reverted = await gw.call("POST", f"{job_path}/revert", importer.secret)
    assert reverted.status_code == 202, reverted.text
    assert reverted.json()["status"] == "reverting"
    revert_job = f"/api/v1/contacts/jobs/{reverted.json()['revertJobId']}"

    async def follow() -> dict[str, Any]:
        body: dict[str, Any] = (await gw.call("GET", revert_job, importer.secret)).json()
        return body

    report = await eventually(follow, lambda j: j["status"] == "succeeded", timeout=30)
    result = report["result"]
    assert (result["deleted"], result["restored"], result["conflicts"]) == (1, 0, [])
    assert (await gw.call("GET", job_path, importer.secret)).json()["status"] == "reverted"
    _, rows = await export(gw, importer.secret, ORGANIZATIONS_EXPORT, tag="parteneri")
    assert rows == 0


async def test_bad_requests_get_the_json_error_shape(gw: Gateway) -> None:
    importer = await gw.issue(name="importer", scopes=("contacts:import",))
    png = await start(gw, importer.secret, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "poza.png")
    assert png.status_code == 422
    assert png.json()["error"]["code"] == "validation_failed"
    assert "content" in png.json()["error"]["message"] or "CSV" in png.json()["error"]["message"]
    too_far = await start(gw, importer.secret, dimension_lie_xlsx(), "firme.xlsx")
    assert too_far.status_code == 422
    assert too_far.json()["error"]["code"] == "validation_failed"
    assert "over the limit max_rows = 100001" in too_far.json()["error"]["message"]
    bad_json = await start(gw, importer.secret, GOOD, mapping="{not json")
    assert bad_json.status_code == 400
    assert bad_json.json()["error"]["message"] == "mapping: not JSON"
    bad_kind = await start(gw, importer.secret, GOOD, kind="animals")
    assert bad_kind.status_code == 422
    empty = await start(gw, importer.secret, b"")
    assert empty.status_code == 400
    unknown = await gw.call(
        "GET", f"{IMPORTS}/0190a0a0-0000-7000-8000-000000000000", importer.secret
    )
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    not_uuid = await gw.call("GET", f"{IMPORTS}/not-a-uuid", importer.secret)
    assert not_uuid.status_code == 422
    header_mapping = await gw.call(
        "POST",
        IMPORTS,
        importer.secret,
        params={"kind": "organizations", "filename": "f.csv"},
        content=GOOD,
        headers={"X-Punte-Mapping": json.dumps(MAPPING)},
    )
    assert header_mapping.status_code == 201, header_mapping.text
    assert header_mapping.json()["planned"]["create"] == 2


async def test_export_needs_the_read_scope_and_takes_filters(gw: Gateway) -> None:
    importer = await gw.issue(name="importer", scopes=("contacts:import",))
    reader = await gw.issue(name="reader", scopes=("contacts:read",))
    assert (await start(gw, importer.secret, GOOD)).status_code == 201
    refused = await gw.call("POST", ORGANIZATIONS_EXPORT, importer.secret)
    assert refused.status_code == 403
    xlsx, rows = await export(
        gw, reader.secret, ORGANIZATIONS_EXPORT, format="xlsx", locality="Lugoj"
    )
    assert rows == 0  # the dry run wrote nothing
    assert xlsx.headers["content-disposition"].startswith('attachment; filename="organizatii-')
    bad = await gw.call(
        "POST",
        "/api/v1/contacts/organizations/export",
        reader.secret,
        params={"caenCode": "12"},
    )
    assert bad.status_code == 422
    assert bad.json()["error"]["message"].startswith("caen_code:")


PEOPLE = {"Prenume": "given_name", "Nume": "family_name", "E-mail": "emails", "Etichete": "tags"}


async def test_people_export_needs_the_read_scope_and_takes_filters(gw: Gateway) -> None:
    importer = await gw.issue(name="importer", scopes=("contacts:import",))
    reader = await gw.issue(name="reader", scopes=("contacts:read",))
    content = (
        "Prenume,Nume,E-mail,Etichete\r\n"
        "Ana,Țărmure,ana@e-uvt.ro,parteneri\r\n"
        "Ion,Bălan,ion@balan.ro,altii\r\n"
    ).encode()
    dry = await start(
        gw, importer.secret, content, "persoane.csv", kind="people", mapping=json.dumps(PEOPLE)
    )
    assert dry.status_code == 201, dry.text
    job_path = f"{IMPORTS}/{dry.json()['id']}"
    assert (await gw.call("POST", f"{job_path}/apply", importer.secret)).status_code == 202

    async def probe() -> dict[str, Any]:
        body: dict[str, Any] = (await gw.call("GET", job_path, importer.secret)).json()
        return body

    await eventually(probe, lambda j: j["status"] == "applied", timeout=30)

    refused = await gw.call("POST", PEOPLE_EXPORT, importer.secret)
    assert refused.status_code == 403
    assert (await gw.call("POST", PEOPLE_EXPORT, "")).status_code == 401
    exported, rows = await export(gw, reader.secret, PEOPLE_EXPORT, tag="parteneri")
    assert rows == 1
    assert exported.headers["content-disposition"].startswith('attachment; filename="persoane-')
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [(r["given_name"], r["family_name"], r["emails"]) for r in rows] == [
        ("Ana", "Țărmure", "ana@e-uvt.ro")
    ]
    xlsx, rows = await export(gw, reader.secret, PEOPLE_EXPORT, format="xlsx", search="balan")
    assert rows == 1
    assert xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")


async def test_a_start_retried_with_its_idempotency_key_answers_the_first_job(gw: Gateway) -> None:
    importer = await gw.issue(name="importer", scopes=("contacts:import", "contacts:read"))
    retry = {"Idempotency-Key": "import-1"}
    first = await start_with(gw, importer.secret, retry)
    again = await start_with(gw, importer.secret, retry)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    other = await start_with(gw, importer.secret, {"Idempotency-Key": "import-2"})
    assert other.json()["id"] != first.json()["id"]
    # An export is a job started by a POST too: the same key, the same job.
    exports = [
        await gw.call(
            "POST", ORGANIZATIONS_EXPORT, importer.secret, headers={"Idempotency-Key": "x"}
        )
        for _ in range(2)
    ]
    assert exports[0].json()["id"] == exports[1].json()["id"]


async def start_with(gw: Gateway, secret: str, headers: dict[str, str]) -> httpx.Response:
    query = {"kind": "organizations", "filename": "firme.csv", "mapping": json.dumps(MAPPING)}
    return await gw.call(
        "POST",
        IMPORTS,
        secret,
        params=query,
        content=GOOD,
        headers={"Content-Type": "text/csv", **headers},
    )


async def test_a_gateway_whose_signature_the_services_refuse_answers_502(
    gateway_factory: GatewayFactory,
) -> None:
    """A gateway signing with a key the services do not know is misconfigured: it says so,
    and gets nothing from them."""
    async with gateway_factory(context_signing_seed=generate_seed()) as untrusted:
        caller = await untrusted.issue(scopes=("contacts:import",))
        refused = await untrusted.call(
            "GET", f"{IMPORTS}/0190a0a0-0000-7000-8000-000000000000", caller.secret
        )
    assert refused.status_code == 502
    assert refused.json()["error"]["code"] == "unauthenticated"
