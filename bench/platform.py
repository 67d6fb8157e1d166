"""The platform as operators run it — each service and the gateway its own OS process — on the
benchmark's own database names and topic prefix, started from the service registry."""

from __future__ import annotations

from collections.abc import Sequence

from jobfriends_shared.registry import GATEWAY, service
from jobfriends_shared.testing import Endpoints

from bench.load import Process, free_port

UNLIMITED = {f"GATEWAY_{k}": "1000000" for k in ("USER_RATE", "USER_BURST", "IP_RATE", "IP_BURST")}


def infra_env(endpoints: Endpoints, name: str, secret: str, partitions: int = 2) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": endpoints.kafka,
        "MONGODB_URL": endpoints.mongodb,
        "JF_TOPIC_PREFIX": f"{name}.",
        "JF_TOPIC_PARTITIONS": str(partitions),
        "JF_GATEWAY_SECRET": secret,
    }


def start(
    endpoints: Endpoints, name: str, secret: str, services: Sequence[str], partitions: int = 2
) -> dict[str, Process]:
    """`services` (registry names), then the gateway in front of them; each on a free port,
    with database `<name>_<service>`, logging warnings only. Await `ready()` on each."""
    env = infra_env(endpoints, name, secret, partitions)
    processes: dict[str, Process] = {}
    for svc in services:
        prefix, port = service(svc).env_prefix, free_port()
        processes[svc] = Process(
            svc,
            {
                **env,
                f"{prefix}PORT": str(port),
                f"{prefix}DATABASE": f"{name}_{svc}",
                f"{prefix}LOG_LEVEL": "WARNING",
            },
            port,
        )
    port = free_port()
    processes[GATEWAY.name] = Process(
        GATEWAY.name,
        {
            **env,
            **UNLIMITED,
            f"{GATEWAY.env_prefix}PORT": str(port),
            f"{GATEWAY.env_prefix}LOG_LEVEL": "WARNING",
            **{f"GATEWAY_{svc.upper()}_URL": processes[svc].url for svc in services},
        },
        port,
    )
    return processes
