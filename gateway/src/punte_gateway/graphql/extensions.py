"""Per-operation context: every request to a service and every log line carry the caller."""

from collections.abc import Iterator

from graphql import FieldNode, OperationDefinitionNode
from opentelemetry.trace import INVALID_SPAN, Span
from punte_platform.context import CallContext, call_context, new_request_id
from punte_platform.tracing import tracer
from strawberry.extensions import SchemaExtension

from punte_gateway.graphql.context import GraphQLContext, caller_context

REQUEST_ID_HEADER = "x-request-id"


class CallerContext(SchemaExtension):
    """Runs the operation under the caller's actor, permissions and a request id."""

    def on_operation(self) -> Iterator[None]:
        context = self.execution_context.context
        base = CallContext(request_id=new_request_id())
        if isinstance(context, GraphQLContext):
            incoming = context.request.headers if context.request is not None else {}
            base = CallContext(request_id=incoming.get(REQUEST_ID_HEADER) or base.request_id)
            base = caller_context(context.principal, base)
        with call_context(base):
            yield


class OperationSpan(SchemaExtension):
    """A span per operation, named by its type and name (or root fields when anonymous).

    Neither the document nor the variables are recorded: they may hold personal data and
    passwords.
    """

    span: Span = INVALID_SPAN

    def on_operation(self) -> Iterator[None]:
        with tracer.start_as_current_span("GraphQL Operation") as self.span:
            yield

    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        kind = execution.operation_type.value
        self.span.set_attribute("graphql.operation.type", kind)
        if execution.operation_name:
            self.span.set_attribute("graphql.operation.name", execution.operation_name)
        self.span.update_name(f"{kind} {execution.operation_name or self._root_fields()}")
        yield

    def _root_fields(self) -> str:
        document = self.execution_context.graphql_document
        for definition in document.definitions if document else ():
            if isinstance(definition, OperationDefinitionNode):
                return ",".join(
                    s.name.value
                    for s in definition.selection_set.selections
                    if isinstance(s, FieldNode)
                )
        return ""
