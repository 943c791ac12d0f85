"""The typed error envelope every request endpoint answers with when it cannot succeed."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class ErrorCode(StrEnum):
    """What went wrong, as a caller can act on it."""

    NOT_FOUND = "not_found"
    VALIDATION_FAILED = "validation_failed"
    CONFLICT = "conflict"
    FORBIDDEN = "forbidden"
    # The request carries no caller context the gateway signed (missing, forged or expired).
    UNAUTHENTICATED = "unauthenticated"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


class FieldError(BaseModel):
    """One invalid field: its path from the body's root, and why."""

    model_config = ConfigDict(frozen=True)

    path: list[str | int]
    message: str
    type: str = "value_error"


class ServiceErrorBody(BaseModel):
    """The error half of a reply."""

    model_config = ConfigDict(frozen=True)

    code: ErrorCode
    message: str
    fields: list[FieldError] = Field(default_factory=list)
    details: dict[str, str] = Field(default_factory=dict)
