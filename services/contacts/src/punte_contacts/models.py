"""The contacts service's metadata and declarative base; aggregates add their models to it."""

from punte_platform.db import make_metadata
from punte_platform.messaging.tables import add_messaging_tables
from sqlalchemy.orm import DeclarativeBase

metadata = make_metadata()
messaging_tables = add_messaging_tables(metadata)


class Base(DeclarativeBase):
    """Base of the contacts service's models."""

    metadata = metadata
