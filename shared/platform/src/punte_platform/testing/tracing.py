"""Reading the spans a test's in-memory exporter collected (see the `span_exporter` fixture)."""

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from punte_platform.testing.waiting import eventually


def ids(span: ReadableSpan) -> tuple[str, str]:
    """A span's trace and span ids, in hex."""
    assert span.context is not None
    return f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}"


def parent_ids(span: ReadableSpan) -> tuple[str, str] | None:
    """Its parent's trace and span ids, in hex; None for a root span."""
    if span.parent is None:
        return None
    return f"{span.parent.trace_id:032x}", f"{span.parent.span_id:016x}"


def only(spans: list[ReadableSpan], kind: SpanKind, name: str, **attributes: str) -> ReadableSpan:
    """The one span of this kind and name (and attributes); fails if none or several."""
    [span] = [s for s in spans if _is(s, kind, name, attributes)]
    return span


async def spans_once(
    exporter: InMemorySpanExporter, kind: SpanKind, name: str, **attributes: str
) -> list[ReadableSpan]:
    """The finished spans, as soon as one of this kind and name (and attributes) is there."""

    async def finished() -> list[ReadableSpan]:
        return list(exporter.get_finished_spans())

    return await eventually(
        finished, lambda spans: any(_is(s, kind, name, attributes) for s in spans)
    )


def _is(span: ReadableSpan, kind: SpanKind, name: str, attributes: dict[str, str]) -> bool:
    return (
        span.kind is kind
        and span.name == name
        and all((span.attributes or {}).get(k) == v for k, v in attributes.items())
    )
