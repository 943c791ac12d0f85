"""Per-operation context: every request to a service and every log line carry the caller."""

from collections.abc import Iterator

from punte_platform.context import CallContext, call_context, child_traceparent, new_request_id
from strawberry.extensions import SchemaExtension

from punte_gateway.graphql.context import GraphQLContext, caller_context

REQUEST_ID_HEADER = "x-request-id"


class CallerContext(SchemaExtension):
    """Runs the operation under the caller's actor, permissions and a request id."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        base = CallContext(request_id=new_request_id(), traceparent=child_traceparent(None))
        if isinstance(context, GraphQLContext):
            incoming = context.request.headers if context.request is not None else {}
            base = CallContext(
                request_id=incoming.get(REQUEST_ID_HEADER) or base.request_id,
                traceparent=child_traceparent(incoming.get("traceparent")),
            )
            base = caller_context(context.principal, base)
        with call_context(base):
            yield
