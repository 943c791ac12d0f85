"""Traces: exported over OTLP only when configured; W3C context continued across NATS hops."""

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from punte_contracts.envelope import CloudEvent
from punte_platform.context import CallContext
from punte_platform.db import utcnow
from punte_platform.ids import new_id
from punte_platform.runtime import ServiceRuntime
from punte_platform.settings import PunteSettings
from punte_platform.testing.nats_server import NatsServer
from punte_platform.testing.probe import ChangeRecorded, ProbeSettings, Recorded, definition
from punte_platform.testing.services import running_service, test_settings
from punte_platform.testing.tracing import ids, only, parent_ids, spans_once
from punte_platform.tracing import configure_tracing, tracer_provider

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver: keeps each export request's path and decoded body."""

    received: list[tuple[str, ExportTraceServiceRequest]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        request = ExportTraceServiceRequest()
        request.ParseFromString(body)
        self.received.append((self.path, request))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[tuple[str, list[tuple[str, ExportTraceServiceRequest]]]]:
    received: list[tuple[str, ExportTraceServiceRequest]] = []
    handler = type("Collector", (_Collector,), {"received": received})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", received
    server.shutdown()
    server.server_close()


def test_without_an_endpoint_no_provider_or_exporter_is_installed() -> None:
    settings = test_settings(PunteSettings)
    assert settings.otlp_endpoint is None
    assert tracer_provider(settings) is None
    before = trace.get_tracer_provider()
    configure_tracing(settings)
    assert trace.get_tracer_provider() is before


@pytest.mark.parametrize("configured_by", ["setting", "standard variable"])
def test_with_an_endpoint_spans_are_exported_over_otlp_http(
    collector: tuple[str, list[tuple[str, ExportTraceServiceRequest]]],
    monkeypatch: pytest.MonkeyPatch,
    configured_by: str,
) -> None:
    url, received = collector
    if configured_by == "setting":
        settings = test_settings(ProbeSettings, otlp_endpoint=url)
    else:
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", url)
        settings = test_settings(ProbeSettings)
    provider = tracer_provider(settings)
    assert provider is not None
    with provider.get_tracer("test").start_as_current_span("exported"):
        pass
    assert provider.force_flush()
    provider.shutdown()
    [(path, request)] = received
    assert path == "/v1/traces"
    [resource_spans] = request.resource_spans
    service = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert service["service.name"] == "punte-probe"
    assert [s.name for s in resource_spans.scope_spans[0].spans] == ["exported"]


async def test_a_traceparent_on_a_request_is_continued_through_outbox_relay_and_consumer(
    nats_server: NatsServer, database_url: str, span_exporter: InMemorySpanExporter
) -> None:
    settings = test_settings(ProbeSettings, nats_url=nats_server.url, database_url=database_url)
    async with running_service(definition(), settings) as probe:
        assert probe.client is not None
        assert probe.client.signer is not None
        subject = "punte.probe.change.record"
        body = b'{"key":"k","seq":1}'
        signed = probe.client.signer.headers(subject, body, CallContext())
        reply = await probe.client.nc.request(
            subject,
            body,
            timeout=2,
            headers={**signed, "traceparent": TRACEPARENT},
        )
        recorded = Recorded.model_validate(json.loads(reply.data)["result"])
        # The shared server's stream may hold other tests' messages: follow this one only.
        message = {"messaging.message.id": str(recorded.message_ids[0])}
        consumed = f"process {ChangeRecorded.message_type()}"
        spans = await spans_once(span_exporter, SpanKind.CONSUMER, consumed, **message)

    server = only(spans, SpanKind.SERVER, "punte.probe.change.record")
    relay = only(spans, SpanKind.PRODUCER, f"publish {ChangeRecorded.message_type()}", **message)
    consumer = only(spans, SpanKind.CONSUMER, consumed, **message)
    assert parent_ids(server) == (TRACE_ID, PARENT_ID)
    assert parent_ids(relay) == ids(server)
    assert parent_ids(consumer) == ids(relay)
    assert consumer.attributes is not None
    assert consumer.attributes["messaging.consumer.group.name"] == "probe-recorder"
    assert server.attributes is not None
    assert server.attributes["punte.outcome"] == "ok"


async def test_a_traceparent_on_a_stream_message_is_continued_by_the_consumer(
    nats_server: NatsServer, database_url: str, span_exporter: InMemorySpanExporter
) -> None:
    settings = test_settings(ProbeSettings, nats_url=nats_server.url, database_url=database_url)
    async with running_service(definition(), settings) as probe:
        event = CloudEvent(
            id=new_id(),
            source="punte/test",
            type=ChangeRecorded.message_type(),
            time=utcnow(),
            data=ChangeRecorded(change_id=new_id(), key="k", seq=1).model_dump(mode="json"),
        )
        await probe.jetstream().publish(
            event.type, event.model_dump_json().encode(), headers={"traceparent": TRACEPARENT}
        )
        consumed = f"process {event.type}"
        message = {"messaging.message.id": str(event.id)}
        spans = await spans_once(span_exporter, SpanKind.CONSUMER, consumed, **message)
    consumer = only(spans, SpanKind.CONSUMER, consumed, **message)
    assert parent_ids(consumer) == (TRACE_ID, PARENT_ID)


async def test_a_request_is_a_client_span_whose_context_the_server_continues(
    probe: ServiceRuntime, span_exporter: InMemorySpanExporter
) -> None:
    assert probe.client is not None
    await probe.client.request_raw("punte.probe.system.echo", b'{"text":"a"}')
    spans = await spans_once(span_exporter, SpanKind.SERVER, "punte.probe.system.echo")
    client = only(spans, SpanKind.CLIENT, "punte.probe.system.echo")
    server = only(spans, SpanKind.SERVER, "punte.probe.system.echo")
    assert parent_ids(client) is None
    assert parent_ids(server) == ids(client)
