"""Imports through GraphQL and POST /uploads, with the real contacts service behind."""

import base64
import csv
import io
import uuid
from typing import Any

import httpx
from punte_platform.testing.hostile_files import dimension_lie_xlsx
from punte_platform.testing.nats_server import HARNESS, test_credentials
from punte_platform.testing.waiting import eventually
from stdnum.ro import cui as ro_cui
from strawberry import relay

from ..auth.conftest import StaffGatewayFactory
from .conftest import Crm

ERRORS = "userErrors { field code message }"
JOB = """
  id kind mode filename status totalRows rowsDone progress errorRows rowsTruncated
  planned { create update unchanged skip } done { create update unchanged skip }
  rows { line action targetId errors { field message } }
  createdAt appliedAt revertedAt revertJobId
"""
REVERT_JOB = """
query ($id: ID!) {
  job(id: $id) {
    kind status done total progress
    revert { deleted restored conflicts { line action targetId } }
  }
}
"""
START = f"""
mutation ($input: StartImportInput!) {{
  startImport(input: $input) {{ importJob {{ {JOB} }} {ERRORS} }}
}}
"""
APPLY = f"""
mutation ($input: ApplyImportInput!) {{
  applyImport(input: $input) {{ importJob {{ {JOB} }} {ERRORS} }}
}}
"""
REVERT = f"""
mutation ($input: RevertImportInput!) {{
  revertImport(input: $input) {{
    importJob {{ {JOB} }} job {{ id status }} {ERRORS}
  }}
}}
"""
GET = f"query ($id: ID!) {{ importJob(id: $id) {{ {JOB} }} node(id: $id) {{ id }} }}"
ORGS = "{ organizations(first: 50) { edges { node { id legalName } } } }"
HEADERS = ["Denumire", "CUI", "Email", "Localitate"]
MAPPING = [
    {"column": "Denumire", "field": "legal_name"},
    {"column": "CUI", "field": "cui"},
    {"column": "Email", "field": "emails"},
    {"column": "Localitate", "field": "locality"},
]


def cui(n: int) -> str:
    body = str(2_000_000 + n)
    return body + ro_cui.calc_check_digit(body)


