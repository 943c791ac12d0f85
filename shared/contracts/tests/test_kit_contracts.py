"""The shared field types, the cursor codec and field-name literals."""

from datetime import UTC, datetime
from typing import get_args
from uuid import UUID

import pytest
from punte_contracts.field_names import names_literal, optional_fields, patched_fields
from punte_contracts.fields import Name, Notes, Tag
from punte_contracts.paging import (
    CursorError,
    OtherOrderError,
    Page,
    decode_cursor,
    encode_cursor,
)
from pydantic import BaseModel, TypeAdapter, ValidationError


def test_romanian_text_is_nfc_with_comma_below_and_trimmed() -> None:
    decomposed = "Timis\u0327oara"  # s + combining cedilla
    assert TypeAdapter(Name).validate_python(f"  {decomposed} ") == "Timișoara"
    assert TypeAdapter(Tag).validate_python("ŞŢşţ") == "ȘȚșț"
    assert TypeAdapter(Notes).validate_python(" ţ \n") == " ț \n"
    with pytest.raises(ValidationError):
        TypeAdapter(Name).validate_python("   ")


def test_a_cursor_round_trips_its_typed_sort_key() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    row_id = UUID("0190f5c4-0000-7000-8000-000000000001")
    cursor = encode_cursor("updated_at:desc", [moment, row_id])
    assert decode_cursor(cursor, "updated_at:desc", [datetime, UUID]) == [moment, row_id]
    assert decode_cursor(encode_cursor("x", [1, "a"]), "x", [int, str]) == [1, "a"]


@pytest.mark.parametrize(
    ("cursor", "types"),
    [
        ("%%%", [int]),
        (encode_cursor("x", [1]), [int, int]),
        (encode_cursor("x", ["1"]), [int]),
        (encode_cursor("x", [True]), [int]),
        (encode_cursor("x", ["2026-01-01T00:00:00"]), [datetime]),  # no zone
        (encode_cursor("x", ["nope"]), [UUID]),
    ],
)
def test_a_cursor_not_of_this_list_is_refused(cursor: str, types: list[type]) -> None:
    with pytest.raises(CursorError):
        decode_cursor(cursor, "x", types)


def test_a_cursor_from_another_order_is_refused_as_such() -> None:
    with pytest.raises(OtherOrderError, match="another order"):
        decode_cursor(encode_cursor("name:asc", ["a", 1]), "name:desc", [str, int])


def test_a_page_gives_each_item_its_cursor_and_says_whether_more_follow() -> None:
    full = Page[str].of(["a", "b", "c"], 2, str.upper, lambda r: f"c-{r}")
    assert (full.items, full.cursors, full.next_cursor) == (["A", "B"], ["c-a", "c-b"], "c-b")
    last = Page[str].of(["a"], 2, str.upper, lambda r: f"c-{r}")
    assert (last.items, last.next_cursor) == (["A"], None)


class Venue(BaseModel):
    id: UUID
    name: str
    opened_on: datetime | None = None
    capacity: int | None
    merged_into_id: UUID | None = None


class UpdateVenue(BaseModel):
    id: UUID
    expected_version: int
    name: str | None = None
    capacity: int | None = None
    status: str | None = None
    clear: list[str] = []


def test_field_name_literals_follow_the_contracts() -> None:
    clearable = names_literal(optional_fields(Venue))
    assert get_args(clearable) == ("opened_on", "capacity")  # no bookkeeping, no required field
    assert patched_fields(UpdateVenue, besides={"status"}) == ("name", "capacity")
    field = TypeAdapter(list[clearable])  # type: ignore[valid-type]
    assert field.validate_python(["capacity"]) == ["capacity"]
    with pytest.raises(ValidationError):
        field.validate_python(["name"])
