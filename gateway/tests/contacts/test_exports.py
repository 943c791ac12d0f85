"""Exports through GraphQL and signed download links, with the real contacts service."""

import csv
import io
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from openpyxl import load_workbook
from punte_gateway.files.links import content_disposition, sign, signature
from punte_gateway.settings import GatewaySettings
from punte_platform.testing.waiting import eventually

from .conftest import Crm

EXPORT = """
mutation ($input: ExportOrganizationsInput!) {
  exportOrganizations(input: $input) {
    job { id status }
    file { filename mediaType size rows downloadUrl expiresAt }
    userErrors { field code message }
  }
}
"""


JOB = """
query ($id: ID!) {
  job(id: $id) {
    status progress error file { filename mediaType size rows downloadUrl expiresAt }
  }
}
"""


async def settled(crm: Crm, payload: dict[str, Any], token: str) -> dict[str, Any]:
    """The payload with its file: as answered when the export was quick, else once the job
    query shows it done (a loaded machine may take longer than the mutation waits)."""
    if payload["file"] is None and payload["job"] is not None:

        async def probe() -> dict[str, Any]:
            job: dict[str, Any] = (await crm.gw.data(JOB, {"id": payload["job"]["id"]}, token))[
                "job"
            ]
            return job

        done = await eventually(probe, lambda j: j["status"] in {"SUCCEEDED", "FAILED"})
        assert done["status"] == "SUCCEEDED", done["error"]
        assert done["progress"] == 1
        payload = {**payload, "file": done["file"]}
    return payload


async def export(crm: Crm, token: str | None = None, **input: Any) -> dict[str, Any]:
    data = await crm.gw.data(EXPORT, {"input": input}, token or crm.writer)
    return await settled(crm, data["exportOrganizations"], token or crm.writer)


async def test_an_export_downloads_through_its_signed_link(crm: Crm) -> None:
    await crm.organization(legalName="Asociația Timișoara Veche", tags=["cultura"])
    await crm.organization(legalName="Banat Soft SRL", tags=["it"])
    await crm.organization(legalName="Cultura Vie", tags=["cultura"])
    payload = await export(crm, token=crm.viewer, filter={"tag": "cultura"})
    assert payload["userErrors"] == []
    file = payload["file"]
    assert file["rows"] == 2
    assert file["mediaType"].startswith("text/csv")
    assert file["filename"].endswith(".csv")
    assert file["downloadUrl"].startswith("/downloads/")
    left = time.time() + 600 - _instant(file["expiresAt"])
    assert abs(left) < 30, "valid about ten minutes"
    response = await crm.gw.client.get(file["downloadUrl"])  # no credentials: the link is
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert len(response.content) == file["size"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["legal_name"] for r in rows] == ["Asociația Timișoara Veche", "Cultura Vie"]

    workbook = await export(crm, search="banat", format="XLSX")
    assert workbook["file"]["rows"] == 1
    sheet_file = await crm.gw.client.get(workbook["file"]["downloadUrl"])
    assert sheet_file.status_code == 200
    sheet = load_workbook(io.BytesIO(sheet_file.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert "Banat Soft SRL" in values[1]


async def test_a_tampered_or_expired_link_is_refused(crm: Crm) -> None:
    await crm.organization(legalName="Secret SRL")
    url = (await export(crm))["file"]["downloadUrl"]
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    file_id = parts.path.rsplit("/", 1)[1]
    flipped = query["signature"][:-1] + ("0" if query["signature"][-1] != "0" else "1")
    cases = [
        {**query, "signature": flipped},
        {**query, "expires": str(int(query["expires"]) + 3600)},  # extended by hand
        {"expires": query["expires"]},
        {},
    ]
    for params in cases:
        refused = await crm.gw.client.get(parts.path, params=params)
        assert refused.status_code == 403, params
        assert refused.json()["error"]["code"] == "forbidden"
    other = await crm.gw.client.get("/downloads/another-id", params=query)
    assert other.status_code == 403, "a signature is bound to its file"
    old = sign(crm.gw.settings, file_id, now=time.time() - 601)
    expired = await crm.gw.client.get(old.url)
    assert expired.status_code == 410
    assert expired.json()["error"] == {
        "code": "link_expired",
        "message": "the download link has expired; export again",
    }
    gone = sign(crm.gw.settings, "0190a0a0-0000-7000-8000-000000000000")
    assert (await crm.gw.client.get(gone.url)).status_code == 404


async def test_a_diacritic_file_name_downloads_with_rfc_5987(crm: Crm) -> None:
    staged = await crm.gw.client.post(
        "/uploads",
        params={"filename": "Firme Timișoara; 2026.csv"},
        content=b"legal_name\r\nA\r\n",
        headers={"Authorization": f"Bearer {crm.writer}", "Content-Type": "text/csv"},
    )
    assert staged.status_code == 201
    link = sign(crm.gw.settings, staged.json()["id"])
    response = await crm.gw.client.get(link.url)
    assert response.status_code == 200
    assert response.content == b"legal_name\r\nA\r\n"
    assert response.headers["content-disposition"] == (
        'attachment; filename="Firme Timisoara_ 2026.csv"; '
        "filename*=UTF-8''Firme%20Timi%C8%99oara%3B%202026.csv"
    )


async def test_invalid_filters_point_at_the_filter(crm: Crm) -> None:
    payload = await export(crm, filter={"caenCode": "12"})
    assert payload["file"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "filter", "caenCode"], "validation_failed")
    ]


