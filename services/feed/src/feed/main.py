"""Composition root of the feed service: `wire` builds it on a runtime, `create_app` serves it.
Tests on the in-memory store call `wire` too, so they run the service as it is built here."""

from collections.abc import Iterator

from fastapi import FastAPI
from jobfriends_shared.clock import Clock
from jobfriends_shared.runtime import Runtime
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from feed import consumers
from feed.api import routers
from feed.api.deps import MemoryForReads
from feed.repository import DocumentCache, FeedRepository
from feed.service import FeedService
from feed.settings import FeedSettings


def wire(runtime: Runtime, settings: FeedSettings) -> FeedService:
    """The repositories and use cases on `runtime`, with their start-up, jobs and consumers.
    In-memory copies only when `cache_entries` asks for them (the in-memory store of the fast
    tests cannot sit under them)."""
    cache = (
        DocumentCache(settings.cache_entries, settings.cache_seconds)
        if settings.cache_entries > 0 and settings.cache_seconds > 0
        else None
    )
    repo = FeedRepository(runtime.db, settings.timeline_shards, cache)
    feed = FeedService(repo, runtime.outbox, runtime.clock, settings)
    runtime.on_startup(repo.ensure_indexes)
    runtime.every(settings.trim_every_seconds, feed.timeline.trim, name="trim_timelines")
    runtime.every(settings.repair_every_seconds, feed.fanout.repair, name="repair_fanouts")
    runtime.every(
        settings.trim_every_seconds, feed.reading.purge_hashtag_uses, name="purge_hashtag_uses"
    )
    consumers.register(runtime, feed)
    if cache is not None:
        consumers.share_copies(runtime, cache)
        _observe_copies(runtime, cache)
    return feed


def create_app(settings: FeedSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or FeedSettings()
    runtime = Runtime("feed", settings, clock)
    app = runtime.app(title="JobFriends feed", routers=routers, services=wire(runtime, settings))
    app.add_middleware(MemoryForReads)
    return app


def _observe_copies(runtime: Runtime, cache: DocumentCache) -> None:
    """Hits and misses of the in-memory copies by collection, and how many are held, on
    /metrics: what an operator sizing `FEED_CACHE_ENTRIES` needs to see."""
    labels = ["collection"]
    registry = runtime.metrics.registry

    class Copies(Collector):
        def collect(self) -> Iterator[Metric]:
            for name, doc, counts in (
                ("jf_feed_copy_hits", "Point reads answered from memory", cache.hits),
                ("jf_feed_copy_misses", "Point reads that went to the store", cache.misses),
            ):
                family = CounterMetricFamily(name, doc, labels=labels)
                for collection, n in sorted(counts.items()):
                    family.add_metric([collection], n)
                yield family
            yield GaugeMetricFamily("jf_feed_copies", "Copies held in memory", value=len(cache))

    registry.register(Copies())
