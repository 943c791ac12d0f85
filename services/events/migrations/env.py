"""Alembic environment of the events service."""

from punte_events.models import metadata
from punte_platform.migrations import run_alembic_env

run_alembic_env(metadata)
