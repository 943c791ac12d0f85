"""Prometheus metrics of one service process, in a registry of its own."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ServiceMetrics:
    """Requests, latencies, outbox backlog, consumer lag and dead letters."""

    def __init__(self, service: str) -> None:
        self.registry = CollectorRegistry()
        labels = {"service": service}
        self.requests = Counter(
            "punte_requests_total",
            "Requests answered, by endpoint and outcome (ok or error code).",
            ["endpoint", "outcome"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "punte_request_duration_seconds",
            "Time to answer a request.",
            ["endpoint"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.outbox_backlog = Gauge(
            "punte_outbox_backlog", "Outbox rows not yet published.", registry=self.registry
        )
        self.relay_published = Counter(
            "punte_relay_published_total", "Messages the relay published.", registry=self.registry
        )
        self.relay_failures = Counter(
            "punte_relay_failures_total", "Failed relay publish rounds.", registry=self.registry
        )
        self.consumer_lag = Gauge(
            "punte_consumer_lag",
            "Messages waiting for a consumer (JetStream num_pending).",
            ["consumer"],
            registry=self.registry,
        )
        self.messages_handled = Counter(
            "punte_messages_handled_total",
            "Domain messages consumed, by consumer and outcome.",
            ["consumer", "outcome"],
            registry=self.registry,
        )
        self.dead_letters = Gauge(
            "punte_dead_letters", "Messages in the dead-letter table.", registry=self.registry
        )
        self.info = Gauge(
            "punte_service_info", "Service identity.", ["service"], registry=self.registry
        )
        self.info.labels(**labels).set(1)
