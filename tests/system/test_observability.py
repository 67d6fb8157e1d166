"""What an operator sees: metrics per route and topic, one correlation id from the client's
request into the events it caused, and one trace across the gateway, a service and Kafka."""

import httpx
import pytest
from jobfriends_shared.envelope import Envelope
from jobfriends_shared.testing import read_topic, wait_for
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.harness import Stack

_EXPORTER = InMemorySpanExporter()


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(_EXPORTER))
    return _EXPORTER


async def test_services_expose_prometheus_metrics_by_route_and_topic(stack: Stack) -> None:
    ana = await stack.join("Ana")
    await stack.call("GET", "/v1/me", ana)
    await stack.runtime("identity").relay.drain()
    async with httpx.AsyncClient(base_url=stack.urls["identity"]) as client:
        metrics = (await client.get("/metrics")).text
    assert (
        'jf_http_request_duration_seconds_count{method="GET",route="/v1/me",status="200"}'
        in metrics
    )
    assert 'jf_events_produced_total{topic="' in metrics
    assert "jf_outbox_backlog" in metrics
    async with httpx.AsyncClient(base_url=stack.gateway_url) as client:
        assert "jf_http_request_duration_seconds" in (await client.get("/metrics")).text


async def test_the_clients_correlation_id_travels_into_the_events_it_caused(stack: Stack) -> None:
    body = {"email": "corr@example.org", "password": "Kreuzberg-Design-2026", "display_name": "C"}
    response = await stack.call(
        "POST", "/v1/auth/register", json=body, headers={"X-Correlation-Id": "journey-42"}
    )
    assert response.headers["x-correlation-id"] == "journey-42"
    settings = stack.settings["identity"].infra

    async def registered() -> list[Envelope]:
        records = await read_topic(
            settings.kafka_bootstrap_servers, f"{settings.topic_prefix}identity.users"
        )
        return [Envelope.from_bytes(r.value) for r in records]

    (event,) = await wait_for(registered)
    assert event.correlation_id == "journey-42"


async def test_one_trace_follows_a_request_from_the_gateway_through_kafka(
    stack: Stack, spans: InMemorySpanExporter
) -> None:
    ana = await stack.join("Ana")
    spans.clear()
    assert (await stack.call("DELETE", "/v1/me", ana)).status_code == 204

    async def consumed() -> bool:
        # identity erases its own traces; every other service erases that person's data too
        found = [s for s in spans.get_finished_spans() if s.name == "consume user.deleted"]
        return len(found) >= 2

    await wait_for(consumed, timeout=30)
    finished = spans.get_finished_spans()
    consumers = [s for s in finished if s.name == "consume user.deleted"]
    gateway = next(s for s in finished if s.name == "DELETE identity")
    service = next(s for s in finished if s.name == "DELETE /v1/me")
    trace_id = gateway.context.trace_id
    assert service.context.trace_id == trace_id
    assert {s.context.trace_id for s in consumers} == {trace_id}
    assert service.parent is not None
    assert service.parent.span_id == gateway.context.span_id
