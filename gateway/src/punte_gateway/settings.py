"""Settings of the gateway (`PUNTE_GATEWAY_...`, shared ones as `PUNTE_...`)."""

from typing import ClassVar

from punte_platform.settings import PunteSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class GatewaySettings(PunteSettings):
    """The gateway's settings."""

    model_config = SettingsConfigDict(env_prefix="PUNTE_GATEWAY_")

    service_name: ClassVar[str] = "gateway"
    default_http_port: ClassVar[int] = 8000

    health_timeout: float = Field(default=2.0, gt=0)
