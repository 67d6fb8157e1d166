"""The Kubernetes manifests (infra/k8s), checked offline as an operator would rely on them.

Each kustomize target is rendered by infra/bin/kustomize.sh, which builds kustomize from the Go
module proxy on first use (minutes on a fresh machine, then cached in .infra/bin). Every rendered
object is validated against the Kubernetes OpenAPI schemas bundled in kubernetes-validate, in
strict mode (unknown fields fail), for the oldest and the newest Kubernetes we target; then the
tests assert what the manifests are for: hardened, probed, bounded pods for all six processes,
an autoscaler and a disruption budget each, only the gateway reachable from outside, secrets
kept out of git, and the differences between dev and prod.
"""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from jobfriends_shared.registry import PROCESSES as DECLARED
from jobfriends_shared.settings import InfraSettings
from pydantic import ValidationError

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "infra" / "k8s"
KUSTOMIZE = ROOT / "infra" / "bin" / "kustomize.sh"

PORTS = {spec.name: spec.port for spec in DECLARED}  # from the service registry
PROCESSES = tuple(PORTS)
SERVICES = tuple(spec.name for spec in DECLARED if spec.stores_data)  # behind the gateway
TARGETS = ("base", "overlays/dev", "overlays/prod")
OVERLAYS = TARGETS[1:]
NAMESPACES = {"overlays/dev": "jobfriends-dev", "overlays/prod": "jobfriends"}
# Oldest Kubernetes the manifests are meant for, and the newest whose schemas the package ships.
KUBERNETES_VERSIONS = ("1.30", kubernetes_validate.latest_version())
# Secret-looking settings that must never be written into a manifest as a literal value.
SECRET_NAMES = re.compile(r"SECRET|PASSWORD|KEY_PEM|TOKEN|^MONGODB_URL$")
# What marks a value in a committed manifest as not a real secret.
EXAMPLE_MARKERS = ("change-me", "example")
DEV_MARKER = "dev-only"

# Building kustomize from source on a fresh machine (module download + compile, 2 cores).
INSTALL_TIMEOUT = 1500
pytestmark = pytest.mark.timeout(INSTALL_TIMEOUT + 300)

Manifest = dict[str, Any]


# --- rendering --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def kustomize() -> Path:
    """Install kustomize once per session (a no-op when .infra/bin already has the version)."""
    done = subprocess.run(
        [str(KUSTOMIZE), "--install"],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        check=False,
    )
    assert done.returncode == 0, f"installing kustomize failed:\n{done.stderr}"
    binary = Path(done.stdout.strip().splitlines()[-1])
    assert binary.is_file()
    return binary


