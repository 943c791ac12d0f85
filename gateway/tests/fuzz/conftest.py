"""The fuzzed gateway: the contacts service behind it, on a real nats-server and database."""

import pytest

from ..auth.conftest import staff_gateway_factory

__all__ = ["staff_gateway_factory"]


@pytest.fixture
def service_names() -> tuple[str, ...]:
    """The gateway's domain operations reach the contacts service alone."""
    return ("contacts",)
