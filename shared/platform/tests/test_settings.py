"""Settings: per-service prefixes, shared variables, .env files, production refusals."""

from pathlib import Path

import pytest
from punte_platform.settings import DEFAULT_SECRET_KEY, Environment, PunteSettings
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict


class ExampleSettings(PunteSettings):
    model_config = SettingsConfigDict(env_prefix="PUNTE_EXAMPLE_")
    service_name = "example"
    default_http_port = 8199


def test_defaults_are_the_embedded_ones() -> None:
    settings = ExampleSettings(_env_file=None)
    assert settings.database_url == "sqlite+aiosqlite:///./var/example.db"
    assert settings.http_port == 8199
    assert settings.environment is Environment.DEVELOPMENT


def test_a_shared_variable_reaches_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUNTE_NATS_URL", "nats://broker:4222")
    assert ExampleSettings(_env_file=None).nats_url == "nats://broker:4222"


def test_the_service_prefix_wins_over_the_shared_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PUNTE_NATS_URL", "nats://shared:4222")
    monkeypatch.setenv("PUNTE_EXAMPLE_NATS_URL", "nats://own:4222")
    assert ExampleSettings(_env_file=None).nats_url == "nats://own:4222"


def test_a_service_field_is_never_taken_from_the_shared_prefix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PUNTE_DATABASE_URL", "postgresql+asyncpg://wrong/everyone")
    assert ExampleSettings(_env_file=None).database_url.startswith("sqlite")


def test_spreadsheet_limits_are_a_setting_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ExampleSettings(_env_file=None).table_limits.max_columns == 200
    monkeypatch.setenv("PUNTE_TABLE_LIMITS", '{"max_rows": 5000, "max_columns": 40}')
    limits = ExampleSettings(_env_file=None).table_limits
    assert (limits.max_rows, limits.max_columns, limits.max_cell_chars) == (5000, 40, 32_767)
    monkeypatch.setenv("PUNTE_TABLE_LIMITS", '{"max_rows": 0}')
    with pytest.raises(ValidationError):
        ExampleSettings(_env_file=None)


def test_dotenv_files_are_read(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("PUNTE_EXAMPLE_HTTP_PORT=9001\nPUNTE_LOG_LEVEL=DEBUG\n", encoding="utf-8")
    settings = ExampleSettings(_env_file=env_file)
    assert settings.http_port == 9001
    assert settings.log_level == "DEBUG"


def test_production_refuses_the_default_secret() -> None:
    with pytest.raises(ValidationError, match="secret_key"):
        ExampleSettings(_env_file=None, environment="production")
    with pytest.raises(ValidationError, match="secret_key"):
        ExampleSettings(_env_file=None, environment="production", secret_key="short")


PRODUCTION_NATS = {"nats_seed_file": "/run/secrets/nats.nk", "context_verify_key": "UABC"}


def test_production_accepts_a_real_secret() -> None:
    settings = ExampleSettings(
        _env_file=None, environment="production", secret_key="x" * 40, **PRODUCTION_NATS
    )
    assert settings.is_production
    assert settings.secret_key.get_secret_value() != DEFAULT_SECRET_KEY


@pytest.mark.parametrize("missing", sorted(PRODUCTION_NATS))
def test_production_refuses_an_unauthenticated_bus(missing: str) -> None:
    values = {k: v for k, v in PRODUCTION_NATS.items() if k != missing}
    with pytest.raises(ValidationError, match=missing):
        ExampleSettings(_env_file=None, environment="production", secret_key="x" * 40, **values)


def test_credentials_are_read_from_their_files(tmp_path: Path) -> None:
    seed_file = tmp_path / "nats.nk"
    seed_file.write_text("SUSEED\n", encoding="utf-8")
    settings = ExampleSettings(_env_file=None, nats_seed_file=seed_file)
    assert settings.nats_nkey_seed() == "SUSEED"
    assert settings.context_signing_key() is None


def test_invalid_values_are_refused() -> None:
    with pytest.raises(ValidationError):
        ExampleSettings(_env_file=None, nats_stream_replicas=0)
