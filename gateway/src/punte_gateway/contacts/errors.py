"""Service errors as GraphQL answers: user errors in payloads, coded errors in queries."""

import re
from collections.abc import Sequence

from graphql import GraphQLError
from punte_contracts.errors import ErrorCode
from punte_platform.errors import ServiceError
from strawberry import relay

from punte_gateway.graphql.errors import UserError

_SNAKE = re.compile(r"_([a-z0-9])")


def camel(name: str) -> str:
    """A contract field name as GraphQL spells it (`legal_name` -> `legalName`)."""
    return _SNAKE.sub(lambda m: m.group(1).upper(), name)


def user_errors(error: ServiceError, ids: dict[str, list[str]] | None = None) -> list[UserError]:
    """The user errors of a failed mutation, pointing at the input fields at fault.

    Validation errors keep their paths (camelCased) under `input`; an unknown id points at the
    input field that held it (`ids`: UUID text -> path, else `id`); a stale version at
    `expectedVersion`; a conflicting value (a CUI taken) at its field. Anything else
    (forbidden, unavailable) is one error on the whole input.
    """

    def path(parts: Sequence[str | int]) -> list[str]:
        return ["input", *(camel(p) if isinstance(p, str) else str(p) for p in parts)]

    message = error.body.message
    details = error.body.details
    if error.code is ErrorCode.VALIDATION_FAILED and error.body.fields:
        return [UserError.of(error.code, f.message, path(list(f.path))) for f in error.body.fields]
    if error.code is ErrorCode.NOT_FOUND:
        where = (ids or {}).get(details.get("id", ""), ["input", "id"])
        return [UserError.of(error.code, message, where)]
    if error.code is ErrorCode.CONFLICT:
        if "current_version" in details:
            return [UserError.of(error.code, message, ["input", "expectedVersion"])]
        if "field" in details:
            return [UserError.of(error.code, message, path([details["field"]]))]
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
            f"{'.'.join(camel(str(p)) for p in f.path)}: {f.message}" for f in error.body.fields
        )
    return GraphQLError(message, extensions={"code": code})


def not_found(type_name: str, global_id: relay.GlobalID | str) -> ServiceError:
    """An id that names nothing of the type expected."""
    return ServiceError.of(
        ErrorCode.NOT_FOUND, f"no {type_name} has the id {global_id}", id=str(global_id)
    )
