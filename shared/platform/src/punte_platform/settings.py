"""Typed settings: a base every service extends with its own `PUNTE_<SERVICE>_` prefix."""

from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

from punte_contracts.files import STAGED_FILE_MAX_BYTES
from pydantic import Field, HttpUrl, SecretStr, model_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from punte_platform.tables import TableLimits

ENV_FILE = ".env"
DEFAULT_SECRET_KEY = "punte-development-secret-change-me"  # noqa: S105 (refused in production)

# Fields every process shares, readable as plain `PUNTE_<FIELD>` so one variable switches all.
SHARED_FIELDS = frozenset(
    {
        "environment",
        "nats_url",
        "log_level",
        "log_json",
        "secret_key",
        "request_timeout",
        "nats_stream_name",
        "nats_stream_replicas",
        "nats_stream_max_age_seconds",
        "nats_stream_max_bytes",
        "nats_stream_duplicate_window_seconds",
        "files_bucket",
        "files_ttl_seconds",
        "files_max_bytes",
        "files_bucket_max_bytes",
        "table_limits",
        "otlp_endpoint",
        "nats_tls_ca_file",
        "context_verify_key",
        "context_ttl_seconds",
    }
)


class Environment(StrEnum):
    """Where the process runs; production tightens defaults."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class _SharedEnvSource(EnvSettingsSource):
    """`PUNTE_<FIELD>` variables, for the shared fields only."""

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in super().__call__().items() if k in SHARED_FIELDS}


class _SharedDotEnvSource(DotEnvSettingsSource):
    """`PUNTE_<FIELD>` lines of `.env`, for the shared fields only."""

    def __call__(self) -> dict[str, Any]:
        return {k: v for k, v in super().__call__().items() if k in SHARED_FIELDS}


class PunteSettings(BaseSettings):
    """Settings every Punte process has."""

    model_config = SettingsConfigDict(
        env_prefix="PUNTE_", env_file=ENV_FILE, extra="ignore", env_file_encoding="utf-8"
    )

    service_name: ClassVar[str] = "punte"
    default_http_port: ClassVar[int] = 8100

    environment: Environment = Environment.DEVELOPMENT
    nats_url: str = "nats://127.0.0.1:4222"
    database_url: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET_KEY)
    http_host: str = "127.0.0.1"
    http_port: int = 0
    migrate_on_start: bool = True
    request_timeout: float = Field(default=5.0, gt=0)
    request_concurrency: int = Field(default=64, ge=1)

    nats_stream_name: str = "PUNTE"
    nats_stream_replicas: int = Field(default=1, ge=1, le=5)
    nats_stream_max_age_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    nats_stream_max_bytes: int = Field(default=1024**3, gt=0)
    nats_stream_duplicate_window_seconds: int = Field(default=120, gt=0)

    # Staged files (imports, exports): one object store shared by the gateway and services.
    files_bucket: str = Field(default="punte-files", pattern=r"^[a-zA-Z0-9_-]+$")
    files_ttl_seconds: int = Field(default=86400, gt=0)
    files_max_bytes: int = Field(default=STAGED_FILE_MAX_BYTES, gt=0)
    files_bucket_max_bytes: int = Field(default=4 * 1024**3, gt=0)
    # What an uploaded spreadsheet may hold (JSON, e.g. PUNTE_TABLE_LIMITS='{"max_rows": 5000}').
    table_limits: TableLimits = Field(default_factory=TableLimits)

    # This process's NATS identity: an NKEY user seed, given inline (development, tests) or as
    # a file mounted from a secret (production). TLS to NATS when a CA is given.
    nats_seed: SecretStr | None = None
    nats_seed_file: Path | None = None
    nats_tls_ca_file: Path | None = None
    nats_tls_cert_file: Path | None = None
    nats_tls_key_file: Path | None = None

    # The caller's context is signed by the gateway (it alone holds the seed) and verified by
    # every service with the public key (`U...`); a signature is good for `context_ttl_seconds`.
    context_verify_key: str = ""
    context_signing_seed: SecretStr | None = None
    context_signing_seed_file: Path | None = None
    context_ttl_seconds: float = Field(default=60.0, gt=0)

    # OTLP/HTTP collector (e.g. http://collector:4318): traces are exported there, and are off
    # when neither it nor the standard OTEL_EXPORTER_OTLP_ENDPOINT is set.
    otlp_endpoint: HttpUrl | None = None

    relay_batch_size: int = Field(default=500, ge=1)
    relay_max_in_flight: int = Field(default=256, ge=1)
    relay_poll_interval: float = Field(default=1.0, gt=0)
    relay_retry_initial: float = Field(default=0.2, gt=0)
    relay_retry_max: float = Field(default=5.0, gt=0)
    relay_sent_retention_seconds: int = Field(default=3600, ge=0)
    relay_prune_interval_seconds: float = Field(default=60.0, gt=0)

    consumer_ack_wait_seconds: float = Field(default=30.0, gt=0)
    consumer_max_deliver: int = Field(default=5, ge=1)
    consumer_retry_delays_seconds: list[float] = Field(
        default_factory=lambda: [0.5, 2.0, 10.0, 30.0]
    )
    consumer_fetch_batch: int = Field(default=64, ge=1)
    consumer_max_ack_pending: int = Field(default=1000, ge=1)

    # How long a write's reply is kept for a retry carrying the same idempotency key.
    idempotency_key_ttl_seconds: int = Field(default=24 * 3600, gt=0)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Service-prefixed variables win over shared `PUNTE_` ones, env over `.env`."""
        return (
            init_settings,
            env_settings,
            _SharedEnvSource(settings_cls, env_prefix="PUNTE_"),
            dotenv_settings,
            _SharedDotEnvSource(
                settings_cls,
                env_file=getattr(dotenv_settings, "env_file", ENV_FILE),
                env_prefix="PUNTE_",
            ),
            file_secret_settings,
        )

    @model_validator(mode="after")
    def _apply_defaults_and_refuse_unsafe_production(self) -> "PunteSettings":
        if not self.database_url:
            self.database_url = f"sqlite+aiosqlite:///./var/{self.service_name}.db"
        if not self.http_port:
            self.http_port = self.default_http_port
        if self.nats_stream_duplicate_window_seconds > self.nats_stream_max_age_seconds:
            raise ValueError("nats_stream_duplicate_window_seconds exceeds the stream's max age")
        if self.environment is Environment.PRODUCTION:
            secret = self.secret_key.get_secret_value()
            if secret == DEFAULT_SECRET_KEY or len(secret) < 32:
                raise ValueError(
                    "secret_key: production refuses the default or a short secret "
                    "(set PUNTE_SECRET_KEY to at least 32 random characters)"
                )
            if self.nats_seed is None and self.nats_seed_file is None:
                raise ValueError(
                    "nats_seed_file: production refuses an unauthenticated NATS connection"
                )
            if not self.context_verify_key:
                raise ValueError(
                    "context_verify_key: production needs the gateway's public signing key"
                )
        return self

    def nats_nkey_seed(self) -> str | None:
        """The NKEY seed this process connects to NATS with, if any."""
        return _secret(self.nats_seed, self.nats_seed_file)

    def context_signing_key(self) -> str | None:
        """The seed that signs callers' contexts (the gateway's only)."""
        return _secret(self.context_signing_seed, self.context_signing_seed_file)

    @property
    def is_production(self) -> bool:
        """Whether production hardening applies."""
        return self.environment is Environment.PRODUCTION


def _secret(value: SecretStr | None, file: Path | None) -> str | None:
    if value is not None:
        return value.get_secret_value().strip()
    if file is not None:
        return file.read_text(encoding="utf-8").strip()
    return None
