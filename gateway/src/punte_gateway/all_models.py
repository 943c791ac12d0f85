"""Every model module of the gateway, imported so the metadata knows all tables."""

from punte_gateway.audit import models as audit_models
from punte_gateway.models import messaging_tables, metadata

__all__ = ["audit_models", "messaging_tables", "metadata"]
