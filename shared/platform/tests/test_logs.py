"""JSON log lines carry the caller and the trace of the work behind them."""

import json
import logging

from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from punte_platform.context import CallContext, call_context
from punte_platform.logs import JsonFormatter
from punte_platform.tracing import tracer


def test_a_line_carries_the_request_id_actor_and_current_trace(
    span_exporter: InMemorySpanExporter,
) -> None:
    formatter = JsonFormatter("probe")
    record = logging.LogRecord("probe", logging.INFO, __file__, 1, "hello", None, None)
    outside = json.loads(formatter.format(record))
    assert "trace_id" not in outside
    assert "span_id" not in outside
    with (
        call_context(CallContext(actor="user:1", request_id="req-1")),
        tracer.start_as_current_span("work") as span,
    ):
        entry = json.loads(formatter.format(record))
    context = span.get_span_context()
    assert entry["request_id"] == "req-1"
    assert entry["actor"] == "user:1"
    assert entry["trace_id"] == f"{context.trace_id:032x}"
    assert entry["span_id"] == f"{context.span_id:016x}"
