"""deploy/nats: authenticated clients with the platform's permissions, TLS on every port of
the cluster, and configurations nats-server accepts (checked with `nats-server -t`)."""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from punte_platform.messaging.bus_auth import (
    GATEWAY,
    SERVICES,
    nkey_variable,
    production_auth_config,
)
from punte_platform.messaging.trust import generate_seed, public_key

NATS = Path(__file__).resolve().parents[2] / "deploy" / "nats"
TLS_DIR = "/etc/nats/tls/"


def nats_server() -> str | None:
    exe = Path(sys.executable).parent / "nats-server"
    return str(exe) if exe.exists() else shutil.which("nats-server")


def public_keys() -> dict[str, str]:
    return {nkey_variable(n): public_key(generate_seed()) for n in (*SERVICES, GATEWAY)}


def self_signed(directory: Path) -> None:
    """ca.crt, tls.crt and tls.key: one self-signed certificate standing for all three."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "nats")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (directory / "ca.crt").write_bytes(pem)
    (directory / "tls.crt").write_bytes(pem)
    (directory / "tls.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


def check(conf: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    binary = nats_server()
    assert binary is not None
    return subprocess.run(
        [binary, "-t", "-c", str(conf)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_auth_file_is_the_platforms_permissions() -> None:
    assert (NATS / "auth.conf").read_text(encoding="utf-8") == production_auth_config()


def test_the_kubernetes_config_map_carries_the_auth_file() -> None:
    manifests = yaml.safe_load_all((NATS.parent / "k8s" / "nats.yaml").read_text("utf-8"))
    (config_map,) = [m for m in manifests if m["kind"] == "ConfigMap"]
    assert config_map["data"]["auth.conf"] == (NATS / "auth.conf").read_text(encoding="utf-8")


def test_no_identity_may_subscribe_to_everything() -> None:
    auth = (NATS / "auth.conf").read_text(encoding="utf-8")
    assert '"subscribe": {"allow": [">"' not in auth
    assert '"_INBOX.>"' not in auth


def test_the_cluster_has_tls_on_clients_routes_and_monitoring() -> None:
    conf = (NATS / "cluster.conf").read_text(encoding="utf-8")
    assert conf.count("tls {") == 2, "client and route TLS"
    assert "verify: true" in conf, "routes prove themselves with certificates"
    assert "https: 0.0.0.0:8222" in conf
    assert "\nhttp:" not in conf, "no plain-HTTP monitoring"
    assert "include ./auth.conf" in conf


def cluster_config_in(directory: Path) -> Path:
    """cluster.conf and auth.conf in `directory`, with a test certificate for the Secret's."""
    self_signed(directory)
    conf = (NATS / "cluster.conf").read_text(encoding="utf-8")
    (directory / "cluster.conf").write_text(conf.replace(TLS_DIR, f"{directory}/"), "utf-8")
    shutil.copy(NATS / "auth.conf", directory / "auth.conf")
    return directory / "cluster.conf"


@pytest.mark.skipif(nats_server() is None, reason="nats-server binary not installed")
def test_nats_server_accepts_the_cluster_config(tmp_path: Path) -> None:
    result = check(cluster_config_in(tmp_path), {"SERVER_NAME": "nats-0", **public_keys()})
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(nats_server() is None, reason="nats-server binary not installed")
def test_nats_server_refuses_the_config_without_the_public_keys(tmp_path: Path) -> None:
    result = check(cluster_config_in(tmp_path), {"SERVER_NAME": "nats-0"})
    assert result.returncode != 0
    assert "PUNTE_CONTACTS_NKEY" in result.stdout + result.stderr


@pytest.mark.skipif(nats_server() is None, reason="nats-server binary not installed")
def test_nats_server_accepts_the_compose_config() -> None:
    result = check(NATS / "compose.conf", public_keys())
    assert result.returncode == 0, result.stdout + result.stderr
