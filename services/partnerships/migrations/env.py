"""Alembic environment of the partnerships service."""

from punte_partnerships.models import metadata
from punte_platform.migrations import run_alembic_env

run_alembic_env(metadata)
