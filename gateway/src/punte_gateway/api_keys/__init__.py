"""API keys for integrations: scoped, expiring, stored only as keyed hashes."""
