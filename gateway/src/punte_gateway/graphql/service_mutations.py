"""Mutations sent to a service: the input built into the request contract, its global ids
read on the way, the idempotency key passed on, and a refusal turned into `userErrors`
(`input.*` field paths, camel-cased).

    found, errors = await send_input(info.context, c.CreateEvent, lambda ids: values_of(input))
    event, errors = await send_change(info.context, c.UpdateEvent, EventNode, input, changes)
"""

from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from punte_contracts.rpc import GetMany, Request
from punte_platform.context import call_context, current_context
from punte_platform.errors import ServiceError
from pydantic import BaseModel, ValidationError
from strawberry import relay

from punte_gateway.graphql.context import GraphQLContext
from punte_gateway.graphql.derive import IdempotentInput
from punte_gateway.graphql.errors import UserError, user_errors
from punte_gateway.graphql.ids import InputIds
from punte_gateway.graphql.loaders import ServiceNode

ReplyT = TypeVar("ReplyT", bound=BaseModel)


async def send_input(
    context: GraphQLContext,
    request_model: type[Request[ReplyT]],
    build: Callable[[InputIds], Request[ReplyT] | dict[str, Any]],
    on_error: Callable[[ServiceError, dict[str, list[str]]], list[UserError]] = user_errors,
    *,
    input: object = None,
) -> tuple[ReplyT | None, list[UserError]]:
    """Build the request from the input, send it (with the input's idempotency key, when an
    `IdempotentInput` carries one); the reply, or the user errors."""
    ids = InputIds()
    key = input.idempotency_key if isinstance(input, IdempotentInput) else None
    try:
        built = build(ids)
        body = built if isinstance(built, Request) else request_model.model_validate(built)
        with call_context(replace(current_context(), idempotency_key=key or None)):
            return await context.client.call(body), []
    except ValidationError as error:
        return None, on_error(ServiceError.from_validation_error(error), ids.paths)
    except ServiceError as error:
        return None, on_error(error, ids.paths)


async def _version_to_send(
    context: GraphQLContext,
    given: int | None,
    global_id: relay.GlobalID,
    type_name: str,
    contract: type[GetMany[Any]],
) -> tuple[int | None, list[UserError]]:
    """The expected version: the one given, else the one stored now (last write wins); or
    the user errors of reading it."""
    if given is not None:
        return given, []
    ids = InputIds()
    try:
        entity_id = ids(global_id, type_name, "id")
        found = await context.client.get_many(contract, [entity_id])
        if entity_id not in found:
            raise ServiceError.not_found(type_name.lower(), entity_id)
        version: int = found[entity_id].version
        return version, []
    except ServiceError as error:
        return None, user_errors(error, ids.paths)


async def send_change(
    context: GraphQLContext,
    contract: type[Request[ReplyT]],
    node: type[ServiceNode],
    input: Any,
    values: dict[str, Any],
) -> tuple[ReplyT | None, list[UserError]]:
    """Send a change of the `node` record `input.id` names, with `values`, at
    `input.expected_version` (else the version stored now); the reply, or the user errors."""
    type_name = node.type_name()
    version, errors = await _version_to_send(
        context, input.expected_version, input.id, type_name, node.read_by
    )
    if version is None:
        return None, errors

    def build(ids: InputIds) -> dict[str, Any]:
        return {**values, "id": ids(input.id, type_name, "id"), "expected_version": version}

    return await send_input(context, contract, build)
