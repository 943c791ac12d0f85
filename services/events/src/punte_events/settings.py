"""Settings of the events service (`PUNTE_EVENTS_...`, shared ones as `PUNTE_...`)."""

from typing import ClassVar

from punte_platform.settings import PunteSettings
from pydantic_settings import SettingsConfigDict


class EventsSettings(PunteSettings):
    """The events service's settings."""

    model_config = SettingsConfigDict(env_prefix="PUNTE_EVENTS_")

    service_name: ClassVar[str] = "events"
