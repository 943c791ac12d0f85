"""Import jobs: the parsed file with its dry run, and what each applied row did."""

from datetime import datetime
from typing import Any
from uuid import UUID

from punte_contracts.contacts import ImportAction, ImportKind, ImportMode, ImportStatus
from punte_platform.db import JSONDocument, UTCDateTime, enum_column
from sqlalchemy import ForeignKey, Index, Integer, String, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from punte_contacts.models import Base


class ImportJob(Base):
    """One uploaded file: its counts and progress; its rows are `ImportRow`s."""

    __tablename__ = "import_job"

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(enum_column(ImportKind, "import_kind"))
    mode: Mapped[ImportMode] = mapped_column(enum_column(ImportMode, "import_mode"))
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus, "import_status"))
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
    # The platform job undoing the import (`RevertImport`), whose result is the report.
    revert_job_id: Mapped[UUID | None] = mapped_column(Uuid)


class ImportRow(Base):
    """One data row of a job: its mapped cells and the errors found in the file alone (bad
    values, duplicates within the file), plus the dry run's plan (action, target, errors).
    The apply reads a chunk of rows by line and re-checks the database part of each. A row
    of a job still `validating` holds only its cells until its chunk is checked."""

    __tablename__ = "import_row"
    __table_args__ = (
        # Partial: the rows of a large file are stored before any holds a key, faster so.
        Index(
            "ix_import_row_job_id_natural_key",
            "job_id",
            "natural_key",
            postgresql_where=text("natural_key IS NOT NULL"),
            sqlite_where=text("natural_key IS NOT NULL"),
        ),
    )

    job_id: Mapped[UUID] = mapped_column(
        Uuid, ForeignKey("import_job.id", ondelete="CASCADE"), primary_key=True
    )
    line: Mapped[int] = mapped_column(Integer, primary_key=True)
    cells: Mapped[dict[str, str]] = mapped_column(JSONDocument)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    action: Mapped[ImportAction] = mapped_column(enum_column(ImportAction, "import_action"))
    target_id: Mapped[UUID | None] = mapped_column(Uuid)
    plan_errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    # The columns the row's record gets, as the record's rules cleaned them (JSON-safe; null
    # when the row has errors): the apply creates from them without checking the row again.
    cleaned: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    # The natural key (CUI, first e-mail) a valid row claims first in its file: a background
    # dry run finds a later chunk's duplicates by it.
    natural_key: Mapped[str | None] = mapped_column(String(320))


class ImportRowResult(Base):
    """What one applied row did: the record it created, or the one it updated with its
    before-image (every column) and the version the import left, so a revert can tell
    whether someone changed it since."""

    __tablename__ = "import_row_result"
    __table_args__ = (Index("ix_import_row_result_job_id", "job_id", "line"),)

    id: Mapped[UUID] = mapped_column(Uuid, primary_key=True)
    job_id: Mapped[UUID] = mapped_column(Uuid, ForeignKey("import_job.id", ondelete="CASCADE"))
    line: Mapped[int] = mapped_column(Integer)
    action: Mapped[ImportAction] = mapped_column(enum_column(ImportAction, "import_action"))
    target_id: Mapped[UUID | None] = mapped_column(Uuid)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONDocument)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONDocument)
    version_after: Mapped[int | None] = mapped_column(Integer)
