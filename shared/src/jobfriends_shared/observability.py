"""What operators see of a service: Prometheus metrics, JSON logs that carry the request's
correlation id, and OpenTelemetry traces that follow a request across HTTP and Kafka.

The correlation id lives in a context variable: the HTTP middleware sets it from the gateway's
`x-correlation-id`, the consumer from the envelope; `build_event` and every log line read it, so
one id follows a request from the gateway through Kafka into every consumer that reacts to it.
Tracing is off unless `JF_OTEL_EXPORTER` says `console` or `otlp`; the API's no-op tracer then
costs next to nothing.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI, Response
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.propagate import extract, inject
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

correlation_id: ContextVar[str | None] = ContextVar("correlation_id", default=None)
_tracer = trace.get_tracer("jobfriends")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, so log shippers need no parsing rules."""

    def __init__(self, service: str, instance: str) -> None:
        super().__init__()
        self._static = {"service": service, "instance": instance}

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **self._static,
        }
        if (cid := correlation_id.get()) is not None:
            entry["correlation_id"] = cid
        span = trace.get_current_span().get_span_context()
        if span.is_valid:
            entry["trace_id"] = f"{span.trace_id:032x}"
            entry["span_id"] = f"{span.span_id:016x}"
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def configure_logging(service: str, instance: str, level: str, as_json: bool = True) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if as_json:
        handler.setFormatter(JsonFormatter(service, instance))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "httpx", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))


def configure_tracing(service: str, exporter: str, endpoint: str | None = None) -> None:
    """Install a tracer provider when an exporter is configured (none by default)."""
    if exporter == "none":
        return
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SpanExporter,
    )

    span_exporter: SpanExporter
    if exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        span_exporter = OTLPSpanExporter(endpoint=endpoint) if endpoint else OTLPSpanExporter()
    else:
        span_exporter = ConsoleSpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": f"jobfriends-{service}"}))
    provider.add_span_processor(BatchSpanProcessor(span_exporter))
    trace.set_tracer_provider(provider)


def trace_headers() -> dict[str, str]:
    """W3C trace context of the current span, for a message or a request we send on."""
    carrier: dict[str, str] = {}
    inject(carrier)
    return carrier


@contextmanager
def server_span(
    name: str, headers: Mapping[str, str], correlation: str | None, kind: trace.SpanKind
) -> Iterator[trace.Span]:
    """Continue the caller's trace (HTTP request or Kafka message) and correlation id."""
    token = otel_context.attach(extract(dict(headers)))
    cid_token = correlation_id.set(correlation)
    try:
        with _tracer.start_as_current_span(name, kind=kind) as span:
            if correlation:
                span.set_attribute("jobfriends.correlation_id", correlation)
            yield span
    finally:
        correlation_id.reset(cid_token)
        otel_context.detach(token)


class Metrics:
    """One registry per service instance (tests run many instances in one process)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_latency = Histogram(
            "jf_http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route", "status"],
            registry=r,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.consumed = Counter(
            "jf_events_consumed",
            "Events taken from Kafka by outcome",
            ["topic", "outcome"],
            registry=r,
        )
        self.failed = Counter(
            "jf_events_failed", "Handler attempts that raised", ["topic"], registry=r
        )
        self.dead_letters = Counter(
            "jf_dead_letters", "Messages sent to a dead-letter topic", ["topic"], registry=r
        )
        self.produced = Counter(
            "jf_events_produced", "Events published by the outbox relay", ["topic"], registry=r
        )
        self.lag = Gauge(
            "jf_consumer_lag",
            "Messages not yet consumed by this service's group",
            ["topic"],
            registry=r,
        )
        self.outbox_backlog = Gauge(
            "jf_outbox_backlog", "Outbox entries not yet settled", registry=r
        )
        self.outbox_age = Gauge(
            "jf_outbox_oldest_age_seconds",
            "Age of the oldest unsettled outbox entry",
            registry=r,
        )

    def render(self) -> bytes:
        return generate_latest(self.registry)


# Only these request headers carry context we continue (W3C trace context, baggage, our id).
_CONTEXT_HEADERS = frozenset({b"traceparent", b"tracestate", b"baggage", b"x-correlation-id"})


class _Observe:
    """Pure ASGI middleware (Starlette's `BaseHTTPMiddleware` costs a task group and memory
    streams per request): continues the trace and correlation id, times the request by its
    route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {
            k.decode("latin-1"): v.decode("latin-1")
            for k, v in scope["headers"]
            if k in _CONTEXT_HEADERS
        }
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        method = scope["method"]
        with server_span(
            f"{method} {scope['path']}",
            headers,
            headers.get("x-correlation-id"),
            trace.SpanKind.SERVER,
        ) as span:
            try:
                await self.app(scope, receive, capture)
            finally:
                route = getattr(scope.get("route"), "path", "unmatched")
                span.update_name(f"{method} {route}")
                span.set_attribute("http.status_code", status)
                self.metrics.http_latency.labels(method, route, str(status)).observe(
                    time.perf_counter() - started
                )


def instrument(app: FastAPI, metrics: Metrics) -> None:
    """Observe every request, and serve `/metrics` for Prometheus."""
    app.add_middleware(_Observe, metrics=metrics)

    @app.get("/metrics", include_in_schema=False)
    async def prometheus() -> Response:
        return Response(metrics.render(), media_type=CONTENT_TYPE_LATEST)
