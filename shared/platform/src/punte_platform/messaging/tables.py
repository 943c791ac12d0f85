"""The messaging tables every service carries in its own database: outbox, inbox, dead
letters, background jobs and the idempotency keys of requests."""

from dataclasses import dataclass

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Uuid,
)

from punte_platform.db import BigIntegerPK, UTCDateTime


@dataclass(frozen=True)
class MessagingTables:
    """Handles on a service's messaging tables."""

    outbox: Table
    inbox: Table
    dead_letter: Table
    job: Table
    idempotency_key: Table


def add_messaging_tables(metadata: MetaData) -> MessagingTables:
    """Declare the messaging tables on a service's metadata (its migrations create them)."""
    outbox = Table(
        "punte_outbox",
        metadata,
        Column("position", BigIntegerPK, primary_key=True, autoincrement=True),
        Column("message_id", Uuid, nullable=False, unique=True),
        Column("subject", String(255), nullable=False),
        Column("ordering_key", String(255), nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("created_at", UTCDateTime, nullable=False),
        Column("sent_at", UTCDateTime, nullable=True),
        Column("attempts", Integer, nullable=False, default=0),
        Column("last_error", Text, nullable=True),
    )
    Index("ix_punte_outbox_sent_at_position", outbox.c.sent_at, outbox.c.position)
    inbox = Table(
        "punte_inbox",
        metadata,
        Column("consumer", String(100), primary_key=True),
        Column("message_id", Uuid, primary_key=True),
        Column("processed_at", UTCDateTime, nullable=False, index=True),
    )
    dead_letter = Table(
        "punte_dead_letter",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("consumer", String(100), nullable=False, index=True),
        Column("message_id", Uuid, nullable=True),
        Column("subject", String(255), nullable=False),
        Column("stream_sequence", BigInteger, nullable=True),
        Column("deliveries", Integer, nullable=False),
        Column("payload", LargeBinary, nullable=False),
        Column("error", Text, nullable=False),
        Column("failed_at", UTCDateTime, nullable=False, index=True),
    )
    job = Table(
        "punte_job",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("kind", String(100), nullable=False),
        Column("status", String(20), nullable=False),
        Column("actor", String(200), nullable=True),
        Column("input", JSON, nullable=False),
        # What the last step left for the next one (a position in the work, say).
        Column("cursor", JSON, nullable=True),
        Column("step", Integer, nullable=False),
        Column("done", Integer, nullable=False),
        Column("total", Integer, nullable=True),
        Column("result", JSON, nullable=True),
        Column("error", Text, nullable=True),
        Column("created_at", UTCDateTime, nullable=False),
        Column("updated_at", UTCDateTime, nullable=False),
        Column("finished_at", UTCDateTime, nullable=True),
    )
    idempotency_key = Table(
        "punte_idempotency_key",
        metadata,
        Column("actor", String(200), primary_key=True),
        Column("subject", String(255), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("reply", LargeBinary, nullable=True),
        Column("created_at", UTCDateTime, nullable=False, index=True),
    )
    return MessagingTables(
        outbox=outbox,
        inbox=inbox,
        dead_letter=dead_letter,
        job=job,
        idempotency_key=idempotency_key,
    )
