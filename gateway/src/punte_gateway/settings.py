"""Settings of the gateway (`PUNTE_GATEWAY_...`, shared ones as `PUNTE_...`)."""

from pathlib import Path
from typing import ClassVar

from punte_platform.settings import PunteSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from punte_gateway.web import DEFAULT_WEB_DIR


class GatewaySettings(PunteSettings):
    """The gateway's settings."""

    model_config = SettingsConfigDict(env_prefix="PUNTE_GATEWAY_")

    service_name: ClassVar[str] = "gateway"
    default_http_port: ClassVar[int] = 8000

    health_timeout: float = Field(default=2.0, gt=0)

    # Staff sessions (local accounts).
    access_token_ttl_seconds: int = Field(default=900, gt=0)
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, gt=0)
    login_max_failures: int = Field(default=5, ge=1)
    login_lockout_seconds: int = Field(default=900, gt=0)
    demo_users: bool = Field(
        default=True, description="create one user per role on start (development only)"
    )

    # The city's OpenID Connect provider (production option); off while issuer is empty.
    oidc_issuer: str = ""
    oidc_audience: str = ""
    oidc_jwks_url: str = ""
    oidc_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])
    oidc_roles_claim: str = "roles"
    oidc_department_claim: str = "department"
    oidc_username_claim: str = "preferred_username"

    # Limits.
    rate_limit_user_per_minute: int = Field(default=600, ge=1)
    rate_limit_api_key_per_minute: int = Field(default=120, ge=1)
    rate_limit_anonymous_per_minute: int = Field(default=60, ge=1)
    max_query_depth: int = Field(default=10, ge=0)
    max_aliases: int = Field(default=15, ge=1)
    max_tokens: int = Field(default=2000, ge=1)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    cors_origins: list[str] = Field(default_factory=list)

    # The staff web UI's build, served at `/`; none there (not built yet) means the API only.
    web_dir: Path = Field(default=DEFAULT_WEB_DIR)

    # Files: export download links stay valid this long.
    download_link_ttl_seconds: int = Field(default=600, gt=0)
