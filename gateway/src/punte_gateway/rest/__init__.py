"""The REST API for integrations (`/api/v1`), authenticated by API keys."""
