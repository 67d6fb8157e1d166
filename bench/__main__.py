"""`make bench` / `python -m bench [name ...]`: runs the benchmarks against the real servers
(started like the tests start them) and prints every figure as a ratio against a limit measured
in the same run. Results are also written to bench/results/ as JSON."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from contextlib import ExitStack
from pathlib import Path

from jobfriends_shared.testing import Endpoints, drop_issued_topics, start_infra

from bench import (
    curves,
    mixed,
    pipeline,
    platform_http,
    services_events,
    services_feed,
    services_matching,
    services_messaging,
    services_notifications,
    signup,
    store,
    web,
)
from bench.report import Figure, print_figures, save

Bench = Callable[[Endpoints], Awaitable[list[Figure]]]
BENCHES: dict[str, Bench] = {
    "store": store.read_shapes,
    "relay": pipeline.relay_vs_raw_produce,
    "consume": pipeline.consume_and_store_vs_raw,
    "gateway": platform_http.gateway_overhead,
    "argon2": platform_http.argon2_sign_in_rate,
    "signup": signup.signup_end_to_end,
    "fanout": services_feed.fan_out_vs_bulk_write,
    "timeline": services_feed.timeline_read_vs_trivial,
    "nearby": services_events.nearby_vs_full_scan,
    "rsvp": services_events.rsvp_throughput,
    "match-quality": services_matching.quality,
    "match-rebuild": services_matching.rebuild,
    "match-incremental": services_matching.incremental_end_to_end,
    "notify-latency": services_notifications.event_to_screen,
    "notify-streams": services_notifications.many_streams,
    "message-latency": services_messaging.send_to_stream,
    "mixed": mixed.mixed_load,
    "web": web.budgets,
    "curves": curves.cost_curves,
}


async def _run(names: list[str], endpoints: Endpoints) -> list[Figure]:
    figures: list[Figure] = []
    for name in names:
        print(f"--- {name}", flush=True)
        result = await BENCHES[name](endpoints)
        # Every bench's services make topics of their own: dropped before the next bench, which
        # would otherwise run against a broker carrying thousands of idle partitions.
        await drop_issued_topics(endpoints.kafka)
        print_figures(result)
        figures.extend(result)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHES, []], help="default: all")
    args = parser.parse_args()
    names = args.names or list(BENCHES)
    with ExitStack() as stack:
        endpoints = start_infra(stack)
        figures = asyncio.run(_run(names, endpoints))
    print("\n=== summary")
    print_figures(figures)
    path = save(figures, Path(__file__).parent / "results")
    print(f"\nwritten to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
