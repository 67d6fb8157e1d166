"""Cost curves (issue 17, P9): three costs measured at 1x, 10x and 100x the data behind them,
each against what the design says it does as the data grows, printed as a table and drawn
(`bench.plot`) into bench/results/.

- Home-timeline read p99 against the authors and posts behind a reader's timeline
  (`bench.feed_scale`). Claim: flat (a page is one query on the reader's own timeline, capped
  at 800 entries, and point reads), with the copies in memory and without.
- Fan-out time against an author's followers (`services_feed.fan_out_run`). Claim: linear, a
  constant cost per delivery. 100 / 1,000 / 10,000 followers: 10,000 is the feed's
  `fanout_threshold`, and a bigger audience is not fanned out at all (its posts are merged in
  when read), so 100,000 would measure the switch, not the fan-out.
- Incremental refresh p99, from a profile or RSVP event to the last list it changed stored and
  announced, against the people in the city (`services_matching.incremental_run`, the city
  preloaded). Claim: flat, as a change refreshes the people it affects, at most
  `refresh_cap` (150) of them, not the city.

Each point is a Figure against the 1x point of its curve, so the ratio is the growth; its
target is the claim's (flat: at most `FLAT` times the 1x value, a margin for a shared 2-core
machine; linear: at most the growth of the data). Cheap points are measured several times and
the median kept.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from jobfriends_shared.testing import Endpoints, drop_issued_topics

from bench import feed_scale, plot
from bench.report import Figure
from bench.services_feed import fan_out_run
from bench.services_matching import _percentile, incremental_run

FLAT = 2.0  # "roughly flat": within twice the 1x value
FOLLOWERS = (100, 1_000, 10_000)
FAN_OUT_ROUNDS = 3
PEOPLE = (100, 1_000, 10_000)
RESULTS = Path(__file__).parent / "results"


@dataclass(frozen=True)
class Curve:
    """One measured curve: each size's repeated measurements, and the claimed growth."""

    panel: str  # what is measured, e.g. "fan-out time"
    label: str  # which configuration, when a panel has several
    size_label: str
    unit: str
    claim: str  # "flat" or "linear"
    sizes: tuple[int, ...]
    runs: tuple[tuple[float, ...], ...]
    notes: tuple[dict[str, str], ...]  # per size: what else was seen, how long it took

    @property
    def name(self) -> str:
        return self.panel + (f" ({self.label})" if self.label else "")

    @property
    def values(self) -> list[float]:
        return [statistics.median(r) for r in self.runs]

    def limit(self, i: int) -> float:
        """The largest growth over the first point that still agrees with the claim."""
        return FLAT if self.claim == "flat" else self.sizes[i] / self.sizes[0]

    @property
    def as_claimed(self) -> bool:
        first = self.values[0]
        return all(v / first <= self.limit(i) for i, v in enumerate(self.values))

    def figures(self) -> list[Figure]:
        first = self.values[0]
        return [
            Figure(
                f"curve: {self.name}, {size:,} {self.size_label}",
                value,
                self.unit,
                first,
                f"the same at {self.sizes[0]:,} {self.size_label} (1x)",
                target=self.limit(i),
                higher_is_better=False,
                notes={
                    "claim": self.claim,
                    "runs": ", ".join(f"{v:.3g}" for v in self.runs[i]),
                    **self.notes[i],
                },
            )
            for i, (size, value) in enumerate(zip(self.sizes, self.values, strict=True))
        ]


async def fan_out_curve(endpoints: Endpoints) -> Curve:
    runs, notes = [], []
    for followers in FOLLOWERS:
        started = time.perf_counter()
        run = await fan_out_run(endpoints, followers, FAN_OUT_ROUNDS)
        took = time.perf_counter() - started
        await drop_issued_topics(endpoints.kafka)
        runs.append(tuple(run.seconds))
        per = [f.seconds / f.delivered * 1e6 for f in run.fan_outs if f.delivered]
        bare = statistics.median(run.bare) / followers * 1e6
        notes.append(
            {
                "µs per delivery (median) / bare bulk write": (
                    f"{statistics.median(per):.0f} / {bare:.0f}"
                ),
                "seconds to measure": f"{took:.0f}",
            }
        )
    return Curve(
        "fan-out time", "", "followers", "s", "linear", FOLLOWERS, tuple(runs), tuple(notes)
    )


