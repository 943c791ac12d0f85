"""deploy/k8s: valid manifests, probes and resources everywhere, a 3-node NATS cluster, pods
locked down, images by digest, and network policies that allow exactly the needed connections.

No cluster runs here: kustomize's output is rendered (in Python, the subset of kustomize the
kustomization uses; compared with `kubectl kustomize` where that is installed), every
resource is validated against the Kubernetes OpenAPI schemas bundled with kubernetes-validate,
the manifests are cross-checked, and the NATS configuration is checked by the bundled
nats-server binary (`nats-server -t`).
"""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from sqlalchemy.engine import make_url

from .conftest import SettingsOf

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
NATS_CONF = ROOT / "deploy" / "nats" / "cluster.conf"
INIT_SQL = ROOT / "deploy" / "postgres" / "init-databases.sql"
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
    "NetworkPolicy": ("networking.k8s.io/v1",),
    "ExternalSecret": ("external-secrets.io/v1", "external-secrets.io/v1beta1"),
    "Kustomization": ("kustomize.config.k8s.io/v1beta1",),
}
# Custom resources: no schema of theirs ships with kubernetes-validate.
CUSTOM_KINDS = {"ExternalSecret"}
# The oldest Kubernetes these manifests are meant for (NetworkPolicy ports by name, PSA labels).
KUBERNETES_VERSION = "1.30"
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")

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
    for secret in (f"{prefix}DB_PASSWORD", "PUNTE_SECRET_KEY"):
        assert env[secret]["valueFrom"]["secretKeyRef"]["name"] == "punte-secrets"
    assert {"configMapRef": {"name": "punte-config"}} in container["envFrom"]
    # Its own role on its own database; $(...) expands only variables defined before it.
    url = env[f"{prefix}DATABASE_URL"]["value"]
    assert url == f"postgresql+asyncpg://{name}:$({prefix}DB_PASSWORD)@postgres:5432/{name}"
    names = [item["name"] for item in container["env"]]
    assert names.index(f"{prefix}DB_PASSWORD") < names.index(f"{prefix}DATABASE_URL")


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
    for deployment in [*of_kind("Deployment"), *of_kind("StatefulSet")]:
        for container in _containers(deployment):
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref and ref["name"] == "punte-secrets":
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


def test_postgres_init_config_map_is_the_init_script() -> None:
    script = one("ConfigMap", "postgres-init")["data"]["10-init-databases.sql"]
    assert script == INIT_SQL.read_text(encoding="utf-8")
    statefulset = one("StatefulSet", "postgres")
    (container,) = _containers(statefulset)
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    assert mounts["init"] == "/docker-entrypoint-initdb.d"
    volumes = {v["name"]: v for v in statefulset["spec"]["template"]["spec"]["volumes"]}
    assert volumes["init"]["configMap"]["name"] == "postgres-init"
    env = {item["name"] for item in container["env"]}
    assert {f"PUNTE_{name.upper()}_DB_PASSWORD" for name in APP_PORTS} <= env
    assert one("Service", "postgres")["spec"]["ports"][0]["port"] == 5432


# --------------------------------------------------------------------------- rendered output


def _image_name(image: str) -> str:
    """`registry/name:tag@digest` -> `registry/name`, as kustomize matches images."""
    image = image.split("@", 1)[0]
    head, _, last = image.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


def _retag(image: str, rules: list[dict[str, str]]) -> str:
    for rule in rules:
        if _image_name(image) == rule["name"]:
            name = rule.get("newName", rule["name"])
            tag = f":{rule['newTag']}" if "newTag" in rule else ""
            digest = f"@{rule['digest']}" if "digest" in rule else ""
            if not tag and not digest:
                tag = image.split("@", 1)[0][len(_image_name(image)) :]
            return f"{name}{tag}{digest}"
    return image


