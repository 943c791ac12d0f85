"""Messaging: request/reply over nats.micro, domain messages through outbox, relay and inbox."""
