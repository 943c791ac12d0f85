"""One GraphQL mutation is one trace: gateway, contacts service, relay and audit consumer."""

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from punte_contracts.contacts import OrganizationCreated
from punte_platform.testing.tracing import ids, only, parent_ids, spans_once
from punte_platform.testing.waiting import eventually

from .conftest import CREATE_ORG, Crm

AUDIT = {"messaging.consumer.group.name": "gateway-audit"}


async def test_a_mutation_is_one_trace_across_gateway_service_relay_and_consumer(
    crm: Crm, span_exporter: InMemorySpanExporter
) -> None:
    payload = await crm.mutate(CREATE_ORG, {"kind": "COMPANY", "legalName": "Urma SRL"})
    assert payload["userErrors"] == []
    spans = await spans_once(span_exporter, SpanKind.SERVER, "POST /graphql")
    http = only(spans, SpanKind.SERVER, "POST /graphql")
    trace_id = ids(http)[0]
    consumed = f"process {OrganizationCreated.message_type()}"

    # Other tests' messages may still wait in the shared stream: look inside this trace only.
    async def in_trace() -> list[ReadableSpan]:
        return [s for s in span_exporter.get_finished_spans() if ids(s)[0] == trace_id]

    spans = await eventually(in_trace, lambda found: any(s.name == consumed for s in found))
    operation = only(spans, SpanKind.INTERNAL, "mutation createOrganization")
    request = only(spans, SpanKind.CLIENT, "punte.contacts.organization.create")
    handling = only(spans, SpanKind.SERVER, "punte.contacts.organization.create")
    publish = only(spans, SpanKind.PRODUCER, f"publish {OrganizationCreated.message_type()}")
    audit = only(spans, SpanKind.CONSUMER, consumed, **AUDIT)

    assert parent_ids(http) is None
    assert parent_ids(operation) == ids(http)
    assert parent_ids(request) == ids(operation)
    assert parent_ids(handling) == ids(request)
    assert parent_ids(publish) == ids(handling)
    assert parent_ids(audit) == ids(publish)
    # No part of the mutation started a trace of its own.
    mutation_parts = {operation.name, request.name, http.name}
    elsewhere = [s for s in span_exporter.get_finished_spans() if s.name in mutation_parts]
    assert {ids(s)[0] for s in elsewhere} == {trace_id}
