"""The exception that carries a typed error across the request boundary."""

from collections.abc import Iterable
from typing import Any

from punte_contracts.errors import ErrorCode, FieldError, ServiceErrorBody
from pydantic import ValidationError


class ServiceError(Exception):
    """An expected failure: raised by domain code, sent as a typed error, re-raised by clients."""

    def __init__(self, body: ServiceErrorBody) -> None:
        super().__init__(f"{body.code}: {body.message}")
        self.body = body

    @property
    def code(self) -> ErrorCode:
        """The error's code."""
        return self.body.code

    @classmethod
    def of(
        cls,
        code: ErrorCode,
        message: str,
        fields: Iterable[FieldError] = (),
        **details: str,
    ) -> "ServiceError":
        """Build an error from its parts."""
        return cls(
            ServiceErrorBody(code=code, message=message, fields=list(fields), details=details)
        )

    @classmethod
    def not_found(cls, entity: str, entity_id: object) -> "ServiceError":
        """The entity with this id does not exist."""
        return cls(
            ServiceErrorBody(
                code=ErrorCode.NOT_FOUND,
                message=f"{entity} {entity_id} not found",
                details={"id": str(entity_id)},
            )
        )

    @classmethod
    def conflict(cls, message: str, **details: str) -> "ServiceError":
        """The change clashes with the current state (duplicate, stale version)."""
        return cls(ServiceErrorBody(code=ErrorCode.CONFLICT, message=message, details=details))

    @classmethod
    def forbidden(cls, message: str) -> "ServiceError":
        """The actor may not do this."""
        return cls.of(ErrorCode.FORBIDDEN, message)

    @classmethod
    def unavailable(cls, message: str) -> "ServiceError":
        """A dependency did not answer in time."""
        return cls.of(ErrorCode.UNAVAILABLE, message)

    @classmethod
    def invalid(cls, path: list[str | int], message: str) -> "ServiceError":
        """One field is invalid."""
        return cls.of(
            ErrorCode.VALIDATION_FAILED, message, [FieldError(path=path, message=message)]
        )

    @classmethod
    def from_validation_error(cls, error: ValidationError) -> "ServiceError":
        """Translate pydantic's errors, keeping each field's path."""
        fields = [
            FieldError(path=list(e["loc"]), message=e["msg"], type=e["type"])
            for e in error.errors(include_url=False, include_input=False)
        ]
        return cls.of(ErrorCode.VALIDATION_FAILED, "the request body is invalid", fields)

    def to_dict(self) -> dict[str, Any]:
        """The error as JSON-ready data."""
        return self.body.model_dump(mode="json")


FieldPath = list[str | int]


class FieldErrors:
    """Collects every invalid field of a request, then raises them as one `validation_failed`."""

    def __init__(self) -> None:
        self.fields: list[FieldError] = []

    def add(self, path: FieldPath, message: str) -> None:
        """Record one invalid field."""
        self.fields.append(FieldError(path=path, message=message))

    def raise_if_any(self) -> None:
        """Raise `validation_failed` listing every recorded field (nothing if none)."""
        if self.fields:
            summary = "; ".join(f"{'.'.join(map(str, f.path))}: {f.message}" for f in self.fields)
            raise ServiceError.of(ErrorCode.VALIDATION_FAILED, summary, self.fields)