def csv_bytes(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


GOOD = csv_bytes(
    [
        ["Alfa SRL", cui(1), "office@alfa.example", "Timișoara"],
        ["Beta SRL", cui(2), "", "Lugoj"],
    ]
)


async def upload(
    crm: Crm, content: bytes, filename: str = "firme.csv", token: str | None = None
) -> httpx.Response:
    return await crm.gw.client.post(
        "/uploads",
        params={"filename": filename},
        content=content,
        headers={"Authorization": f"Bearer {token or crm.writer}", "Content-Type": "text/csv"},
    )


async def start_inline(crm: Crm, content: bytes, filename: str = "firme.csv") -> dict[str, Any]:
    return await crm.mutate(
        START,
        {
            "kind": "ORGANIZATIONS",
            "mapping": MAPPING,
            "fileBase64": base64.b64encode(content).decode(),
            "filename": filename,
        },
    )


async def organization_names(crm: Crm) -> list[str]:
    data = await crm.data(ORGS)
    return sorted(e["node"]["legalName"] for e in data["organizations"]["edges"])


async def test_broken_rows_are_reported_per_row_and_nothing_is_written(crm: Crm) -> None:
    content = csv_bytes(
        [
            ["Alfa SRL", cui(1), "office@alfa.example", "Timișoara"],
            ["Beta SRL", "18547291", "", ""],  # bad CUI
            ["Gama SRL", "", "nu-e-email", ""],  # bad e-mail
            ["", cui(3), "", ""],  # missing name
            ["Alfa Dublură", cui(1), "", ""],  # same CUI as line 2
        ]
    )
    payload = await start_inline(crm, content)
    assert payload["userErrors"] == []
    job = payload["importJob"]
    assert relay.from_base64(job["id"])[0] == "ImportJob"
    assert job["status"] == "VALIDATED"
    assert job["totalRows"] == 5
    assert job["errorRows"] == 4
    assert job["planned"] == {"create": 1, "update": 0, "unchanged": 0, "skip": 4}
    by_line = {row["line"]: row for row in job["rows"]}
    assert by_line[3]["errors"][0]["field"] == ["cui"]
    assert by_line[4]["errors"][0]["field"] == ["emails", "0"]
    assert by_line[5]["errors"] == [{"field": ["legalName"], "message": "missing"}]
    assert by_line[6]["errors"][0]["field"] == ["cui"]
    assert "duplicate" in by_line[6]["errors"][0]["message"]
    assert by_line[2] == {"line": 2, "action": "CREATE", "targetId": None, "errors": []}
    assert await organization_names(crm) == []
    again = await crm.data(GET, {"id": job["id"]})
    assert again["importJob"] == job
    assert again["node"] == {"id": job["id"]}


async def test_a_file_that_is_not_csv_is_a_clear_user_error(crm: Crm) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    payload = await start_inline(crm, png, filename="poza.png")
    assert payload["importJob"] is None
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == (["input", "fileBase64"], "validation_failed")
    assert "CSV" in error["message"] or "csv" in error["message"]
    staged = await upload(crm, png, filename="firme.csv")
    assert staged.status_code == 201
    by_id = await crm.mutate(
        START, {"kind": "ORGANIZATIONS", "mapping": MAPPING, "stagedFileId": staged.json()["id"]}
    )
    [error] = by_id["userErrors"]
    assert (error["field"], error["code"]) == (["input", "stagedFileId"], "validation_failed")


async def test_a_file_over_a_reading_limit_is_a_user_error_naming_the_limit(crm: Crm) -> None:
    payload = await start_inline(crm, dimension_lie_xlsx(), filename="firme.xlsx")
    assert payload["importJob"] is None
    [error] = payload["userErrors"]
    assert (error["field"], error["code"]) == (["input", "fileBase64"], "validation_failed")
    assert error["message"] == "row 1048576: over the limit max_rows = 100001"


async def test_the_file_is_given_one_way_only(crm: Crm) -> None:
    neither = await crm.mutate(START, {"kind": "ORGANIZATIONS"})
    assert [e["code"] for e in neither["userErrors"]] == ["validation_failed"]
    no_name = await crm.mutate(
        START, {"kind": "ORGANIZATIONS", "fileBase64": base64.b64encode(GOOD).decode()}
    )
    assert [(e["field"], e["code"]) for e in no_name["userErrors"]] == [
        (["input", "filename"], "validation_failed")
    ]
    unknown = await crm.mutate(
        START, {"kind": "ORGANIZATIONS", "stagedFileId": "0190a0a0-0000-7000-8000-000000000000"}
    )
    assert [(e["field"], e["code"]) for e in unknown["userErrors"]] == [
        (["input", "stagedFileId"], "not_found")
    ]
    twice = await crm.mutate(
        START,
        {
            "kind": "ORGANIZATIONS",
            "mapping": [*MAPPING, {"column": "CUI", "field": "notes"}],
            "fileBase64": base64.b64encode(GOOD).decode(),
            "filename": "f.csv",
        },
    )
    assert [(e["field"], e["code"]) for e in twice["userErrors"]] == [
        (["input", "mapping", "4", "column"], "validation_failed")
    ]


async def test_upload_then_apply_shows_progress_then_revert_undoes_it(crm: Crm) -> None:
    staged = await upload(crm, GOOD, filename="firme-banat.csv")
    assert staged.status_code == 201, staged.text
    described = staged.json()
    assert described["filename"] == "firme-banat.csv"
    assert described["mediaType"] == "text/csv"
    assert described["size"] == len(GOOD)
    started = await crm.mutate(
        START, {"kind": "ORGANIZATIONS", "mapping": MAPPING, "stagedFileId": described["id"]}
    )
    assert started["userErrors"] == []
    job = started["importJob"]
    assert job["filename"] == "firme-banat.csv"
    assert job["planned"]["create"] == 2

    applied = await crm.mutate(APPLY, {"id": job["id"]})
    assert applied["userErrors"] == []
    assert applied["importJob"]["status"] in ("APPLYING", "APPLIED")

    async def probe() -> dict[str, Any]:
        found: dict[str, Any] = (await crm.data(GET, {"id": job["id"]}))["importJob"]
        return found

    done = await eventually(probe, lambda j: j["status"] == "APPLIED", timeout=30)
    assert done["progress"] == 1
    assert done["rowsDone"] == 2
    assert done["done"]["create"] == 2
    assert done["appliedAt"] is not None
    assert await organization_names(crm) == ["Alfa SRL", "Beta SRL"]
    created = {row["targetId"] for row in done["rows"]}
    assert all(relay.from_base64(t)[0] == "Organization" for t in created)

    twice = await crm.mutate(APPLY, {"id": job["id"]})
    assert [(e["field"], e["code"]) for e in twice["userErrors"]] == [(["input", "id"], "conflict")]

    reverting = await crm.mutate(REVERT, {"id": job["id"]})
    assert reverting["userErrors"] == []
    assert reverting["importJob"]["status"] == "REVERTING"
    assert reverting["importJob"]["revertJobId"] == reverting["job"]["id"]

    async def follow() -> dict[str, Any]:
        found: dict[str, Any] = (await crm.data(REVERT_JOB, {"id": reverting["job"]["id"]}))["job"]
        return found

    reverted = await eventually(follow, lambda j: j["status"] == "SUCCEEDED", timeout=30)
    assert (reverted["kind"], reverted["done"], reverted["total"]) == (
        "contacts.import.revert",
        2,
        2,
    )
    assert reverted["progress"] == 1
    assert reverted["revert"] == {"deleted": 2, "restored": 0, "conflicts": []}
    assert (await probe())["status"] == "REVERTED"
    assert await organization_names(crm) == []


async def test_unknown_import_ids_are_null_or_not_found(crm: Crm) -> None:
    missing = relay.to_base64("ImportJob", "0190a0a0-0000-7000-8000-000000000000")
    other_type = relay.to_base64("Organization", "0190a0a0-0000-7000-8000-000000000000")
    for global_id in (missing, other_type):
        data = await crm.data("query ($id: ID!) { importJob(id: $id) { id } }", {"id": global_id})
        assert data == {"importJob": None}
        for mutation in (APPLY, REVERT):
            payload = await crm.mutate(mutation, {"id": global_id})
            assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
                (["input", "id"], "not_found")
            ]


