"""docker-compose.yml: valid Compose, and wired the way the services expect.

No Docker engine runs here, so the file is checked, not run, the way `docker compose config`
would: interpolated (refusing a missing required variable), then against the official Compose
Specification schema; and against the services' own settings classes.

`compose-spec.json` beside this file is the Compose Specification JSON schema,
`schema/compose-spec.json` of https://github.com/compose-spec/compose-spec (commit
00655e2222608fa6eaecdf12ac5195889ca2244a), copied unchanged. It is licensed under the
Apache License 2.0 (Copyright The Compose Specification Authors); see
https://www.apache.org/licenses/LICENSE-2.0.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from sqlalchemy.engine import make_url

from .conftest import SettingsOf

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SCHEMA_FILE = Path(__file__).with_name("compose-spec.json")
INIT_SQL = ROOT / "deploy" / "postgres" / "init-databases.sql"

APP_SERVICES = {"contacts": 8101, "events": 8102, "partnerships": 8103, "gateway": 8000}
SHARED_ENV = ("PUNTE_ENVIRONMENT", "PUNTE_SECRET_KEY", "PUNTE_NATS_URL", "PUNTE_LOG_LEVEL")
INTERPOLATION = re.compile(
    r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
)
# Every variable compose must refuse to start without, and values for them.
REQUIRED = {
    "PUNTE_SECRET_KEY": "k" * 48,
    "POSTGRES_PASSWORD": "p" * 32,
    **{f"PUNTE_{name.upper()}_DB_PASSWORD": f"{name}-{'x' * 24}" for name in APP_SERVICES},
    # Public keys, as bus_auth prints them (an NKEY user key is 56 characters from "U").
    "PUNTE_CONTEXT_VERIFY_KEY": "U" * 56,
    **{f"PUNTE_{name.upper()}_NKEY": "U" * 56 for name in APP_SERVICES},
}
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$|CREDENTIAL|NKEY|SEED", re.IGNORECASE)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's `${VAR}`, `${VAR:-default}`, `${VAR:?error}` against `variables`."""

    def replace(match: re.Match[str]) -> str:
        name, op, arg = match.group("name", "op", "arg")
        current = variables.get(name)
        if op in (":-", "-"):
            return current if current else (arg or "")
        if op in (":?", "?"):
            if not current:
                raise LookupError(f"{name}: {arg}")
            return current
        return current or ""

    return INTERPOLATION.sub(replace, value)


def interpolate_all(node: Any, variables: dict[str, str]) -> Any:
    """The whole file as `docker compose config` sees it after interpolation."""
    if isinstance(node, dict):
        return {key: interpolate_all(value, variables) for key, value in node.items()}
    if isinstance(node, list):
        return [interpolate_all(value, variables) for value in node]
    if isinstance(node, str):
        return interpolate(node, variables)
    return node


