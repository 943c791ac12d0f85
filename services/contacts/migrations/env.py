"""Alembic environment of the contacts service."""

from punte_contacts.all_models import metadata
from punte_platform.migrations import run_alembic_env

run_alembic_env(metadata)
