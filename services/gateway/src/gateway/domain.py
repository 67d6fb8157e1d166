"""The gateway's rules, free of I/O: who owns which path, what is public, how fast a caller may
go, and how the services' API descriptions become one document.

Keeping these here (rather than in the request handlers) lets unit tests pin the routing and
limiting decisions without any HTTP, and makes the route table the single place to read when a
service gains an endpoint.
"""

from __future__ import annotations

import copy
import json
import math
import re
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jobfriends_shared.clock import Clock
from jobfriends_shared.errors import DomainError
from jobfriends_shared.registry import SERVICES, Access

JWKS_PATH = "/.well-known/jwks.json"


Service = str
"""A service's name in the registry (`jobfriends_shared.registry`)."""


# --- errors the gateway itself answers with ------------------------------------------------


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"


class MethodNotAllowed(DomainError):
    status = 405
    code = "method_not_allowed"


class BadGateway(DomainError):
    status = 502
    code = "bad_gateway"


class ServiceUnavailable(DomainError):
    status = 503
    code = "service_unavailable"


class GatewayTimeout(DomainError):
    status = 504
    code = "gateway_timeout"


# --- routing --------------------------------------------------------------------------------

ANY = "*"
"""A pattern segment that matches exactly one path segment (an id)."""


@dataclass(frozen=True)
class Rule:
    """`pattern` matches a path whose leading segments equal it; `exact` forbids extra segments,
    so that e.g. `/v1/users/{id}` does not silently claim every unknown `/v1/users/{id}/…`."""

    pattern: tuple[str, ...]
    service: Service
    exact: bool = False

    def matches(self, segments: tuple[str, ...]) -> bool:
        n = len(self.pattern)
        if len(segments) < n or (self.exact and len(segments) != n):
            return False
        return all(p in (ANY, s) for p, s in zip(self.pattern, segments, strict=False))

    @property
    def specificity(self) -> tuple[int, int]:
        return len(self.pattern), sum(p != ANY for p in self.pattern)


@dataclass(frozen=True)
class Route:
    service: Service
    public: bool
    streaming: bool


def _declared_rules() -> tuple[Rule, ...]:
    return tuple(
        Rule(spec.segments, owner.name, spec.exact) for owner in SERVICES for spec in owner.routes
    )


def _declared(access: Access) -> frozenset[tuple[str, str]]:
    """(method, path) of the endpoints the registry gives this access class."""
    return frozenset(
        (endpoint.split(" ", 1)[0], endpoint.split(" ", 1)[1])
        for owner in SERVICES
        for spec in owner.routes
        for endpoint, given in spec.access
        if given is access
    )


# The route table comes from the service registry, where each service declares its paths.
DEFAULT_RULES: tuple[Rule, ...] = _declared_rules()
DEFAULT_PUBLIC: frozenset[tuple[str, str]] = _declared(Access.PUBLIC)
DEFAULT_STREAMING: frozenset[tuple[str, str]] = _declared(Access.STREAM)


class RouteTable:
    def __init__(
        self,
        rules: Iterable[Rule] = DEFAULT_RULES,
        public: frozenset[tuple[str, str]] = DEFAULT_PUBLIC,
        streaming: frozenset[tuple[str, str]] = DEFAULT_STREAMING,
    ) -> None:
        # Most specific first, so the first match wins.
        self._rules = sorted(rules, key=lambda r: r.specificity, reverse=True)
        self._public = public
        self._streaming = streaming

    def owner(self, path: str) -> Service | None:
        segments = tuple(path[1:].split("/")) if path.startswith("/") else ()
        # Dot segments are never legitimate here and could confuse a service's own routing.
        if not segments or any(s in (".", "..") for s in segments):
            return None
        for rule in self._rules:
            if rule.matches(segments):
                return rule.service
        return None

    def is_public(self, method: str, path: str) -> bool:
        method = "GET" if method == "HEAD" else method
        return (method, path) in self._public

    def resolve(self, method: str, path: str) -> Route | None:
        service = self.owner(path)
        if service is None:
            return None
        method = "GET" if method == "HEAD" else method
        return Route(service, self.is_public(method, path), (method, path) in self._streaming)


# --- correlation ----------------------------------------------------------------------------

_SANE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def correlation_id(given: str | None) -> str:
    """Keep the client's id when it is safe to log and forward; otherwise mint one, so every
    request can be traced across services either way."""
    if given is not None and _SANE_ID.fullmatch(given):
        return given
    return uuid.uuid4().hex


