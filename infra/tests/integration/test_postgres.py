"""infra/bin/postgres.sh as an operator uses it: a cluster of its own under the infra folder,
started, found running, restarted cleanly after a crash, stopped; tuned by profile."""

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bin" / "postgres.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, infra_dir: Path) -> None:
        self.infra_dir = infra_dir
        self.env = {**os.environ, "JF_INFRA_DIR": str(infra_dir), "JF_PG_PORT": str(_free_port())}

    def run(self, *args: str, profile: str = "durable") -> subprocess.CompletedProcess[str]:
        env = {**self.env, "JF_PG_PROFILE": profile}
        return subprocess.run(
            [str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120
        )

    def setting(self, name: str) -> str:
        shown = self.run("sql", f"SHOW {name}")
        assert shown.returncode == 0, shown.stderr
        return shown.stdout.strip()

    def pid(self) -> int:
        return int((self.infra_dir / "run" / "postgres.pid").read_text().strip())


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    # A folder the cluster's owner can reach when the tests run as root (pytest's tmp_path
    # sits under /tmp, which everyone may pass through).
    c = Cluster(tmp_path / "infra")
    yield c
    c.run("stop")


def test_a_cluster_starts_answers_and_stops(cluster: Cluster) -> None:
    started = cluster.run("start")
    assert started.returncode == 0, started.stderr
    assert (cluster.infra_dir / "data" / "postgres" / "PG_VERSION").exists()
    assert cluster.run("status").returncode == 0
    assert cluster.setting("fsync") == "on"
    assert cluster.setting("listen_addresses") == "127.0.0.1"

    again = cluster.run("start")
    assert again.returncode == 0 and "already running" in again.stderr

    assert cluster.run("stop").returncode == 0
    assert cluster.run("status").returncode == 1


def test_a_crashed_cluster_starts_again_cleanly(cluster: Cluster) -> None:
    assert cluster.run("start").returncode == 0, cluster.run("status").stdout
    os.kill(cluster.pid(), signal.SIGKILL)
    deadline = time.monotonic() + 10
    while cluster.run("status").returncode == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert cluster.run("status").returncode == 1

    restarted = cluster.run("start", profile="test")
    assert restarted.returncode == 0, restarted.stderr
    assert cluster.run("status").returncode == 0
    assert cluster.setting("fsync") == "off"  # the test profile, chosen at this start
