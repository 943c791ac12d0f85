"""deploy/k8s: well-formed manifests, probes and resources everywhere, a 3-node NATS cluster.

No cluster runs here: the manifests are parsed and cross-checked, and the NATS configuration
is checked by the bundled nats-server binary (`nats-server -t`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
NATS_CONF = ROOT / "deploy" / "nats" / "cluster.conf"
NAMESPACE = "punte"
APP_PORTS = {"contacts": 8101, "events": 8102, "partnerships": 8103, "gateway": 8000}
CLUSTER_SCOPED = {"Namespace", "Kustomization"}
API_VERSIONS = {
    "Namespace": ("v1",),
    "ConfigMap": ("v1",),
    "Service": ("v1",),
    "Deployment": ("apps/v1",),
    "StatefulSet": ("apps/v1",),
    "PodDisruptionBudget": ("policy/v1",),
    "ExternalSecret": ("external-secrets.io/v1", "external-secrets.io/v1beta1"),
    "Kustomization": ("kustomize.config.k8s.io/v1beta1",),
}

Manifest = dict[str, Any]


def _load() -> list[tuple[str, Manifest]]:
    documents = []
    for path in sorted(K8S.glob("*.y*ml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if document is not None:
                documents.append((path.name, document))
    return documents


DOCUMENTS = _load()


def of_kind(kind: str) -> Iterator[Manifest]:
    return (doc for _, doc in DOCUMENTS if doc["kind"] == kind)


def one(kind: str, name: str) -> Manifest:
    (found,) = [doc for doc in of_kind(kind) if doc["metadata"]["name"] == name]
    return found


def test_there_are_manifests() -> None:
    kinds = {doc["kind"] for _, doc in DOCUMENTS}
    assert {"Namespace", "ConfigMap", "Deployment", "Service", "StatefulSet"} <= kinds
    assert {"PodDisruptionBudget", "ExternalSecret", "Kustomization"} <= kinds


@pytest.mark.parametrize(
    ("filename", "doc"),
    DOCUMENTS,
    ids=[f"{f}:{d.get('kind')}/{d.get('metadata', {}).get('name')}" for f, d in DOCUMENTS],
)
def test_every_manifest_has_api_version_kind_and_name(filename: str, doc: Manifest) -> None:
    assert doc.get("apiVersion") in API_VERSIONS.get(doc.get("kind"), ()), filename
    assert isinstance(doc.get("kind"), str), filename
    assert doc["kind"], filename
    name = doc["metadata"]["name"]
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name), name
    if doc["kind"] not in CLUSTER_SCOPED:
        assert doc["metadata"].get("namespace") == NAMESPACE, f"{filename}: {name}"


def test_kustomization_lists_every_file() -> None:
    (kustomization,) = of_kind("Kustomization")
    listed = set(kustomization["resources"])
    present = {p.name for p in K8S.glob("*.y*ml")} - {"kustomization.yaml"}
    assert listed == present
    assert kustomization["namespace"] == NAMESPACE


# --------------------------------------------------------------------------- workloads


def _containers(workload: Manifest) -> list[Manifest]:
    containers: list[Manifest] = workload["spec"]["template"]["spec"]["containers"]
    return containers


def _selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


@pytest.mark.parametrize("name", APP_PORTS)
def test_deployment_is_replicated_probed_and_bounded(name: str) -> None:
    deployment = one("Deployment", name)
    spec = deployment["spec"]
    assert spec["replicas"] >= 2
    pod = spec["template"]
    assert _selects(spec["selector"]["matchLabels"], pod["metadata"]["labels"])
    assert pod["spec"]["securityContext"]["runAsNonRoot"] is True

    (container,) = _containers(deployment)
    assert container["args"] == [name]
    port = APP_PORTS[name]
    assert {"name": "http", "containerPort": port, "protocol": "TCP"} in container["ports"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        assert container[probe]["httpGet"]["port"] in ("http", port), probe
    for bound in ("requests", "limits"):
        assert {"cpu", "memory"} <= set(container["resources"][bound]), bound
    assert container["securityContext"]["allowPrivilegeEscalation"] is False

    env = {item["name"]: item for item in container["env"]}
    prefix = f"PUNTE_{name.upper()}_"
    assert env[f"{prefix}HTTP_PORT"]["value"] == str(port)
    assert env[f"{prefix}HTTP_HOST"]["value"] == "0.0.0.0"
    for secret in (f"{prefix}DATABASE_URL", "PUNTE_SECRET_KEY"):
        assert env[secret]["valueFrom"]["secretKeyRef"]["name"] == "punte-secrets"
    assert {"configMapRef": {"name": "punte-config"}} in container["envFrom"]


@pytest.mark.parametrize("name", APP_PORTS)
def test_deployment_has_a_service_and_a_disruption_budget(name: str) -> None:
    pod_labels = one("Deployment", name)["spec"]["template"]["metadata"]["labels"]
    service = one("Service", name)
    assert _selects(service["spec"]["selector"], pod_labels)
    assert service["spec"]["ports"][0]["targetPort"] == "http"
    budget = one("PodDisruptionBudget", name)
    assert _selects(budget["spec"]["selector"]["matchLabels"], pod_labels)
    assert budget["spec"].get("minAvailable", 0) >= 1 or budget["spec"].get("maxUnavailable")


def test_every_workload_container_has_probes_and_resources() -> None:
    workloads = [*of_kind("Deployment"), *of_kind("StatefulSet")]
    assert workloads
    for workload in workloads:
        for container in _containers(workload):
            where = f"{workload['metadata']['name']}/{container['name']}"
            assert "readinessProbe" in container, where
            assert "livenessProbe" in container, where
            assert container["resources"]["requests"], where
            assert container["resources"]["limits"], where


def test_secret_keys_used_are_provided() -> None:
    (external,) = of_kind("ExternalSecret")
    assert external["spec"]["target"]["name"] == "punte-secrets"
    provided = {item["secretKey"] for item in external["spec"]["data"]}
    used = set()
    for deployment in of_kind("Deployment"):
        for container in _containers(deployment):
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    assert ref["name"] == "punte-secrets"
                    used.add(ref["key"])
    assert used
    assert used <= provided


def test_shared_config() -> None:
    data = one("ConfigMap", "punte-config")["data"]
    assert data["PUNTE_ENVIRONMENT"] == "production"
    assert data["PUNTE_NATS_STREAM_REPLICAS"] == "3"
    assert data["PUNTE_NATS_URL"] == "nats://nats:4222"
    one("Service", "nats")  # what PUNTE_NATS_URL names


# --------------------------------------------------------------------------- NATS


def test_nats_is_a_three_node_jetstream_cluster() -> None:
    statefulset = one("StatefulSet", "nats")
    spec = statefulset["spec"]
    assert spec["replicas"] == 3
    headless = one("Service", spec["serviceName"])
    assert headless["spec"]["clusterIP"] == "None"
    assert headless["spec"]["publishNotReadyAddresses"] is True
    assert {p["port"] for p in headless["spec"]["ports"]} >= {4222, 6222}
    assert spec["volumeClaimTemplates"][0]["metadata"]["name"] == "data"

    (container,) = _containers(statefulset)
    assert container["args"] == ["--config", "/etc/nats/nats.conf"]
    env = {item["name"]: item for item in container["env"]}
    assert env["SERVER_NAME"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["data"] == "/data"

    budget = one("PodDisruptionBudget", "nats")
    assert budget["spec"]["maxUnavailable"] == 1


def test_nats_config_map_is_the_cluster_example() -> None:
    conf = one("ConfigMap", "nats-config")["data"]["nats.conf"]
    assert conf == NATS_CONF.read_text(encoding="utf-8")


def test_cluster_routes_name_every_node() -> None:
    conf = NATS_CONF.read_text(encoding="utf-8")
    statefulset = one("StatefulSet", "nats")
    headless = statefulset["spec"]["serviceName"]
    routes = re.findall(r"nats-route://([\w.-]+):6222", conf)
    assert routes == [f"nats-{i}.{headless}" for i in range(statefulset["spec"]["replicas"])]
    assert re.search(r"^server_name: \$SERVER_NAME$", conf, re.MULTILINE)
    assert re.search(r"^jetstream \{\n  store_dir: /data$", conf, re.MULTILINE)
