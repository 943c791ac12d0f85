"""Settings of the partnerships service (`PUNTE_PARTNERSHIPS_...`, shared ones as `PUNTE_...`)."""

from typing import ClassVar

from punte_platform.settings import PunteSettings
from pydantic_settings import SettingsConfigDict


class PartnershipsSettings(PunteSettings):
    """The partnerships service's settings."""

    model_config = SettingsConfigDict(env_prefix="PUNTE_PARTNERSHIPS_")

    service_name: ClassVar[str] = "partnerships"