# --- rate limiting --------------------------------------------------------------------------


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBucketLimiter:
    """Token buckets per key (a user id or a client IP).

    Memory is bounded: beyond `max_keys`, the least recently seen key is forgotten. A forgotten
    key comes back with a full bucket, which only ever errs towards letting a quiet caller in.
    """

    def __init__(self, rate: float, burst: int, clock: Clock, max_keys: int = 100_000) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._max_keys = max_keys
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str) -> int:
        """Spend one token. Returns 0 when allowed, else whole seconds (>= 1) until a token."""
        now = self._clock.now().timestamp()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(self.burst, now)
            self._buckets[key] = bucket
            if len(self._buckets) > self._max_keys:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(key)
            elapsed = max(0.0, now - bucket.updated)  # a clock set backwards must not mint tokens
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0
        return max(1, math.ceil((1.0 - bucket.tokens) / self.rate))


# --- OpenAPI merge --------------------------------------------------------------------------

BEARER_SCHEME = "bearerAuth"
_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_SCHEMA_REF = "#/components/schemas/"


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_SCHEMA_REF):
                name = value[len(_SCHEMA_REF) :]
                out[key] = _SCHEMA_REF + renames.get(name, name)
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def _client_facing(operation: dict[str, Any], public: bool) -> dict[str, Any]:
    """Hide the headers only the gateway sets, and say which operations need a token."""
    params = operation.get("parameters")
    if isinstance(params, list):
        operation["parameters"] = [
            p
            for p in params
            if not (
                isinstance(p, dict)
                and p.get("in") == "header"
                and str(p.get("name", "")).lower().startswith("x-jf-")
            )
        ]
    operation["security"] = [] if public else [{BEARER_SCHEME: []}]
    return operation


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _refs(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(_SCHEMA_REF):
                found.add(value[len(_SCHEMA_REF) :])
            else:
                found |= _refs(value)
    elif isinstance(node, list):
        for item in node:
            found |= _refs(item)
    return found


def _conflicting(
    ours: Mapping[str, Any], theirs: Mapping[str, Any], service: Service
) -> dict[str, str]:
    """Names in `theirs` that must be renamed: a different shape under a taken name, or the
    same text that refers to a renamed schema (and therefore means something else)."""
    renamed = {n for n, s in theirs.items() if n in ours and _canonical(ours[n]) != _canonical(s)}
    changed = True
    while changed:
        changed = False
        for name, schema in theirs.items():
            if name in ours and name not in renamed and _refs(schema) & renamed:
                renamed.add(name)
                changed = True
    return {name: f"{service}_{name}" for name in renamed}


def merge_openapi(
    own: Mapping[str, Any], services: Mapping[Service, Mapping[str, Any]], table: RouteTable
) -> dict[str, Any]:
    """One document for clients: the gateway's own paths plus each service's paths that the
    route table actually sends to that service (so the document never advertises an endpoint
    the gateway would not route). Schemas with one name but different shapes in two services
    are renamed `<service>_<Name>` for the later service, with its references rewritten."""
    merged: dict[str, Any] = copy.deepcopy(dict(own))
    paths: dict[str, Any] = merged.setdefault("paths", {})
    components: dict[str, Any] = merged.setdefault("components", {})
    schemas: dict[str, Any] = components.setdefault("schemas", {})
    components.setdefault("securitySchemes", {})[BEARER_SCHEME] = {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    for service in (spec.name for spec in SERVICES):
        doc = services.get(service)
        if doc is None:
            continue
        theirs = doc.get("components", {}).get("schemas", {})
        if not isinstance(theirs, dict):
            theirs = {}
        renames = _conflicting(schemas, theirs, service)
        for name, schema in theirs.items():
            target = renames.get(name, name)
            if target not in schemas:
                schemas[target] = _rewrite_refs(copy.deepcopy(schema), renames)
        their_paths = doc.get("paths", {})
        if not isinstance(their_paths, dict):
            continue
        for path, item in their_paths.items():
            if not isinstance(item, dict) or path in paths or table.owner(path) != service:
                continue
            rewritten: dict[str, Any] = _rewrite_refs(copy.deepcopy(item), renames)
            for method, operation in rewritten.items():
                if method in _HTTP_METHODS and isinstance(operation, dict):
                    _client_facing(operation, table.is_public(method.upper(), path))
            paths[path] = rewritten
    return merged
