"""Settings of the contacts service (`PUNTE_CONTACTS_...`, shared ones as `PUNTE_...`)."""

from typing import ClassVar

from punte_platform.settings import PunteSettings
from pydantic_settings import SettingsConfigDict


class ContactsSettings(PunteSettings):
    """The contacts service's settings."""

    model_config = SettingsConfigDict(env_prefix="PUNTE_CONTACTS_")

    service_name: ClassVar[str] = "contacts"