async def timeline_curves(endpoints: Endpoints) -> list[Curve]:
    points = await feed_scale.timeline_reads(endpoints)
    curves = []
    for memory, label in ((True, "copies in memory, as deployed"), (False, "store only")):
        mine = [p for p in points if p.memory == memory]
        notes = [
            {
                "posts in the store / entries per reader (trimmed)": (
                    f"{p.posts:,} / {p.entries:,}"
                ),
                "p50 ms per run": ", ".join(f"{v:.1f}" for v in p.p50),
                "requests / errors": f"{p.requests} / {p.errors}",
                "rate": f"{feed_scale.RATES[memory]:g} req/s, {feed_scale.READERS} readers",
                "seconds to load / to read": f"{p.load_seconds:.0f} / {p.read_seconds:.0f}",
            }
            for p in mine
        ]
        curves.append(
            Curve(
                "timeline read p99",
                label,
                "authors followed",
                "ms",
                "flat",
                tuple(p.authors for p in mine),
                tuple(tuple(p.p99) for p in mine),
                tuple(notes),
            )
        )
    return curves


async def incremental_curve(endpoints: Endpoints) -> Curve:
    runs, notes = [], []
    for people in PEOPLE:
        started = time.perf_counter()
        run = await incremental_run(endpoints, people, preload=True)
        took = time.perf_counter() - started
        await drop_issued_topics(endpoints.kafka)
        runs.append((_percentile(run.everyone, 99),))
        lists = run.lists_per_change or [0]
        notes.append(
            {
                "own list p50 / p99 s": (
                    f"{_percentile(run.own, 50):.3f} / {_percentile(run.own, 99):.3f}"
                ),
                "all affected p50 s": f"{_percentile(run.everyone, 50):.3f}",
                "lists refreshed per change, median / max": (
                    f"{statistics.median(lists):g} / {max(lists)}"
                ),
                "changes": f"{run.sent} at {run.rate:g}/s",
                "lists announced before the first change (the start-up rebuild)": (
                    f"{run.loaded_lists:,}"
                ),
                "seconds to load (preload, start-up rebuild) / in all": (
                    f"{run.load_seconds:.0f} / {took:.0f}"
                ),
            }
        )
    return Curve(
        "incremental refresh p99",
        "all affected lists",
        "people",
        "s",
        "flat",
        PEOPLE,
        tuple(runs),
        tuple(notes),
    )


def print_table(curves: list[Curve]) -> None:
    print("\ncost curves (median of the runs at each size; growth over 1x after the x)")
    for c in curves:
        cells = "   ".join(
            f"{s:,} {c.size_label}: {v:.3g} {c.unit} x{v / c.values[0]:.2f}"
            for s, v in zip(c.sizes, c.values, strict=True)
        )
        verdict = "grows as claimed" if c.as_claimed else "does NOT grow as claimed"
        print(f"  {c.name}\n    {cells}\n    claim {c.claim}: {verdict}", flush=True)


async def cost_curves(endpoints: Endpoints) -> list[Figure]:
    started = time.perf_counter()
    curves = [
        await fan_out_curve(endpoints),
        *await timeline_curves(endpoints),
        await incremental_curve(endpoints),
    ]
    print_table(curves)
    path = plot.draw(curves, RESULTS / f"curves-{time.strftime('%Y%m%d-%H%M%S')}.png")
    print(f"  plotted to {path}; measured in {time.perf_counter() - started:.0f} s", flush=True)
    return [f for c in curves for f in c.figures()]
