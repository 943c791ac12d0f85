"""Staged files and the import/export contracts that carry them."""

import hashlib

import pytest
from punte_contracts import contacts as c
from punte_contracts.files import StagedFile
from pydantic import ValidationError


def a_staged_file(**overrides: object) -> StagedFile:
    values: dict[str, object] = {
        "id": "0190f0e0-0000-7000-8000-000000000001",
        "filename": "organizații.csv",
        "media_type": "text/csv",
        "size": 3,
        "sha256": hashlib.sha256(b"a,b").hexdigest(),
    }
    return StagedFile.model_validate(values | overrides)


def test_a_staged_file_needs_a_name_and_a_hex_digest() -> None:
    assert a_staged_file().filename == "organizații.csv"
    for bad in ({"filename": "  "}, {"sha256": "xyz"}, {"size": -1}, {"id": ""}):
        with pytest.raises(ValidationError):
            a_staged_file(**bad)


def test_an_import_takes_exactly_one_file() -> None:
    staged = c.StartImport(kind=c.ImportKind.ORGANIZATIONS, staged_file_id="abc")
    assert staged.filename is None
    assert staged.content_base64 is None
    inline = c.StartImport(kind=c.ImportKind.PEOPLE, filename="p.csv", content_base64="YSxi")
    assert inline.staged_file_id is None
    with pytest.raises(ValidationError, match="exactly one"):
        c.StartImport(kind=c.ImportKind.PEOPLE)
    with pytest.raises(ValidationError, match="exactly one"):
        c.StartImport(
            kind=c.ImportKind.PEOPLE, filename="p.csv", content_base64="YSxi", staged_file_id="a"
        )
    with pytest.raises(ValidationError, match="filename is required"):
        c.StartImport(kind=c.ImportKind.PEOPLE, content_base64="YSxi")
    # An inline file is still bounded by what fits in one NATS message.
    with pytest.raises(ValidationError):
        c.StartImport(
            kind=c.ImportKind.PEOPLE,
            filename="p.csv",
            content_base64="A" * ((c.IMPORT_MAX_BYTES * 4) // 3 + 8),
        )


def test_an_export_names_its_staged_file() -> None:
    staged = a_staged_file()
    exported = c.ExportFile(
        file=staged, filename=staged.filename, media_type=staged.media_type, rows=1
    )
    assert c.ExportFile.model_validate_json(exported.model_dump_json()) == exported
    assert "content_base64" not in c.ExportFile.model_fields
