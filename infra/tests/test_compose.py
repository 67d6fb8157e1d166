"""The Docker Compose file cannot run here (no Docker engine), so check its shape instead."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from jobfriends_shared.registry import PROCESSES as DECLARED

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = tuple(spec.name for spec in DECLARED)  # the services, then the gateway


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return loaded


@pytest.mark.parametrize("name", PROCESSES)
def test_every_process_is_built_configured_health_checked_and_ordered(
    compose: dict[str, Any], name: str
) -> None:
    service = compose["services"][name]
    assert service.get("build") or service.get("image")
    assert service["command"] == ["python", "-m", name]
    assert service["environment"]["JF_GATEWAY_SECRET"]
    assert service["healthcheck"]["test"]
    assert all(dep["condition"] == "service_healthy" for dep in service["depends_on"].values())


def test_infrastructure_uses_official_images_with_volumes_and_health_checks(
    compose: dict[str, Any],
) -> None:
    kafka, mongo = compose["services"]["kafka"], compose["services"]["mongo"]
    assert kafka["image"].startswith("apache/kafka:4")
    assert kafka["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert mongo["image"].startswith("mongo:")
    for infra in (kafka, mongo):
        assert infra["volumes"]
        assert infra["healthcheck"]["test"]


def test_only_the_gateway_publishes_a_port_so_services_can_scale(compose: dict[str, Any]) -> None:
    published = [n for n in PROCESSES if compose["services"][n].get("ports")]
    assert published == ["gateway"]


def test_consuming_services_reach_kafka_and_mongo(compose: dict[str, Any]) -> None:
    for name in PROCESSES[:-1]:
        env = compose["services"][name]["environment"]
        assert env["KAFKA_BOOTSTRAP_SERVERS"] == "kafka:9092"
        assert env["MONGODB_URL"].startswith("mongodb://mongo:")
        assert set(compose["services"][name]["depends_on"]) == {"kafka", "mongo"}


def test_the_image_builds_every_service_from_one_dockerfile(compose: dict[str, Any]) -> None:
    dockerfile = ROOT / "infra" / "Dockerfile"
    assert dockerfile.exists()
    for name in PROCESSES:
        assert compose["services"][name]["build"]["dockerfile"] == "infra/Dockerfile"


@pytest.mark.parametrize("name", PROCESSES)
def test_docker_waits_for_a_graceful_shutdown_before_killing(
    compose: dict[str, Any], name: str
) -> None:
    grace = compose["services"][name]["stop_grace_period"]
    assert grace.endswith("s") and int(grace[:-1]) >= 40  # 20 s of requests + 15 s of messages