@pytest.fixture(scope="session")
def rendered(kustomize: Path) -> dict[str, list[Manifest]]:
    out: dict[str, list[Manifest]] = {}
    for target in TARGETS:
        done = subprocess.run(
            [str(KUSTOMIZE), "build", str(K8S / target)],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, f"kustomize build {target} failed:\n{done.stderr}"
        out[target] = [doc for doc in yaml.safe_load_all(done.stdout) if doc]
    return out


# --- helpers ----------------------------------------------------------------------------------


def of_kind(docs: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def app_container(deployment: Manifest) -> Manifest:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["app"]
    container: Manifest = containers[0]
    return container


def env_of(container: Manifest) -> dict[str, Manifest]:
    return {item["name"]: item for item in container.get("env", [])}


def selects(selector: Manifest, labels: dict[str, str]) -> bool:
    assert set(selector) == {"matchLabels"}, "only matchLabels selectors are expected here"
    return bool(selector["matchLabels"]) and selector["matchLabels"].items() <= labels.items()


def pod_labels(deployment: Manifest) -> dict[str, str]:
    labels: dict[str, str] = deployment["spec"]["template"]["metadata"]["labels"]
    return labels


_UNITS = {"m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


def quantity(value: str | int) -> float:
    """A Kubernetes resource quantity as a number (enough of the syntax for these files)."""
    match = re.fullmatch(r"([0-9.]+)(m|k|M|G|Ki|Mi|Gi)?", str(value))
    assert match, f"unexpected quantity {value!r}"
    return float(match[1]) * _UNITS.get(match[2] or "", 1)


def image_tag(image: str) -> tuple[str, str | None, str | None]:
    """(name, tag, digest) of an image reference; a registry port is not a tag."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else None
    if tag is not None:
        name = name[: -len(tag) - 1]
    return name, tag, digest or None


def secret_values(secret: Manifest) -> dict[str, str]:
    values = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
    values.update(secret.get("stringData") or {})
    return values


def the_config_map(docs: list[Manifest]) -> Manifest:
    (config_map,) = of_kind(docs, "ConfigMap").values()
    assert config_map["metadata"]["name"].startswith("jobfriends-config-")  # hash: rolls pods
    return config_map


def the_config(docs: list[Manifest]) -> dict[str, str]:
    data: dict[str, str] = the_config_map(docs)["data"]
    return data


def strings_in(node: object) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings_in(value)]
    if isinstance(node, list):
        return [s for item in node for s in strings_in(item)]
    return []


def gateway_secret_is_accepted(value: str) -> bool:
    """The processes' own rule for JF_GATEWAY_SECRET (shared settings), not a copy of it."""
    try:
        InfraSettings.model_validate({"JF_GATEWAY_SECRET": value})
    except ValidationError:
        return False
    return True


# --- schema validity --------------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("target", TARGETS)
def test_every_manifest_is_valid_against_the_kubernetes_schemas(
    rendered: dict[str, list[Manifest]], target: str, version: str
) -> None:
    errors = []
    for doc in rendered[target]:
        where = f"{doc['kind']}/{doc['metadata']['name']}"
        try:
            kubernetes_validate.validate(doc, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            path = ".".join(str(p) for p in exc.path)
            errors.append(f"{where}: {path}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{where}: {exc.message}")
    assert not errors, "\n".join(errors)


def test_the_schema_check_is_not_vacuous(rendered: dict[str, list[Manifest]]) -> None:
    """Strict validation must reject a misspelt field, or the test above proves nothing."""
    deployment = of_kind(rendered["overlays/prod"], "Deployment")["gateway"]
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    app_container(broken)["readinesProbe"] = app_container(broken).pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[-1], strict=True)


@pytest.mark.parametrize("target", TARGETS)
def test_every_object_is_unique_and_labelled_as_jobfriends(
    rendered: dict[str, list[Manifest]], target: str
) -> None:
    keys = [
        (d["kind"], d["metadata"].get("namespace"), d["metadata"]["name"]) for d in rendered[target]
    ]
    assert len(keys) == len(set(keys))
    for doc in rendered[target]:
        assert doc["metadata"]["labels"]["app.kubernetes.io/part-of"] == "jobfriends", doc["kind"]


# --- the six processes ------------------------------------------------------------------------


@pytest.mark.parametrize("name", PROCESSES)
@pytest.mark.parametrize("target", TARGETS)
def test_every_process_runs_hardened_probed_and_bounded(
    rendered: dict[str, list[Manifest]], target: str, name: str
) -> None:
    deployment = of_kind(rendered[target], "Deployment")[name]
    pod = deployment["spec"]["template"]["spec"]
    app = app_container(deployment)
    port = PORTS[name]

    assert selects(deployment["spec"]["selector"], pod_labels(deployment))
    assert app["command"] == ["python", "-m", name]
    assert image_tag(app["image"])[0].rsplit("/", 1)[-1] == "jobfriends"
    assert app["ports"] == [{"name": "http", "containerPort": port, "protocol": "TCP"}]

    # Probes: liveness only says the process serves; readiness reflects broker and store.
    for probe, path in (
        ("startupProbe", "/health/live"),
        ("livenessProbe", "/health/live"),
        ("readinessProbe", "/health/ready"),
    ):
        assert app[probe]["httpGet"] == {"path": path, "port": "http"}, probe

    # Requests and limits for CPU and memory, requests within limits.
    resources = app["resources"]
    for kind in ("cpu", "memory"):
        assert quantity(resources["requests"][kind]) <= quantity(resources["limits"][kind])

    # Non-root uid 10001, read-only root with a writable /tmp, no capabilities, no escalation.
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    security = app["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert not security.get("privileged")
    assert not security.get("capabilities", {}).get("add")
    volumes = {v["name"]: v for v in pod["volumes"]}
    tmp = [m for m in app["volumeMounts"] if m["mountPath"] == "/tmp"]  # noqa: S108
    assert len(tmp) == 1
    assert "emptyDir" in volumes[tmp[0]["name"]]
    assert pod["automountServiceAccountToken"] is False
    assert pod["enableServiceLinks"] is False  # would inject FEED_PORT=tcp://… and the like
    assert not pod.get("hostNetwork")

    # Settings: listens on all interfaces at its port; secrets only by reference.
    env = env_of(app)
    prefix = name.upper()
    assert env[f"{prefix}_HOST"]["value"] == "0.0.0.0"  # noqa: S104  (inside its pod)
    assert env[f"{prefix}_PORT"]["value"] == str(port)
    assert [ref["configMapRef"]["name"] for ref in app["envFrom"]] == [
        the_config_map(rendered[target])["metadata"]["name"]
    ]
    needed = {"JF_GATEWAY_SECRET"} if name == "gateway" else {"JF_GATEWAY_SECRET", "MONGODB_URL"}
    for secret_name in needed:
        assert "secretKeyRef" in env[secret_name]["valueFrom"], secret_name
    for var, item in env.items():
        if SECRET_NAMES.search(var):
            assert "value" not in item, f"{var} is written into the manifest"

    # Prometheus scrapes /metrics on the serving port.
    annotations = deployment["spec"]["template"]["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert annotations["prometheus.io/port"] == str(port)
    assert annotations["prometheus.io/path"] == "/metrics"


@pytest.mark.parametrize("name", PROCESSES)
@pytest.mark.parametrize("target", TARGETS)
def test_every_process_has_a_service_an_autoscaler_and_a_disruption_budget(
    rendered: dict[str, list[Manifest]], target: str, name: str
) -> None:
    docs = rendered[target]
    deployment = of_kind(docs, "Deployment")[name]
    labels = pod_labels(deployment)

    service = of_kind(docs, "Service")[name]
    assert service["spec"]["type"] == "ClusterIP"
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"] == [
        {"name": "http", "port": PORTS[name], "targetPort": "http", "protocol": "TCP"}
    ]

    hpa = of_kind(docs, "HorizontalPodAutoscaler")[name]
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": name,
    }
    assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    assert [m["resource"]["name"] for m in hpa["spec"]["metrics"]] == ["cpu"]
    # An apply never fights the autoscaler by setting fewer replicas than it keeps.
    assert deployment["spec"]["replicas"] == hpa["spec"]["minReplicas"]

    pdb = of_kind(docs, "PodDisruptionBudget")[name]
    assert pdb["apiVersion"] == "policy/v1"
    assert selects(pdb["spec"]["selector"], labels)
    # A budget must let a drain proceed: never demand all the replicas the HPA may leave.
    if "minAvailable" in pdb["spec"]:
        assert pdb["spec"]["minAvailable"] < hpa["spec"]["minReplicas"]
    else:
        assert pdb["spec"]["maxUnavailable"] >= 1


@pytest.mark.parametrize("target", TARGETS)
def test_only_the_gateway_is_reachable_from_outside(
    rendered: dict[str, list[Manifest]], target: str
) -> None:
    docs = rendered[target]
    for name, service in of_kind(docs, "Service").items():
        kind = service["spec"].get("type", "ClusterIP")
        if name in ("kafka", "mongodb"):
            assert kind == "ExternalName"
        elif name != "gateway":
            assert kind == "ClusterIP", name
            assert not any("nodePort" in p for p in service["spec"]["ports"]), name
    ingresses = list(of_kind(docs, "Ingress").values())
    assert len(ingresses) == 1
    backends = [
        path["backend"]["service"]["name"]
        for rule in ingresses[0]["spec"]["rules"]
        for path in rule["http"]["paths"]
    ]
    assert backends
    assert set(backends) == {"gateway"}
    assert "defaultBackend" not in ingresses[0]["spec"]
    for deployment in of_kind(docs, "Deployment").values():
        for port in app_container(deployment)["ports"]:
            assert "hostPort" not in port


@pytest.mark.parametrize("target", TARGETS)
def test_the_gateway_forwards_to_the_services_by_their_in_cluster_names(
    rendered: dict[str, list[Manifest]], target: str
) -> None:
    config = the_config(rendered[target])
    services = of_kind(rendered[target], "Service")
    for name in SERVICES:
        assert config[f"GATEWAY_{name.upper()}_URL"] == f"http://{name}:{PORTS[name]}"
        assert services[name]["spec"]["ports"][0]["port"] == PORTS[name]
        assert config[f"{name.upper()}_DATABASE"] == f"jobfriends_{name}"
        assert int(config[f"{name.upper()}_CONSUMER_WORKERS"]) >= 1


@pytest.mark.parametrize("target", TARGETS)
def test_kafka_and_mongodb_are_external_endpoints_that_overlays_point_somewhere(
    rendered: dict[str, list[Manifest]], target: str
) -> None:
    docs = rendered[target]
    services = of_kind(docs, "Service")
    for name in ("kafka", "mongodb"):
        target_host = services[name]["spec"]["externalName"]
        if target == "base":
            assert target_host.endswith(".invalid")  # fails loudly if applied as-is
        else:
            assert not target_host.endswith(".invalid")
            assert re.fullmatch(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?", target_host)
    assert the_config(docs)["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
    assert not [d for d in docs if d["kind"] in ("StatefulSet", "PersistentVolumeClaim")]


def test_notifications_and_the_gateway_get_time_to_end_their_streams(
    rendered: dict[str, list[Manifest]],
) -> None:
    for target in TARGETS:
        deployments = of_kind(rendered[target], "Deployment")
        grace = {
            name: d["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]
            for name, d in deployments.items()
        }
        for name in ("identity", "feed", "events", "matching"):
            assert 30 <= grace[name] < grace["notifications"]
        assert grace["gateway"] >= grace["notifications"] >= 60


# --- secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_every_secret_reference_names_the_one_jobfriends_secret(
    rendered: dict[str, list[Manifest]], target: str
) -> None:
    docs = rendered[target]
    secrets = of_kind(docs, "Secret")
    referenced = set()
    for deployment in of_kind(docs, "Deployment").values():
        app = app_container(deployment)
        for item in app.get("env", []):
            ref = item.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                referenced.add(ref["name"])
        for ref in app.get("envFrom", []):
            if "secretRef" in ref:
                referenced.add(ref["secretRef"]["name"])
    assert len(referenced) == 1
    (name,) = referenced
    if target == "overlays/dev":
        assert name in secrets  # generated, with its content hash in the name
        assert name.startswith("jobfriends-secrets-")
    else:
        assert name == "jobfriends-secrets"  # provided from outside the kustomization


def test_the_base_renders_no_secret_with_a_real_value(rendered: dict[str, list[Manifest]]) -> None:
    for secret in of_kind(rendered["base"], "Secret").values():
        for key, value in secret_values(secret).items():
            assert any(m in value.lower() for m in EXAMPLE_MARKERS), key
    assert not of_kind(rendered["base"], "Secret"), "the base must leave the Secret to overlays"
    assert not of_kind(rendered["overlays/prod"], "Secret"), "prod's Secret is made out of band"


def test_the_example_secret_is_not_built_and_the_processes_would_refuse_it(
    rendered: dict[str, list[Manifest]],
) -> None:
    example_file = K8S / "base" / "secret.example.yaml"
    example = yaml.safe_load(example_file.read_text())
    assert example["kind"] == "Secret"
    assert example["metadata"]["name"] == "jobfriends-secrets"
    values = secret_values(example)
    assert {"JF_GATEWAY_SECRET", "MONGODB_URL"} <= set(values)
    for key, value in values.items():
        assert any(m in value.lower() for m in EXAMPLE_MARKERS), key
    assert not gateway_secret_is_accepted(values["JF_GATEWAY_SECRET"])
    for kustomization in K8S.rglob("kustomization.yaml"):
        listed = strings_in(yaml.safe_load(kustomization.read_text()))  # not the comments
        assert not [s for s in listed if example_file.name in s], kustomization
    for docs in rendered.values():
        for secret in of_kind(docs, "Secret").values():
            assert secret_values(secret) != values


def test_the_dev_secret_is_obviously_for_dev_only_and_usable_there(
    rendered: dict[str, list[Manifest]],
) -> None:
    (secret,) = of_kind(rendered["overlays/dev"], "Secret").values()
    values = secret_values(secret)
    assert set(values) == {"JF_GATEWAY_SECRET", "MONGODB_URL"}
    for key, value in values.items():
        assert DEV_MARKER in value, f"{key} does not say it is for dev only"
    assert gateway_secret_is_accepted(values["JF_GATEWAY_SECRET"])
    assert re.match(r"mongodb://[^/]*@mongodb:27017/", values["MONGODB_URL"])
    assert "DEV ONLY" in (K8S / "overlays" / "dev" / "dev-secrets.env").read_text()


# --- dev and prod -----------------------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_each_overlay_owns_a_namespace_that_enforces_restricted_pods(
    rendered: dict[str, list[Manifest]], overlay: str
) -> None:
    docs = rendered[overlay]
    (namespace,) = of_kind(docs, "Namespace").values()
    assert namespace["metadata"]["name"] == NAMESPACES[overlay]
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    for doc in docs:
        if doc["kind"] != "Namespace":
            assert doc["metadata"]["namespace"] == NAMESPACES[overlay], doc["kind"]


def test_dev_runs_one_small_replica_of_each_process(rendered: dict[str, list[Manifest]]) -> None:
    docs, prod = rendered["overlays/dev"], rendered["overlays/prod"]
    for name in PROCESSES:
        deployment = of_kind(docs, "Deployment")[name]
        assert deployment["spec"]["replicas"] == 1
        hpa = of_kind(docs, "HorizontalPodAutoscaler")[name]["spec"]
        assert (hpa["minReplicas"], hpa["maxReplicas"]) == (1, 2)
        small = app_container(deployment)["resources"]
        big = app_container(of_kind(prod, "Deployment")[name])["resources"]
        for bound in ("requests", "limits"):
            for kind in ("cpu", "memory"):
                assert quantity(small[bound][kind]) < quantity(big[bound][kind]), (bound, kind)
        _, tag, _ = image_tag(app_container(deployment)["image"])
        assert tag == "dev"


def test_prod_runs_at_least_two_spread_replicas_of_a_pinned_image(
    rendered: dict[str, list[Manifest]],
) -> None:
    docs = rendered["overlays/prod"]
    for name in PROCESSES:
        deployment = of_kind(docs, "Deployment")[name]
        assert deployment["spec"]["replicas"] >= 2
        hpa = of_kind(docs, "HorizontalPodAutoscaler")[name]["spec"]
        assert (hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10)
        pdb = of_kind(docs, "PodDisruptionBudget")[name]["spec"]
        assert pdb.get("minAvailable") == 1
        assert "maxUnavailable" not in pdb

        _, tag, digest = image_tag(app_container(deployment)["image"])
        assert digest or (tag and tag not in ("latest", "dev")), "prod must pin its image"

        pod = deployment["spec"]["template"]["spec"]
        spread = {c["topologyKey"]: c for c in pod["topologySpreadConstraints"]}
        assert {"kubernetes.io/hostname", "topology.kubernetes.io/zone"} <= set(spread)
        for constraint in spread.values():
            assert constraint["maxSkew"] == 1
            assert selects(constraint["labelSelector"], pod_labels(deployment))
            # Spread each process (and revision) on its own, not all JobFriends pods together.
            assert "app.kubernetes.io/name" in constraint["matchLabelKeys"]
            assert "app.kubernetes.io/name" in pod_labels(deployment)
        assert spread["kubernetes.io/hostname"]["whenUnsatisfiable"] == "DoNotSchedule"

    (ingress,) = of_kind(docs, "Ingress").values()
    hosts = {rule["host"] for rule in ingress["spec"]["rules"]}
    assert hosts <= {h for tls in ingress["spec"]["tls"] for h in tls["hosts"]}
