"""Edge cursors over a service's page tokens: resume after any edge, across service pages."""

import pytest
from graphql import GraphQLError
from punte_gateway.contacts.paging import service_page
from punte_gateway.graphql.pagination import PageRequest

ITEMS = list(range(250))


class FakeService:
    """Pages ITEMS as a contacts search does: `after` is the last item's token, max 100."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, int]] = []

    async def fetch(self, after: str | None, first: int) -> tuple[list[int], str | None]:
        assert 1 <= first <= 100
        self.calls.append((after, first))
        start = int(after) + 1 if after is not None else 0
        items = ITEMS[start : start + first]
        more = start + first < len(ITEMS)
        return items, (str(items[-1]) if more and items else None)


async def walk(size: int) -> tuple[list[int], int]:
    service = FakeService()
    seen: list[int] = []
    after = None
    while True:
        page = await service_page(service.fetch, PageRequest.of(first=size, after=after))
        seen += page.items
        assert page.has_previous_page == (after is not None)
        if not page.has_next_page:
            return seen, len(service.calls)
        after = page.cursors[-1]


@pytest.mark.parametrize("size", [1, 7, 99, 100])
async def test_walking_the_end_cursors_sees_every_item_once(size: int) -> None:
    seen, _calls = await walk(size)
    assert seen == ITEMS


async def test_any_edge_cursor_resumes_right_after_it() -> None:
    service = FakeService()
    first = await service_page(service.fetch, PageRequest.of(first=100))
    for index in (0, 42, 98, 99):
        page = await service_page(
            service.fetch, PageRequest.of(first=5, after=first.cursors[index])
        )
        assert page.items == ITEMS[index + 1 : index + 6]
        assert page.has_next_page


async def test_a_page_is_one_request_when_it_fits() -> None:
    service = FakeService()
    page = await service_page(service.fetch, PageRequest.of(first=20))
    assert service.calls == [(None, 21)]
    assert page.has_next_page


async def test_backwards_and_bad_cursors_are_refused() -> None:
    service = FakeService()
    with pytest.raises(GraphQLError, match="forwards only"):
        await service_page(service.fetch, PageRequest.of(last=2))
    with pytest.raises(GraphQLError, match="invalid cursor"):
        await service_page(service.fetch, PageRequest.of(first=2, after="%%%"))
    assert service.calls == []


async def test_a_cursor_from_another_scope_is_refused_even_on_the_first_page() -> None:
    service = FakeService()
    first = await service_page(service.fetch, PageRequest.of(first=2), scope="name:asc")
    again = await service_page(
        service.fetch, PageRequest.of(first=2, after=first.cursors[-1]), scope="name:asc"
    )
    assert again.items == ITEMS[2:4]
    for other in ("name:desc", None):
        with pytest.raises(GraphQLError, match="another order"):
            await service_page(
                service.fetch, PageRequest.of(first=2, after=first.cursors[-1]), scope=other
            )
