"""`python -m jobfriends_seed` (or `make seed SIZE=medium`): generate a city and load it through
the gateway, then print demo logins and example requests."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta

import httpx

from jobfriends_seed.city import SIZES, generate
from jobfriends_seed.load import DEMO_PASSWORD, Loader, progress_bar


async def _load(gateway: str, size: int, seed: int, concurrency: int) -> int:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=1)
    city = generate(seed, size, start=start)
    async with httpx.AsyncClient(base_url=gateway, timeout=60) as client:
        with progress_bar() as progress:
            result = await Loader(client, city, concurrency).run(progress)
    rate = result.requests / result.seconds if result.seconds else 0.0
    print(
        f"\nloaded {len(result.ids)} people, {len(result.groups)} groups, "
        f"{len(result.events)} events in {result.seconds:.1f}s "
        f"({result.requests} requests, {rate:.0f} requests/s, {len(result.failures)} failed)"
    )
    # The load rate per step, so a slow service shows (sign-ups are Argon2-bound by design).
    for label, (count, seconds) in result.steps.items():
        print(f"  {label:<18} {count:>5} in {seconds:6.1f}s ({count / max(seconds, 1e-9):.1f}/s)")
    for failure in result.failures[:5]:
        print("  failed:", failure)
    print(f"\nDemo logins (password for every demo account: {DEMO_PASSWORD}):")
    for person in city.people[:3]:
        print(f"  {person.email:<40} {person.headline}")
    first = city.people[0].email
    print(
        "\nTry:\n"
        f"  TOKEN=$(curl -s -X POST {gateway}/v1/auth/token -H 'content-type: application/json' "
        f'-d \'{{"email":"{first}","password":"{DEMO_PASSWORD}"}}\' '
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')\n"
        f'  curl -s {gateway}/v1/matches -H "Authorization: Bearer $TOKEN"\n'
        f'  curl -s {gateway}/v1/feed -H "Authorization: Bearer $TOKEN"\n'
        f"  curl -s '{gateway}/v1/events?near=52.4986,13.4030&radius_km=3' "
        '-H "Authorization: Bearer $TOKEN"'
    )
    return 0 if len(result.failures) <= max(5, result.requests // 100) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", default="small", help=f"{', '.join(SIZES)} or a number")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--gateway", default="http://127.0.0.1:8000")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    size = SIZES[args.size] if args.size in SIZES else int(args.size)
    return asyncio.run(_load(args.gateway, size, args.seed, args.concurrency))


if __name__ == "__main__":
    sys.exit(main())
