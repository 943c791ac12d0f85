"""Settings of the gateway (`PUNTE_GATEWAY_...`, shared ones as `PUNTE_...`)."""

from ipaddress import ip_network
from pathlib import Path
from typing import ClassVar

from punte_platform.settings import PunteSettings
from pydantic import Field, SecretStr, field_validator
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
    # Failed logins: free attempts, then a delay doubling from 1 s up to a cap (auth/throttle).
    login_free_failures_per_username: int = Field(default=5, ge=1)
    login_max_delay_per_username_seconds: int = Field(default=60, ge=1)
    login_free_failures_per_address: int = Field(default=20, ge=1)
    login_max_delay_per_address_seconds: int = Field(default=900, ge=1)
    login_failure_window_seconds: int = Field(
        default=3600, gt=0, description="failures are forgotten after this long without one"
    )
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
    max_query_cost: int = Field(
        default=20_000, ge=1, description="fields times the page sizes above them (graphql/cost)"
    )
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    cors_origins: list[str] = Field(default_factory=list)
    metrics_token: SecretStr = Field(
        default=SecretStr(""),
        description="bearer token Prometheus sends for /metrics; unset: open in development, "
        "off (404) in production",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="addresses or networks (CIDR) of reverse proxies whose X-Forwarded-For "
        "is believed; from any other peer the header is ignored",
    )

    # The staff web UI's build, served at `/`; none there (not built yet) means the API only.
    web_dir: Path = Field(default=DEFAULT_WEB_DIR)

    # Files: export download links stay valid this long.
    download_link_ttl_seconds: int = Field(default=600, gt=0)
    # What one caller may keep staged at once (uploads; files expire after files_ttl_seconds).
    files_quota_per_user_bytes: int = Field(default=200_000_000, ge=1)
    files_quota_per_user_files: int = Field(default=20, ge=1)
    files_quota_per_api_key_bytes: int = Field(default=500_000_000, ge=1)
    files_quota_per_api_key_files: int = Field(default=50, ge=1)

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, entries: list[str]) -> list[str]:
        """Each entry an address or a network, refused at start rather than on a request."""
        for entry in entries:
            ip_network(entry, strict=False)
        return entries
