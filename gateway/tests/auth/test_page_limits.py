"""List sizes are capped: a huge `first` or `last` is refused, and the server carries on."""

import pytest

from .conftest import StaffGateway


@pytest.mark.parametrize(
    "query",
    [
        "{ users(first: 1000) { totalCount } }",
        "{ auditLog(last: 101) { totalCount } }",
        "{ apiKeys(first: -1) { totalCount } }",
    ],
)
async def test_a_huge_page_is_refused(staff: StaffGateway, query: str) -> None:
    await staff.add_user("sef", ["admin"])
    token = await staff.token("sef")
    body = await staff.post(query, token=token)
    assert staff.error_codes(body) == ["PAGE_TOO_LARGE"]
    assert (await staff.data("{ users(first: 100) { totalCount } }", token=token))["users"][
        "totalCount"
    ] >= 1
