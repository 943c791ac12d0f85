"""Edge cursors are the service's per-item cursors: resume after any edge in one request."""

import pytest
from graphql import GraphQLError
from punte_contracts.paging import Page, decode_cursor, encode_cursor
from punte_gateway.contacts.paging import list_page, service_page
from punte_gateway.graphql.pagination import PageRequest

ITEMS = list(range(250))
ORDER = "name:asc"


class Service:
    """Pages ITEMS as a contacts search does: a keyset cursor per item, at most 100."""

    def __init__(self) -> None:
        self.calls: list[tuple[str | None, int]] = []

    async def fetch(self, after: str | None, first: int) -> Page[int]:
        assert 1 <= first <= 100
        self.calls.append((after, first))
        start = decode_cursor(after, ORDER, [int])[0] + 1 if after is not None else 0
        rows = ITEMS[start : start + first + 1]
        return Page[int].of(rows, first, lambda n: n, lambda n: encode_cursor(ORDER, [n]))


async def walk(size: int) -> tuple[list[int], int]:
    service = Service()
    seen: list[int] = []
    after = None
    while True:
        page = await service_page(service.fetch, PageRequest.of(first=size, after=after), ORDER)
        seen += page.rows
        assert page.has_previous_page == (after is not None)
        if not page.has_next_page:
            return seen, len(service.calls)
        after = page.cursors[-1]


@pytest.mark.parametrize("size", [1, 7, 99, 100])
async def test_walking_the_end_cursors_sees_every_item_once(size: int) -> None:
    seen, calls = await walk(size)
    assert seen == ITEMS
    assert calls == -(-len(ITEMS) // size)


async def test_any_edge_cursor_resumes_right_after_it_in_one_request() -> None:
    service = Service()
    first = await service_page(service.fetch, PageRequest.of(first=100), ORDER)
    for index in (0, 42, 98, 99):
        service.calls.clear()
        page = await service_page(
            service.fetch, PageRequest.of(first=5, after=first.cursors[index]), ORDER
        )
        assert page.rows == ITEMS[index + 1 : index + 6]
        assert page.has_next_page
        assert len(service.calls) == 1


async def test_backwards_and_bad_cursors_are_refused() -> None:
    service = Service()
    with pytest.raises(GraphQLError, match="forwards only"):
        await service_page(service.fetch, PageRequest.of(last=2), ORDER)
    with pytest.raises(GraphQLError, match="invalid cursor"):
        await service_page(service.fetch, PageRequest.of(first=2, after="%%%"), ORDER)
    assert service.calls == []


async def test_a_cursor_from_another_order_is_refused_before_asking_the_service() -> None:
    service = Service()
    first = await service_page(service.fetch, PageRequest.of(first=2), ORDER)
    service.calls.clear()
    for other in ("name:desc", "relevance"):
        with pytest.raises(GraphQLError, match="another order") as raised:
            await service_page(
                service.fetch, PageRequest.of(first=2, after=first.cursors[-1]), other
            )
        assert raised.value.extensions == {"code": "BAD_CURSOR"}
    assert service.calls == []


def test_a_list_in_memory_pages_by_position() -> None:
    first = list_page(ITEMS[:5], PageRequest.of(first=2))
    second = list_page(ITEMS[:5], PageRequest.of(first=2, after=first.cursors[-1]))
    assert (first.rows, second.rows) == ([0, 1], [2, 3])
    assert second.has_next_page
    assert second.has_previous_page
    with pytest.raises(GraphQLError, match="invalid cursor"):
        list_page(ITEMS, PageRequest.of(first=2, after=encode_cursor(ORDER, ["x"])))
