"""Service errors as GraphQL answers, in one place: `userErrors` in mutation payloads, coded
top-level errors in queries (resolvers let `ServiceError` through; `ServiceErrors` maps it)."""

from collections.abc import Iterator, Sequence

import strawberry
from graphql import GraphQLError
from punte_contracts.errors import ErrorCode
from punte_platform.errors import ServiceError
from strawberry import relay
from strawberry.extensions import SchemaExtension
from strawberry.utils.str_converters import to_camel_case


@strawberry.type(description="An expected failure of a mutation: bad input, not found, conflict.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path of the input field at fault, from the input object's root"
    )
    code: str = strawberry.field(
        description="not_found, validation_failed, conflict, forbidden, unavailable"
    )
    message: str

    @classmethod
    def of(cls, code: ErrorCode | str, message: str, field: list[str] | None = None) -> "UserError":
        """A user error with its code."""
        return cls(field=field, code=str(code), message=message)


def camel(name: str) -> str:
    """A contract field name as GraphQL spells it (`legal_name` -> `legalName`)."""
    return to_camel_case(name)


def field_path(parts: Sequence[str | int]) -> list[str]:
    """A contract field path in GraphQL's spelling (list indexes as text)."""
    return [camel(p) if isinstance(p, str) else str(p) for p in parts]


def input_path(parts: Sequence[str | int]) -> list[str]:
    """The path of a mutation input's field, from `input`."""
    return ["input", *field_path(parts)]


def user_errors(error: ServiceError, ids: dict[str, list[str]] | None = None) -> list[UserError]:
    """The user errors of a failed mutation, pointing at the input fields at fault.

    Invalid fields keep their paths (camelCased) under `input`; an unknown id points at the
    input field that held it (`ids`: id text -> path, else `id`); a stale version at
    `expectedVersion`; a conflicting value (a CUI, a username taken) at its field; any other
    conflict at `id`. Anything else (forbidden, unavailable) is one error on the whole input.
    """
    message = error.body.message
    details = error.body.details
    fields = error.body.fields
    if error.code is ErrorCode.VALIDATION_FAILED and fields:
        return [UserError.of(error.code, f.message, input_path(list(f.path))) for f in fields]
    if error.code is ErrorCode.NOT_FOUND:
        where = (ids or {}).get(details.get("id", ""), ["input", "id"])
        return [UserError.of(error.code, message, where)]
    if error.code is ErrorCode.CONFLICT:
        if "current_version" in details or "version" in details:
            return [UserError.of(error.code, message, ["input", "expectedVersion"])]
        if "field" in details:
            return [UserError.of(error.code, message, input_path([details["field"]]))]
        if fields:
            return [UserError.of(error.code, f.message, input_path(list(f.path))) for f in fields]
        return [UserError.of(error.code, message, ["input", "id"])]
    return [UserError.of(error.code, message, ["input"])]


def query_error(error: ServiceError) -> GraphQLError:
    """A service error met while reading: a top-level error with its code, no internals."""
    cursor = [f.message for f in error.body.fields if list(f.path) == ["after"]]
    if error.code is ErrorCode.VALIDATION_FAILED and cursor:
        # The reason matters when a cursor is reused under another orderBy.
        return GraphQLError(f"invalid cursor: {cursor[0]}", extensions={"code": "BAD_CURSOR"})
    code = error.code.value.upper()
    message = error.body.message if error.code is not ErrorCode.INTERNAL else "internal error"
    if error.body.fields:
        message = "; ".join(
            f"{'.'.join(field_path(f.path))}: {f.message}" for f in error.body.fields
        )
    return GraphQLError(message, extensions={"code": code})


def not_found(type_name: str, global_id: relay.GlobalID | str) -> ServiceError:
    """An id that names nothing of the type expected."""
    return ServiceError.of(
        ErrorCode.NOT_FOUND, f"no {type_name} has the id {global_id}", id=str(global_id)
    )


class ServiceErrors(SchemaExtension):
    """A `ServiceError` a resolver lets through becomes its coded GraphQL error, in place."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if result is None or not errors:
            return
        result.errors = [_coded(error) for error in errors]


def _coded(error: GraphQLError) -> GraphQLError:
    if not isinstance(error.original_error, ServiceError):
        return error
    coded = query_error(error.original_error)
    return GraphQLError(
        coded.message,
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        extensions=coded.extensions,
    )
