"""Traces with OpenTelemetry: one provider per process, W3C trace context across NATS hops.

Off unless an OTLP endpoint is configured: the API's no-op tracer then records nothing, yet
passes an incoming trace context on unchanged, so a sampled trace still crosses this process.
"""

import json
import os
from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import AbstractContextManager, contextmanager

from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.sdk.environment_variables import (
    OTEL_EXPORTER_OTLP_ENDPOINT,
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
)
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from punte_platform.settings import PunteSettings

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
# Paths probes and scrapers hit every few seconds: spans of them would drown the rest.
UNTRACED_PATHS = "/healthz,/readyz,/metrics"

tracer = trace.get_tracer("punte_platform")
_propagator = TraceContextTextMapPropagator()


def tracer_provider(settings: PunteSettings) -> TracerProvider | None:
    """A provider exporting over OTLP/HTTP, or None when no endpoint is configured."""
    if settings.otlp_endpoint is not None:
        endpoint: str | None = f"{str(settings.otlp_endpoint).rstrip('/')}/v1/traces"
    elif os.environ.get(OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or os.environ.get(
        OTEL_EXPORTER_OTLP_ENDPOINT
    ):
        endpoint = None  # the exporter reads the standard variables itself
    else:
        return None
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: f"punte-{settings.service_name}"})
    )
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


def configure_tracing(settings: PunteSettings) -> None:
    """Install the process's provider, once, at its entry point; nothing when tracing is off."""
    provider = tracer_provider(settings)
    if provider is not None:
        trace.set_tracer_provider(provider)


def instrument_app(app: FastAPI) -> None:
    """A server span per HTTP request, continuing the caller's `traceparent`."""
    FastAPIInstrumentor.instrument_app(
        app, excluded_urls=UNTRACED_PATHS, exclude_spans=["receive", "send"]
    )


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current span's `traceparent` (and `tracestate`) to outgoing headers."""
    _propagator.inject(headers)
    return headers


def extract(headers: Mapping[str, str] | None) -> Context:
    """The trace context incoming headers carry (an empty one if none)."""
    return _propagator.extract(headers or {})


def trace_ids() -> tuple[str, str] | None:
    """The current trace and span ids in hex, for log lines; None outside any trace."""
    span_context = trace.get_current_span().get_span_context()
    if not span_context.is_valid:
        return None
    return f"{span_context.trace_id:032x}", f"{span_context.span_id:016x}"


@contextmanager
def sending(subject: str, headers: MutableMapping[str, str]) -> Iterator[Span]:
    """A client span around a request; its context goes out in `headers`."""
    with tracer.start_as_current_span(
        subject, kind=SpanKind.CLIENT, attributes=_nats(subject)
    ) as span:
        inject(headers)
        yield span


def serving(subject: str, headers: Mapping[str, str] | None) -> AbstractContextManager[Span]:
    """A server span around answering a request, continuing the caller's trace."""
    return tracer.start_as_current_span(
        subject, context=extract(headers), kind=SpanKind.SERVER, attributes=_nats(subject)
    )


@contextmanager
def publishing(
    subject: str, message_id: str, payload: bytes, headers: MutableMapping[str, str]
) -> Iterator[Span]:
    """A producer span around publishing an outbox row, in the trace of the transaction that
    wrote it (its CloudEvent's `traceparent`); the span's context goes out in `headers`."""
    with tracer.start_as_current_span(
        f"publish {subject}",
        context=extract(_message_trace(payload)),
        kind=SpanKind.PRODUCER,
        attributes={**_nats(subject), "messaging.message.id": message_id},
    ) as span:
        inject(headers)
        yield span


def consuming(
    subject: str, message_id: str, consumer: str, headers: Mapping[str, str] | None
) -> AbstractContextManager[Span]:
    """A consumer span around applying a message, continuing its publisher's trace."""
    return tracer.start_as_current_span(
        f"process {subject}",
        context=extract(headers),
        kind=SpanKind.CONSUMER,
        attributes={
            **_nats(subject),
            "messaging.message.id": message_id,
            "messaging.consumer.group.name": consumer,
        },
    )


def _message_trace(payload: bytes) -> dict[str, str]:
    # Parse only rows written inside a trace: most are not, when tracing is off.
    if b'"traceparent":' not in payload:
        return {}
    envelope = json.loads(payload)
    return {k: envelope[k] for k in (TRACEPARENT, TRACESTATE) if isinstance(envelope.get(k), str)}


def _nats(subject: str) -> dict[str, str]:
    return {"messaging.system": "nats", "messaging.destination.name": subject}