async def test_a_viewer_may_neither_upload_nor_import(crm: Crm) -> None:
    refused = await upload(crm, GOOD, token=crm.viewer)
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    anonymous = await crm.gw.client.post("/uploads", params={"filename": "f.csv"}, content=GOOD)
    assert anonymous.status_code == 401
    body = await crm.gw.post(
        START,
        {"input": {"kind": "ORGANIZATIONS", "fileBase64": "eA==", "filename": "f.csv"}},
        crm.viewer,
    )
    assert crm.gw.error_codes(body) == ["FORBIDDEN"]


async def test_an_upload_over_the_cap_is_413_streamed_or_declared(
    staff_gateway_factory: StaffGatewayFactory, services: Any
) -> None:
    async with staff_gateway_factory(files_max_bytes=1000) as gw:
        await gw.add_user("liaison", ["business_liaison"])
        token = await gw.token("liaison")
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
        declared = await gw.client.post(
            "/uploads", params={"filename": "mare.csv"}, content=b"x" * 1001, headers=headers
        )
        assert declared.status_code == 413
        assert declared.json()["error"]["code"] == "payload_too_large"

        async def chunks() -> Any:  # no Content-Length: counted while streaming
            for _ in range(5):
                yield b"y" * 300

        streamed = await gw.client.post(
            "/uploads", params={"filename": "mare.csv"}, content=chunks(), headers=headers
        )
        assert streamed.status_code == 413
        fits = await gw.client.post(
            "/uploads", params={"filename": "mic.csv"}, content=b"z" * 1000, headers=headers
        )
        assert fits.status_code == 201
        # Larger than the GraphQL body limit, under the staged-file cap: accepted.
    async with staff_gateway_factory(max_body_bytes=2048) as gw:
        await gw.add_user("liaison", ["business_liaison"])
        token = await gw.token("liaison")
        big = await gw.client.post(
            "/uploads",
            params={"filename": "f.csv"},
            content=b"a" * 10_000,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert big.status_code == 201, big.text
        assert big.json()["mediaType"] == "application/octet-stream"


async def test_a_big_staged_file_is_validating_then_validated(crm: Crm) -> None:
    # Over the contacts service's 2,000 rows checked at once: the dry run goes to the
    # background and `importJob` follows it.
    count = 2_500
    rows = [[f"Firma {n} SRL", cui(n), "", "Timișoara"] for n in range(count)]
    rows[2_400][1] = cui(3)  # a duplicate of line 5, found chunks later
    rows[2_450][1] = "12345678"  # a bad CUI
    staged = await upload(crm, csv_bytes(rows), filename="firme-mari.csv")
    assert staged.status_code == 201, staged.text
    started = await crm.mutate(
        START, {"kind": "ORGANIZATIONS", "mapping": MAPPING, "stagedFileId": staged.json()["id"]}
    )
    assert started["userErrors"] == []
    job = started["importJob"]
    assert job["status"] == "VALIDATING"
    assert (job["totalRows"], job["rows"]) == (count, [])
    assert 0 <= job["progress"] < 1

    async def probe() -> dict[str, Any]:
        found: dict[str, Any] = (await crm.data(GET, {"id": job["id"]}))["importJob"]
        return found

    done = await eventually(probe, lambda j: j["status"] == "VALIDATED", timeout=60)
    assert done["planned"] == {"create": count - 2, "update": 0, "unchanged": 0, "skip": 2}
    assert done["errorRows"] == 2
    errors = {row["line"]: row["errors"] for row in done["rows"] if row["errors"]}
    assert sorted(errors) == [2_402, 2_452]
    assert errors[2_402][0]["message"] == "duplicate in the file: same cui as line 5"
    assert done["rowsTruncated"] is True  # 2,500 rows, 1,000 reported


async def test_only_the_uploader_or_an_admin_may_import_a_staged_file(crm: Crm) -> None:
    staged = (await upload(crm, GOOD)).json()
    await crm.gw.add_user("other", ["business_liaison"])
    await crm.gw.add_user("boss", ["admin"])
    other = await crm.gw.token("other")
    start = {"input": {"kind": "ORGANIZATIONS", "mapping": MAPPING, "stagedFileId": staged["id"]}}
    refused = (await crm.gw.data(START, start, other))["startImport"]
    assert refused["importJob"] is None
    assert [e["code"] for e in refused["userErrors"]] == ["forbidden"]
    assert "someone else" in refused["userErrors"][0]["message"]
    admin = (await crm.gw.data(START, start, await crm.gw.token("boss")))["startImport"]
    assert admin["userErrors"] == []
    own = await crm.mutate(START, start["input"])
    assert own["userErrors"] == []


async def test_a_full_quota_is_507_with_a_message_and_others_still_upload(
    staff_gateway_factory: StaffGatewayFactory, services: Any
) -> None:
    async with staff_gateway_factory(
        files_quota_per_user_files=2, files_quota_per_user_bytes=5000
    ) as gw:
        await gw.add_user("ana", ["business_liaison"])
        await gw.add_user("dan", ["business_liaison"])

        async def send(token: str, size: int) -> httpx.Response:
            return await gw.client.post(
                "/uploads",
                params={"filename": "f.csv"},
                content=b"x" * size,
                headers={"Authorization": f"Bearer {token}"},
            )

        ana = await gw.token("ana")
        assert (await send(ana, 4000)).status_code == 201
        over_bytes = await send(ana, 1001)
        assert over_bytes.status_code == 507
        assert over_bytes.json()["error"]["code"] == "quota_exceeded"
        assert "quota" in over_bytes.json()["error"]["message"]
        assert (await send(ana, 1000)).status_code == 201
        over_files = await send(ana, 1)
        assert over_files.status_code == 507
        dan = await gw.token("dan")
        assert (await send(dan, 5000)).status_code == 201


async def test_a_full_store_is_507_not_a_server_error(
    staff_gateway_factory: StaffGatewayFactory,
) -> None:
    bucket = f"test-full-{uuid.uuid4().hex}"
    # A bucket of its own, which the gateway's NATS permissions do not name: the harness's key.
    async with staff_gateway_factory(
        files_bucket=bucket,
        files_bucket_max_bytes=300_000,
        files_quota_per_user_bytes=10**9,
        nats_seed=test_credentials().seeds[HARNESS],
    ) as gw:
        await gw.add_user("ana", ["business_liaison"])
        headers = {"Authorization": f"Bearer {await gw.token('ana')}"}
        first = await gw.client.post(
            "/uploads", params={"filename": "a.bin"}, content=b"a" * 200_000, headers=headers
        )
        assert first.status_code == 201
        full = await gw.client.post(
            "/uploads", params={"filename": "b.bin"}, content=b"b" * 200_000, headers=headers
        )
        assert full.status_code == 507, full.text
        assert full.json()["error"]["code"] == "storage_full"
        assert "full" in full.json()["error"]["message"]


async def test_an_uploaded_name_loses_its_control_characters(crm: Crm) -> None:
    staged = await upload(crm, GOOD, filename="firme\r\nX-Evil: 1\u202e.csv")
    assert staged.status_code == 201, staged.text
    assert staged.json()["filename"] == "firmeX-Evil: 1.csv"
