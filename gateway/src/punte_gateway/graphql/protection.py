"""Limits that keep one request from hurting the service: depth, aliases, tokens, cost, body
size."""

import codecs
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from functools import partial
from typing import Any

from graphql import GraphQLError
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    ValidationCache,
)

from punte_gateway.graphql.cost import QueryCostLimiter
from punte_gateway.settings import GatewaySettings

log = logging.getLogger(__name__)

MASKED_MESSAGE = "internal error"
DOCUMENT_CACHE_SIZE = 512


def is_unexpected(error: GraphQLError) -> bool:
    """Mask errors raised by bugs; keep those the API raises on purpose (all GraphQLErrors)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    log.error("resolver failed: %r", original, exc_info=original)
    return True


def protection_extensions(settings: GatewaySettings) -> list[Any]:
    """The schema extensions enforcing the gateway's limits (factories: fresh per request)."""
    # The depth and alias limits are validation rules. Their rule classes are built once
    # here, because the validation cache keys on them: limiter extensions made per request
    # would bring new classes each time and never hit the cache.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_aliases).validation_rules,
    ]
    if settings.is_production:
        rules.extend(DisableIntrospection().validation_rules)
    return [
        # Clients repeat the same few documents: parse and validate each once.
        partial(ParserCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(ValidationCache, maxsize=DOCUMENT_CACHE_SIZE),
        partial(QueryCostLimiter, max_cost=settings.max_query_cost),
        partial(MaxTokensLimiter, max_token_count=settings.max_tokens),
        partial(AddValidationRules, rules),
        partial(MaskErrors, should_mask_error=is_unexpected, error_message=MASKED_MESSAGE),
    ]


def _refusal(status: int, code: str, message: str) -> Callable[[Send], Awaitable[None]]:
    body = json.dumps({"errors": [{"message": message, "extensions": {"code": code}}]}).encode()

    async def send_refusal(send: Send) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    return send_refusal


class RequestGuard:
    """Refuses oversized bodies (413), non-JSON GraphQL posts (415) and JSON bodies that are not
    UTF-8 (400) before parsing."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body_bytes: int,
        graphql_path: str,
        streamed_paths: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.graphql_path = graphql_path
        # File uploads: their endpoints stream the body under the staged-file cap instead.
        self.streamed_paths = frozenset(p.rstrip("/") for p in streamed_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["method"] == "POST" and scope["path"].rstrip("/") in self.streamed_paths:
            await self.app(scope, receive, send)
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            await _refusal(413, "PAYLOAD_TOO_LARGE", "request body too large")(send)
            return
        if scope["method"] == "POST" and scope["path"].rstrip("/") == self.graphql_path:
            content_type = headers.get("content-type", "").split(";")[0].strip().lower()
            if content_type != "application/json":
                # Form posts are what cross-site requests can forge without a preflight.
                await _refusal(
                    415, "UNSUPPORTED_MEDIA_TYPE", "GraphQL requests must be application/json"
                )(send)
                return
        json_body = headers.get("content-type", "").split(";")[0].strip().lower().endswith("json")
        try:
            await self.app(scope, self._bounded(receive, utf8=json_body), send)
        except BodyTooLarge:
            await _refusal(413, "PAYLOAD_TOO_LARGE", "request body too large")(send)
        except NotUtf8:
            await _refusal(400, "BAD_REQUEST", "the request body is not valid UTF-8")(send)

    def _bounded(self, receive: Receive, *, utf8: bool) -> Receive:
        """Count streamed bytes too (a client may omit or understate Content-Length); check
        that a JSON body decodes, before a parser fails on it with a server error."""
        seen = 0
        limit = self.max_body_bytes
        decoder = codecs.getincrementaldecoder("utf-8")()

        async def bounded_receive() -> Message:
            nonlocal seen
            message: MutableMapping[str, Any] = dict(await receive())
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                seen += len(chunk)
                if seen > limit:
                    raise BodyTooLarge
                if utf8:
                    try:
                        decoder.decode(chunk, final=not message.get("more_body", False))
                    except UnicodeDecodeError:
                        raise NotUtf8 from None
            return message

        return bounded_receive


class BodyTooLarge(Exception):
    """A streamed body went past the limit."""


class NotUtf8(Exception):
    """A JSON body that is not UTF-8 (RFC 8259 allows no other encoding)."""