def references(text: str) -> list[re.Match[str]]:
    """Every `${...}` of the file, comments left out."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    return list(INTERPOLATION.finditer("\n".join(lines)))


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "use the mapping form of environment"
    return {str(k): str(v) for k, v in env.items()}


# --------------------------------------------------------------------------- schema


def test_compose_file_matches_the_compose_specification(
    compose: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    for document in (compose, interpolate_all(compose, REQUIRED)):
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors
        )


def test_schema_is_not_vacuous(
    compose: dict[str, Any], validator: jsonschema.Draft7Validator
) -> None:
    broken = copy.deepcopy(compose)
    broken["services"]["contacts"]["depends_on"]["nats"]["condition"] = "service_ready"
    broken["services"]["gateway"]["no_such_key"] = True
    messages = [e.message for e in validator.iter_errors(broken)]
    assert messages


# --------------------------------------------------------------------------- infrastructure


def test_nats_runs_jetstream_on_a_volume_with_a_health_check(compose: dict[str, Any]) -> None:
    nats = compose["services"]["nats"]
    assert nats["image"].startswith("nats:")
    assert nats["image"].endswith("-alpine"), "the healthcheck needs wget from the alpine image"
    command = nats["command"]
    assert "-js" in command
    assert command[command.index("-sd") + 1] == "/data"
    volume, _, target = nats["volumes"][0].partition(":")
    assert target == "/data"
    assert volume in compose["volumes"]
    # Authenticated clients only; monitoring on the container's loopback (the healthcheck).
    mounts = dict(m.split(":")[:2] for m in nats["volumes"][1:])
    config = command[command.index("--config") + 1]
    conf = (ROOT / next(h for h, c in mounts.items() if c == config)).read_text("utf-8")
    assert "include ./auth.conf" in conf
    assert "http: 127.0.0.1:8222" in conf
    assert (ROOT / next(h for h, c in mounts.items() if c.endswith("/auth.conf"))).exists()
    test = " ".join(nats["healthcheck"]["test"])
    assert "8222/healthz" in test


def test_postgres_16_creates_one_database_and_role_per_service(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].split(":")[1].startswith("16")
    mounts = [m.split(":") for m in postgres["volumes"]]
    data = next(m for m in mounts if m[1] == "/var/lib/postgresql/data")
    assert data[0] in compose["volumes"]
    init = next(m for m in mounts if m[1].startswith("/docker-entrypoint-initdb.d/"))
    assert (ROOT / init[0]).resolve() == INIT_SQL
    assert "pg_isready" in postgres["healthcheck"]["test"]

    sql = INIT_SQL.read_text(encoding="utf-8")
    created = set(re.findall(r"\('(\w+)', :'\w+_password'\)", sql))
    assert created == set(APP_SERVICES)
    env = environment(postgres)
    for name in APP_SERVICES:
        assert f"\\connect {name}\n" in sql
        variable = f"PUNTE_{name.upper()}_DB_PASSWORD"
        assert f"\\getenv {name}_password {variable}\n" in sql
        # The role's password reaches the server as the service's URL has it.
        assert env[variable] == f"${{{variable}:?set {variable}}}"


# --------------------------------------------------------------------------- app services


@pytest.mark.parametrize(("name", "port"), APP_SERVICES.items())
def test_app_service_environment(compose: dict[str, Any], name: str, port: int) -> None:
    service = compose["services"][name]
    env = environment(service)
    prefix = f"PUNTE_{name.upper()}_"
    for key in (*SHARED_ENV, f"{prefix}DATABASE_URL", f"{prefix}HTTP_HOST", f"{prefix}HTTP_PORT"):
        assert key in env, f"{name}: {key} missing"
    assert env["PUNTE_ENVIRONMENT"] == "production"
    assert env["PUNTE_SECRET_KEY"].startswith("${PUNTE_SECRET_KEY:?"), "must be required"
    assert env["PUNTE_NATS_URL"] == "nats://nats:4222"
    assert env[f"{prefix}HTTP_HOST"] == "0.0.0.0"
    assert env[f"{prefix}HTTP_PORT"] == str(port)

    url = make_url(interpolate(env[f"{prefix}DATABASE_URL"], REQUIRED))
    assert url.drivername == "postgresql+asyncpg"
    assert url.host == "postgres"
    assert url.database == name
    # Its own role, owner of this database only (deploy/postgres/init-databases.sql).
    assert url.username == name
    assert url.password == REQUIRED[f"PUNTE_{name.upper()}_DB_PASSWORD"]


@pytest.mark.parametrize(("name", "port"), APP_SERVICES.items())
def test_app_service_waits_for_healthy_infrastructure(
    compose: dict[str, Any], name: str, port: int
) -> None:
    service = compose["services"][name]
    depends_on = service["depends_on"]
    for dependency in ("nats", "postgres"):
        assert depends_on[dependency]["condition"] == "service_healthy", name
    for dependency in depends_on:
        assert "healthcheck" in compose["services"][dependency], dependency

    test = " ".join(service["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/readyz" in test
    assert service["build"]["dockerfile"] == "deploy/Dockerfile"
    assert service["build"]["target"] == name
    assert service["command"] == [name]


def test_only_the_gateway_is_published_on_8000(compose: dict[str, Any]) -> None:
    for name, service in compose["services"].items():
        if name == "gateway":
            (published,) = service["ports"]
            assert interpolate(published, {}) == "8000:8000"
        else:
            assert "ports" not in service, f"{name} should not be published"


def test_secret_key_is_required(compose: dict[str, Any]) -> None:
    env = environment(compose["services"]["gateway"])
    with pytest.raises(LookupError):
        interpolate(env["PUNTE_SECRET_KEY"], {})
    assert interpolate(env["PUNTE_SECRET_KEY"], {"PUNTE_SECRET_KEY": "k" * 40}) == "k" * 40


@pytest.mark.parametrize("missing", REQUIRED)
def test_compose_refuses_to_start_without_each_secret(
    compose: dict[str, Any], missing: str
) -> None:
    given = {k: v for k, v in REQUIRED.items() if k != missing}
    with pytest.raises(LookupError, match=missing):
        interpolate_all(compose, given)
    with pytest.raises(LookupError, match=missing):
        interpolate_all(compose, {**given, missing: ""})
    interpolate_all(compose, REQUIRED)


def test_no_secret_has_a_default_or_a_literal_value(compose: dict[str, Any]) -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    for match in references(text):
        if SECRET_NAME.search(match["name"]):
            assert match["op"] in (":?", "?"), f"{match[0]}: a secret must be required"
    for name, service in compose["services"].items():
        for key, value in environment(service).items():
            # A path names a mounted file (credentials, keys), not the secret itself.
            if SECRET_NAME.search(key) and not value.startswith("/"):
                assert INTERPOLATION.fullmatch(value), f"{name}: {key} is written in the file"
            if key.endswith("_DATABASE_URL"):
                password = make_url(interpolate(value, REQUIRED)).password
                assert password in REQUIRED.values(), f"{name}: {key} has a written password"


@pytest.mark.parametrize("name", yaml.safe_load(COMPOSE_FILE.read_text("utf-8"))["services"])
def test_every_service_has_cpu_and_memory_limits(compose: dict[str, Any], name: str) -> None:
    limits = compose["services"][name]["deploy"]["resources"]["limits"]
    assert 0 < float(limits["cpus"]) <= 4, name
    assert re.fullmatch(r"\d+[MG]", limits["memory"]), name


@pytest.mark.parametrize("name", APP_SERVICES)
def test_services_settings_accept_the_compose_environment(
    compose: dict[str, Any], name: str, settings_of: SettingsOf
) -> None:
    """The service's own settings class reads the variables compose sets, in production."""
    env = environment(compose["services"][name])
    settings = settings_of(name, {k: interpolate(v, REQUIRED) for k, v in env.items()})
    assert settings.is_production
    assert settings.secret_key.get_secret_value() == REQUIRED["PUNTE_SECRET_KEY"]
    assert settings.nats_url == "nats://nats:4222"
    assert settings.http_host == "0.0.0.0"
    assert settings.http_port == APP_SERVICES[name]
    assert make_url(settings.database_url).database == name
    assert settings.nats_seed_file is not None
    assert (settings.context_signing_seed_file is not None) == (name == "gateway")
