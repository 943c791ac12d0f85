"""Every model module of the gateway, imported so the metadata knows all tables."""

from punte_gateway.api_keys import models as api_key_models
from punte_gateway.audit import models as audit_models
from punte_gateway.models import messaging_tables, metadata
from punte_gateway.users import models as user_models

__all__ = ["api_key_models", "audit_models", "messaging_tables", "metadata", "user_models"]