def test_signatures_depend_on_file_and_expiry() -> None:
    settings = GatewaySettings(_env_file=None)
    assert signature(settings, "a", 100) != signature(settings, "b", 100)
    assert signature(settings, "a", 100) != signature(settings, "a", 101)
    assert content_disposition("") == "attachment; filename=\"download\"; filename*=UTF-8''"


def _instant(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


EXPORT_PEOPLE = """
mutation ($input: ExportPeopleInput!) {
  exportPeople(input: $input) {
    job { id status }
    file { filename mediaType size rows downloadUrl expiresAt }
    userErrors { field code message }
  }
}
"""


async def test_a_people_export_downloads_through_its_signed_link(crm: Crm) -> None:
    uvt = await crm.organization(legalName="Universitatea de Vest din Timișoara")
    ana = await crm.person(givenName="Ana", familyName="Țărmure", tags=["vest"])
    await crm.affiliate(ana["id"], uvt["id"], role="prorectoră", isPrimary=True)
    await crm.person(givenName="Ion", familyName="Bălan", tags=["vest"])
    await crm.person(givenName="Zoe", familyName="Străină", tags=["altul"])
    data = await crm.gw.data(
        EXPORT_PEOPLE, {"input": {"filter": {"tag": "vest"}, "format": "CSV"}}, crm.viewer
    )
    payload = await settled(crm, data["exportPeople"], crm.viewer)
    assert payload["userErrors"] == []
    file = payload["file"]
    assert file["rows"] == 2
    assert file["filename"].startswith("persoane-")
    response = await crm.gw.client.get(file["downloadUrl"])  # the signed link is enough
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert len(response.content) == file["size"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["given_name"], r["family_name"]) for r in rows] == [
        ("Ana", "Țărmure"),
        ("Ion", "Bălan"),
    ]
    assert (rows[0]["organizations"], rows[0]["roles"]) == (
        "Universitatea de Vest din Timișoara",
        "prorectoră",
    )

    workbook = await crm.gw.data(
        EXPORT_PEOPLE, {"input": {"search": "straina", "format": "XLSX"}}, crm.viewer
    )
    sheet = await settled(crm, workbook["exportPeople"], crm.viewer)
    sheet_file = await crm.gw.client.get(sheet["file"]["downloadUrl"])
    assert sheet_file.status_code == 200
    sheet = load_workbook(io.BytesIO(sheet_file.content)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2
    assert "Străină" in values[1]


async def test_invalid_people_filters_point_at_the_input(crm: Crm) -> None:
    data = await crm.gw.data(EXPORT_PEOPLE, {"input": {"search": "x" * 1000}}, crm.viewer)
    payload = data["exportPeople"]
    assert payload["file"] is None
    assert [(e["field"], e["code"]) for e in payload["userErrors"]] == [
        (["input", "search"], "validation_failed")
    ]
