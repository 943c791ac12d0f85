"""Alembic environment of the gateway."""

from punte_gateway.all_models import metadata
from punte_platform.migrations import run_alembic_env

run_alembic_env(metadata)
