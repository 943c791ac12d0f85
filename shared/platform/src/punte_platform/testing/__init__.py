"""Test support: real nats-servers, fresh databases, services run in-process (a pytest plugin)."""
