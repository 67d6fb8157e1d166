"""The platform as operators run it — each service and the gateway its own OS process — on the
benchmark's own database names and topic prefix, started from the service registry.

    async with Platform(endpoints, ["identity", "notifications"]) as platform:
        ... platform.gateway.url ...

The processes stop and their databases are dropped on the way out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from jobfriends_shared.mongo import mongo_client
from jobfriends_shared.registry import GATEWAY, service
from jobfriends_shared.testing import Endpoints, test_secret, unique_name

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


class Platform:
    """`services` (registry names), then the gateway in front of them, each on a free port with
    database `<name>_<service>` and warnings-only logs. `instances` adds more instances of a
    service under their own keys (`{"messaging-2": "messaging"}`), sharing its database; `env`
    adds settings per key. The gateway forwards to each service's first instance."""

    def __init__(
        self,
        endpoints: Endpoints,
        services: Sequence[str],
        *,
        instances: Mapping[str, str] | None = None,
        env: Mapping[str, Mapping[str, str]] | None = None,
        partitions: int = 2,
    ) -> None:
        self.endpoints = endpoints
        self.name, self.secret = unique_name("b"), test_secret()
        self.services = list(services)
        common = infra_env(endpoints, self.name, self.secret, partitions)
        extra = env or {}
        self.processes: dict[str, Process] = {}
        for key, svc in [*((s, s) for s in services), *(instances or {}).items()]:
            prefix, port = service(svc).env_prefix, free_port()
            self.processes[key] = Process(
                svc,
                {
                    **common,
                    f"{prefix}PORT": str(port),
                    f"{prefix}DATABASE": f"{self.name}_{svc}",
                    f"{prefix}LOG_LEVEL": "WARNING",
                    f"{prefix}INSTANCE_ID": f"{key}-{port}",
                    **extra.get(key, {}),
                },
                port,
            )
        port = free_port()
        self.processes[GATEWAY.name] = Process(
            GATEWAY.name,
            {
                **common,
                **UNLIMITED,
                f"{GATEWAY.env_prefix}PORT": str(port),
                f"{GATEWAY.env_prefix}LOG_LEVEL": "WARNING",
                **{f"GATEWAY_{svc.upper()}_URL": self.processes[svc].url for svc in services},
                **extra.get(GATEWAY.name, {}),
            },
            port,
        )

    @property
    def gateway(self) -> Process:
        return self.processes[GATEWAY.name]

    async def __aenter__(self) -> Platform:
        try:
            for process in self.processes.values():
                await process.ready()
        except BaseException:
            await self.__aexit__()
            raise
        return self

    async def __aexit__(self, *_: object) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        client = mongo_client(self.endpoints.mongodb, "bench")
        for svc in self.services:
            await client.drop_database(f"{self.name}_{svc}")
        await client.close()
