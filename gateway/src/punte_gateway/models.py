"""The gateway's own metadata (users, keys, audit, media, correspondence come later)."""

from punte_platform.db import make_metadata
from punte_platform.messaging.tables import add_messaging_tables
from sqlalchemy.orm import DeclarativeBase

metadata = make_metadata()
messaging_tables = add_messaging_tables(metadata)


class Base(DeclarativeBase):
    """Base of the gateway's models."""

    metadata = metadata
