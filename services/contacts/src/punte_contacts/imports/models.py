"""Import jobs: the parsed file with its dry run, and what each applied row did."""

from datetime import datetime
from typing import Any
from uuid import UUID

from punte_contracts.contacts import ImportAction, ImportKind, ImportMode, ImportStatus
from punte_platform.db import UTCDateTime
from sqlalchemy import ForeignKey, Index, Integer, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from punte_contacts.merges.models import JSONDocument
from punte_contacts.models import Base
from punte_contacts.organizations.models import _enum


class ImportJob(Base):
    """One uploaded file. `rows` holds, per data row, its line, its mapped cells and the
    errors found in the file alone (bad values, duplicates within the file), plus the dry
    run's plan; the apply re-checks the database part row by row."""

    __tablename__ = "import_job"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(_enum(ImportKind, "import_kind"))
    mode: Mapped[ImportMode] = mapped_column(_enum(ImportMode, "import_mode"))
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[ImportStatus] = mapped_column(_enum(ImportStatus, "import_status"))
    rows: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    total_rows: Mapped[int] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer)
    next_chunk: Mapped[int] = mapped_column(Integer)
    error_rows: Mapped[int] = mapped_column(Integer)
    planned: Mapped[dict[str, int]] = mapped_column(JSONDocument)
    done: Mapped[dict[str, int]] = mapped_column(JSONDocument)
    created_by: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reverted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ImportRowResult(Base):
    """What one applied row did: the record it created, or the one it updated with its
    before-image (every column) and the version the import left, so a revert can tell
    whether someone changed it since."""

    __tablename__ = "import_row_result"
    __table_args__ = (Index("ix_import_row_result_job_id", "job_id", "line"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    job_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("import_job.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    action: Mapped[ImportAction] = mapped_column(_enum(ImportAction, "import_action"))
    target_id: Mapped[UUID | None] = mapped_column(Uuid)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    version_after: Mapped[int | None] = mapped_column(Integer)
