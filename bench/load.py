"""A small, fast HTTP/1.1 keep-alive load generator (asyncio streams), so that the client is
not the bottleneck when we measure the servers; and helpers to run services as processes."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else 0.0


Headers = Mapping[str, str] | Sequence[Mapping[str, str]]


async def _worker(
    host: str,
    port: int,
    requests: Sequence[bytes],
    deadline: float,
    latencies: list[float],
    turn: int,
) -> int:
    """One keep-alive connection; with several requests it starts at the `turn`-th and takes
    them in turn, so that connections do not ask for the same one at the same time."""
    reader, writer = await asyncio.open_connection(host, port)
    errors = 0
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            turn += 1
            if not await _exchange(reader, writer, requests[turn % len(requests)]):
                errors += 1
            latencies.append((time.perf_counter() - started) * 1000)
    finally:
        writer.close()
    return errors


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> bool:
    """One request and its whole answer on a keep-alive connection; True for a 2xx."""
    writer.write(request)
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    await reader.readexactly(length)
    return status_line.startswith(b"HTTP/1.1 2")


def _get(url: str, headers: Headers) -> tuple[str, int, list[bytes]]:
    """The request bytes, one per set of headers (several: one reader after another)."""
    parsed = httpx.URL(url)
    every = [headers] if isinstance(headers, Mapping) else list(headers)
    requests = []
    for one in every:
        head = "".join(f"{k}: {v}\r\n" for k, v in one.items())
        line = f"GET {parsed.raw_path.decode()} HTTP/1.1\r\nHost: {parsed.host}\r\n"
        requests.append(f"{line}{head}\r\n".encode())
    return parsed.host, parsed.port or 80, requests


async def steady(
    url: str, headers: Headers, *, rate: float, seconds: float, connections: int = 32
) -> LoadResult:
    """GET `url` at a fixed `rate` (open loop, as independent users arrive), not as fast as
    possible. Latency counts from when each request was due, so time spent waiting for a free
    connection is counted, not hidden (no coordinated omission)."""
    host, port, requests = _get(url, headers)
    due: asyncio.Queue[float | None] = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            while (at := await due.get()) is not None:
                request = requests[len(latencies) % len(requests)]
                if not await _exchange(reader, writer, request):
                    errors += 1
                latencies.append((time.perf_counter() - at) * 1000)
        finally:
            writer.close()

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    started = time.perf_counter()
    for n in range(int(rate * seconds)):
        at = started + n / rate
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        due.put_nowait(at)
    for _ in workers:
        due.put_nowait(None)
    await asyncio.gather(*workers)
    return LoadResult(len(latencies), time.perf_counter() - started, latencies, errors)


async def hammer(
    url: str, headers: Headers, *, seconds: float = 5.0, connections: int = 16
) -> LoadResult:
    """GET `url` over `connections` keep-alive connections for `seconds`, as fast as they go
    (with several sets of headers, the requests take turns among them)."""
    host, port, requests = _get(url, headers)
    latencies: list[float] = []
    started = time.perf_counter()
    deadline = started + seconds
    errors = await asyncio.gather(
        *(
            _worker(host, port, requests, deadline, latencies, n * len(requests) // connections)
            for n in range(connections)
        )
    )
    return LoadResult(len(latencies), time.perf_counter() - started, latencies, sum(errors))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mib(pid: int) -> float:
    """A process's resident memory now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Process:
    """One service as its own OS process (`python -m <service>`), as in production."""

    def __init__(self, service: str, env: Mapping[str, str], port: int) -> None:
        self.service, self.port = service, port
        self.url = f"http://127.0.0.1:{port}"
        self._proc = subprocess.Popen(
            [sys.executable, "-m", service],
            env={**os.environ, **env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=ROOT,
        )

    @property
    def pid(self) -> int:
        return self._proc.pid

    def rss_mib(self) -> float:
        return rss_mib(self._proc.pid)

    def cpu_seconds(self) -> float:
        """User plus system CPU the process has used so far (to price one request)."""
        fields = Path(f"/proc/{self._proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    async def ready(self, timeout: float = 60.0) -> None:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self._proc.poll() is not None:
                    raise RuntimeError(f"{self.service} exited with {self._proc.returncode}")
                try:
                    if (await client.get(f"{self.url}/health/ready")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.1)
        raise TimeoutError(f"{self.service} not ready after {timeout}s")

    def stop(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._proc.kill()


async def interleaved(
    targets: Mapping[str, tuple[str, Headers]],
    seconds: float,
    *,
    rounds: int,
    connections: int,
) -> dict[str, LoadResult]:
    """Each target for `seconds` in all, in `rounds` alternating slices, so that load from
    elsewhere on a shared machine falls on every target alike."""
    slices: dict[str, list[LoadResult]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (url, headers) in targets.items():
            slices[name].append(
                await hammer(url, headers, seconds=seconds / rounds, connections=connections)
            )
    return {
        name: LoadResult(
            sum(r.requests for r in runs),
            sum(r.seconds for r in runs),
            [ms for r in runs for ms in r.latencies_ms],
            sum(r.errors for r in runs),
        )
        for name, runs in slices.items()
    }