def _set_images(node: Any, rules: list[dict[str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                for container in value:
                    container["image"] = _retag(container["image"], rules)
            else:
                _set_images(value, rules)
    elif isinstance(node, list):
        for value in node:
            _set_images(value, rules)


def render(directory: Path) -> list[Manifest]:
    """`kustomize build` of a kustomization that lists files, a namespace, labels, images."""
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text("utf-8"))
    understood = {"apiVersion", "kind", "metadata", "namespace", "labels", "resources", "images"}
    assert set(kustomization) <= understood, set(kustomization) - understood
    resources: list[Manifest] = []
    for entry in kustomization["resources"]:
        path = directory / entry
        assert path.is_file(), f"{entry}: only files are rendered here"
        resources.extend(d for d in yaml.safe_load_all(path.read_text("utf-8")) if d)
    for resource in resources:
        metadata = resource.setdefault("metadata", {})
        if "namespace" in kustomization and resource["kind"] not in CLUSTER_SCOPED:
            metadata["namespace"] = kustomization["namespace"]
        for label in kustomization.get("labels", []):
            assert not label.get("includeSelectors")
            assert not label.get("includeTemplates")
            metadata.setdefault("labels", {}).update(label["pairs"])
        _set_images(resource, kustomization.get("images", []))
    return resources


RENDERED = render(K8S)


def _key(resource: Manifest) -> tuple[str, str, str]:
    return (resource["apiVersion"], resource["kind"], resource["metadata"]["name"])


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl not installed")
def test_rendering_matches_kubectl_kustomize() -> None:
    kubectl = shutil.which("kubectl")
    assert kubectl is not None
    result = subprocess.run(
        [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    theirs = {_key(d): d for d in yaml.safe_load_all(result.stdout) if d}
    ours = {_key(d): d for d in RENDERED}
    assert ours == theirs


@pytest.mark.parametrize("resource", RENDERED, ids=["/".join(_key(r)[1:]) for r in RENDERED])
def test_every_rendered_resource_is_valid_kubernetes(resource: Manifest) -> None:
    if resource["kind"] in CUSTOM_KINDS:
        with pytest.raises(kubernetes_validate.SchemaNotFoundError):
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
        return
    try:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        path = ".".join(map(str, error.path))
        pytest.fail(f"{'/'.join(_key(resource)[1:])}: {path}: {error.message}")


def test_validation_is_not_vacuous() -> None:
    deployment = copy.deepcopy(next(r for r in RENDERED if r["kind"] == "Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limit"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    deployment = copy.deepcopy(next(r for r in RENDERED if r["kind"] == "Deployment"))
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def _pod_specs() -> list[tuple[str, Manifest]]:
    kinds = {"Deployment", "StatefulSet", "DaemonSet", "Job", "ReplicaSet"}
    specs = [
        (r["metadata"]["name"], r["spec"]["template"]["spec"])
        for r in RENDERED
        if r["kind"] in kinds
    ]
    specs += [
        (r["metadata"]["name"], r["spec"]["jobTemplate"]["spec"]["template"]["spec"])
        for r in RENDERED
        if r["kind"] == "CronJob"
    ]
    specs += [(r["metadata"]["name"], r["spec"]) for r in RENDERED if r["kind"] == "Pod"]
    return specs


def test_every_image_is_pinned_by_digest() -> None:
    images = [
        container["image"]
        for _, pod in _pod_specs()
        for container in [*pod.get("initContainers", []), *pod["containers"]]
    ]
    assert len(images) >= 6
    unpinned = [image for image in images if not DIGEST.search(image)]
    assert unpinned == [], "pin them in kustomization.yaml `images:` (see its comment)"


@pytest.mark.parametrize(("name", "pod"), _pod_specs(), ids=[n for n, _ in _pod_specs()])
def test_every_pod_runs_locked_down(name: str, pod: Manifest) -> None:
    assert pod.get("automountServiceAccountToken") is False, name
    for host_namespace in ("hostNetwork", "hostPID", "hostIPC"):
        assert not pod.get(host_namespace), (name, host_namespace)
    context = pod["securityContext"]
    assert context["runAsNonRoot"] is True, name
    assert context.get("runAsUser", 1) != 0, name
    assert context["seccompProfile"]["type"] == "RuntimeDefault", name
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        where = f"{name}/{container['name']}"
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, where
        assert security["readOnlyRootFilesystem"] is True, where
        assert security["capabilities"]["drop"] == ["ALL"], where
        assert not security["capabilities"].get("add"), where
        assert not security.get("privileged"), where
        assert security.get("runAsUser", 1) != 0, where


# --------------------------------------------------------------------------- network policies


Port = tuple[str, int, str]  # (name, number, protocol)


@dataclass(frozen=True)
class Endpoint:
    """One side of a connection: a pod (or outside address) and what it listens on."""

    name: str
    namespace: str | None  # None: an address outside the cluster
    labels: tuple[tuple[str, str], ...] = ()
    ports: tuple[Port, ...] = ()


NAMESPACE_LABELS = {
    NAMESPACE: {"kubernetes.io/metadata.name": NAMESPACE},
    "kube-system": {"kubernetes.io/metadata.name": "kube-system"},
    "elsewhere": {"kubernetes.io/metadata.name": "elsewhere"},
}


def _endpoints() -> list[Endpoint]:
    found = []
    for resource in RENDERED:
        if resource["kind"] not in ("Deployment", "StatefulSet"):
            continue
        template = resource["spec"]["template"]
        ports = tuple(
            (port.get("name", ""), port["containerPort"], port.get("protocol", "TCP"))
            for container in template["spec"]["containers"]
            for port in container.get("ports", [])
        )
        labels = tuple(sorted(template["metadata"]["labels"].items()))
        found.append(Endpoint(resource["metadata"]["name"], NAMESPACE, labels, ports))
    found += [
        Endpoint(
            "kube-dns",
            "kube-system",
            (("k8s-app", "kube-dns"),),
            (("dns", 53, "UDP"), ("dns-tcp", 53, "TCP")),
        ),
        Endpoint("pod-elsewhere", "elsewhere", (("app", "other"),), (("https", 443, "TCP"),)),
        Endpoint("internet", None, (), (("https", 443, "TCP"),)),
    ]
    return found


def _selects(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    if not all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        key, values = expression["key"], expression.get("values", [])
        match expression["operator"]:
            case "In":
                holds = labels.get(key) in values
            case "NotIn":
                holds = labels.get(key) not in values
            case "Exists":
                holds = key in labels
            case "DoesNotExist":
                holds = key not in labels
        if not holds:
            return False
    return True


def _peer_matches(peer: Manifest, policy_namespace: str, endpoint: Endpoint) -> bool:
    if "ipBlock" in peer:
        return endpoint.namespace is None
    if endpoint.namespace is None:
        return False
    if "namespaceSelector" in peer:
        if not _selects(peer["namespaceSelector"], NAMESPACE_LABELS[endpoint.namespace]):
            return False
    elif endpoint.namespace != policy_namespace:
        return False
    return _selects(peer.get("podSelector", {}), dict(endpoint.labels))


def _port_matches(rule: Manifest, port: Port) -> bool:
    name, number, protocol = port
    if not rule.get("ports"):
        return True
    return any(
        entry.get("protocol", "TCP") == protocol
        and ("port" not in entry or entry["port"] in (name, number))
        for entry in rule["ports"]
    )


def _allowed_by(
    policies: list[Manifest], direction: str, local: Endpoint, remote: Endpoint, port: Port
) -> bool:
    """Whether `local`'s policies of one direction let this connection through."""
    if local.namespace != NAMESPACE:
        return True  # no policies of ours there
    policy_type, rules_key, peers_key = (
        ("Ingress", "ingress", "from") if direction == "in" else ("Egress", "egress", "to")
    )
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == local.namespace
        and policy_type in p["spec"]["policyTypes"]
        and _selects(p["spec"]["podSelector"], dict(local.labels))
    ]
    if not selecting:
        return True
    return any(
        (
            not rule.get(peers_key)
            or any(_peer_matches(peer, local.namespace, remote) for peer in rule[peers_key])
        )
        and _port_matches(rule, port)
        for policy in selecting
        for rule in policy["spec"].get(rules_key, [])
    )


def allowed_connections(resources: list[Manifest]) -> set[tuple[str, str, int, str]]:
    """(source, destination, port, protocol) of every connection the policies let through."""
    policies = [r for r in resources if r["kind"] == "NetworkPolicy"]
    endpoints = _endpoints()
    return {
        (src.name, dst.name, port[1], port[2])
        for src in endpoints
        for dst in endpoints
        for port in dst.ports
        if _allowed_by(policies, "out", src, dst, port)
        and _allowed_by(policies, "in", dst, src, port)
    }


def test_network_policies_allow_exactly_the_needed_connections() -> None:
    apps = set(APP_PORTS)
    ours = {e.name for e in _endpoints() if e.namespace == NAMESPACE}
    outside = {e.name for e in _endpoints()} - ours
    assert ours == {*apps, "nats", "postgres"}
    expected = {
        *((source, "gateway", 8000, "TCP") for source in outside),
        *((app, "nats", 4222, "TCP") for app in apps),
        *((app, "postgres", 5432, "TCP") for app in apps),
        ("nats", "nats", 6222, "TCP"),
        *((pod, "kube-dns", 53, protocol) for pod in ours for protocol in ("UDP", "TCP")),
    }
    allowed = allowed_connections(RENDERED)
    # Connections among outside endpoints are not ours to judge.
    allowed = {c for c in allowed if c[0] in ours or c[1] in ours}
    assert allowed - expected == set(), "allowed but not needed"
    assert expected - allowed == set(), "needed but denied"


def test_every_pod_is_isolated_both_ways() -> None:
    for endpoint in _endpoints():
        if endpoint.namespace != NAMESPACE:
            continue
        for policy_type in ("Ingress", "Egress"):
            assert any(
                p["kind"] == "NetworkPolicy"
                and policy_type in p["spec"]["policyTypes"]
                and _selects(p["spec"]["podSelector"], dict(endpoint.labels))
                for p in RENDERED
            ), (endpoint.name, policy_type)


def test_the_policy_check_is_not_vacuous() -> None:
    """Without the default deny, the check sees services open to everyone."""
    without = [r for r in RENDERED if r["metadata"]["name"] != "default-deny"]
    assert ("internet", "contacts", 8101, "TCP") in allowed_connections(without)


@pytest.mark.parametrize("name", APP_PORTS)
def test_services_settings_accept_the_deployment_environment(
    name: str, settings_of: SettingsOf
) -> None:
    """The service's settings class reads what its pod gets: config, secrets, $(VAR) refs."""
    (container,) = _containers(one("Deployment", name))
    env: dict[str, str] = {}
    for source in container["envFrom"]:
        env.update(one("ConfigMap", source["configMapRef"]["name"])["data"])
    secrets = {
        "PUNTE_SECRET_KEY": "s" * 48,
        f"PUNTE_{name.upper()}_DB_PASSWORD": "a1" * 16,
        "PUNTE_CONTEXT_VERIFY_KEY": "U" * 56,
    }
    for item in container["env"]:
        if "value" in item:
            env[item["name"]] = re.sub(r"\$\((\w+)\)", lambda m: env[m[1]], item["value"])
        elif item["valueFrom"].get("secretKeyRef", {}).get("key") in secrets:
            env[item["name"]] = secrets[item["valueFrom"]["secretKeyRef"]["key"]]

    settings = settings_of(name, env)
    assert settings.is_production
    assert settings.http_port == APP_PORTS[name]
    url = make_url(settings.database_url)
    assert (url.username, url.password, url.host, url.database) == (
        name,
        secrets[f"PUNTE_{name.upper()}_DB_PASSWORD"],
        "postgres",
        name,
    )
