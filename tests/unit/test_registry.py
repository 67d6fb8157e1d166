"""Every place that names a service agrees with the service registry
(shared/src/jobfriends_shared/registry.py). Places the registry drives (topic catalogue and
creation, gateway routes and upstream URLs, each service's port, env prefix and database, the
local process list, the in-process test platform) are generated from it; the places below cannot
import Python, so they are checked against it. Adding a service to the registry without them,
or leaving one of them behind when a service goes, fails here — with the file to edit named.

Checked here, one test each:
- docker-compose.yml: one Compose service per process, its command, port and the gateway's URLs;
- infra/k8s/base: one manifest per process listed in the kustomization, its Deployment and
  Service on the declared port; config.env's gateway URLs and databases; each overlay's
  replica count for every process;
- the Makefile's mypy packages (read from the registry: checked by asking make);
- the uv workspace (pyproject.toml's sources and dependencies);
- the layout of each service's package (DESIGN.md §2) and its `python -m` entry point;
- infra/bin/services.sh's process list (generated: checked by running it).
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from jobfriends_shared.registry import GATEWAY, PROCESSES, SERVICES, ServiceSpec
from jobfriends_shared.topics import TOPICS

ROOT = Path(__file__).resolve().parents[2]
BASE = ROOT / "infra" / "k8s" / "base"
NAMES = [spec.name for spec in PROCESSES]
# Compose services that are infrastructure, not JobFriends processes.
INFRASTRUCTURE = {"kafka", "mongo"}
# DESIGN.md §2: the modules every service has (a module may be a package of the same name).
LAYOUT = ("main", "settings", "api", "consumers", "domain", "service", "repository")


def _manifests(name: str) -> dict[str, dict[str, Any]]:
    path = BASE / f"{name}.yaml"
    assert path.exists(), f"{name} has no Kubernetes manifest: add infra/k8s/base/{name}.yaml"
    return {doc["kind"]: doc for doc in yaml.safe_load_all(path.read_text()) if doc}


def _config_env() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (BASE / "config.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    return {key: value for key, value in pairs}


def test_the_registry_is_consistent() -> None:
    assert len(set(NAMES)) == len(NAMES)
    ports = [spec.port for spec in PROCESSES]
    assert len(set(ports)) == len(ports)
    assert PROCESSES[-1] is GATEWAY, "the gateway starts last, in front of the services"
    for owner in SERVICES:
        for spec in owner.owns:
            assert spec.name.startswith(f"{owner.name}."), "topics are named <owner>.<aggregate>"
    assert {t.producer for t in TOPICS} <= set(NAMES)


@pytest.mark.parametrize("spec", PROCESSES, ids=NAMES)
def test_compose_runs_each_process_on_its_port(spec: ServiceSpec) -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert spec.name in services, f"docker-compose.yml has no service {spec.name}"
    declared = services[spec.name]
    assert declared["command"] == ["python", "-m", spec.name]
    env = declared["environment"]
    assert env[f"{spec.env_prefix}PORT"] == str(spec.port)
    assert env["HEALTH_PORT"] == str(spec.port)
    if spec is GATEWAY:
        for upstream in SERVICES:
            key = f"GATEWAY_{upstream.name.upper()}_URL"
            assert env[key] == f"http://{upstream.name}:{upstream.port}"


def test_compose_runs_nothing_the_registry_does_not_know() -> None:
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert set(services) - INFRASTRUCTURE == set(NAMES)


@pytest.mark.parametrize("spec", PROCESSES, ids=NAMES)
def test_kubernetes_base_runs_each_process_on_its_port(spec: ServiceSpec) -> None:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    assert f"{spec.name}.yaml" in kustomization["resources"]
    manifests = _manifests(spec.name)
    container = manifests["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["python", "-m", spec.name]
    assert container["ports"][0]["containerPort"] == spec.port
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env[f"{spec.env_prefix}PORT"] == str(spec.port)
    assert manifests["Service"]["metadata"]["name"] == spec.name
    assert manifests["Service"]["spec"]["ports"][0]["port"] == spec.port


def test_kubernetes_config_points_the_gateway_at_each_service_and_names_its_database() -> None:
    config = _config_env()
    for spec in SERVICES:
        assert config[f"GATEWAY_{spec.name.upper()}_URL"] == f"http://{spec.name}:{spec.port}"
        assert config[f"{spec.env_prefix}DATABASE"] == spec.database
    named = {key.split("_", 1)[0].lower() for key in config if key.endswith(("_URL", "_DATABASE"))}
    assert named - {"gateway", "mongodb"} <= set(NAMES)


def test_kubernetes_base_lists_no_process_the_registry_does_not_know() -> None:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    deployments = {
        resource.removesuffix(".yaml")
        for resource in kustomization["resources"]
        if "Deployment" in _manifests(resource.removesuffix(".yaml"))
    }
    assert deployments == set(NAMES)


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_each_kubernetes_overlay_sizes_every_process(overlay: str) -> None:
    path = ROOT / "infra" / "k8s" / "overlays" / overlay / "kustomization.yaml"
    sized = {r["name"] for r in yaml.safe_load(path.read_text())["replicas"]}
    assert sized == set(NAMES), f"infra/k8s/overlays/{overlay}/kustomization.yaml: replicas"


def test_the_makefile_type_checks_every_process() -> None:
    lint = subprocess.run(
        ["make", "-n", "lint"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    )
    checked = set(re.findall(r"-p (\w+)", lint.stdout))
    assert set(NAMES) <= checked


def test_the_workspace_builds_every_process() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    sources = project["tool"]["uv"]["sources"]
    dependencies = " ".join(project["project"]["dependencies"])
    for name in NAMES:
        assert f"jobfriends-{name}" in sources, f"pyproject.toml: add jobfriends-{name}"
        assert f"jobfriends-{name}" in dependencies, f"pyproject.toml: depend on jobfriends-{name}"


@pytest.mark.parametrize("spec", SERVICES, ids=[s.name for s in SERVICES])
def test_each_service_has_the_one_layout(spec: ServiceSpec) -> None:
    package = ROOT / "services" / spec.name / "src" / spec.name
    assert (package / "__main__.py").exists()
    for module in LAYOUT:
        assert (package / f"{module}.py").exists() or (package / module / "__init__.py").exists(), (
            f"{spec.name} has no {module}.py (or {module}/ package)"
        )


def test_the_local_process_list_is_the_registry() -> None:
    status = subprocess.run(
        [str(ROOT / "infra" / "bin" / "services.sh"), "status"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    listed = [line.split()[0] for line in status.stdout.splitlines() if line.strip()]
    assert listed == NAMES, status.stderr
