#!/usr/bin/env python3
"""Protocol-level readiness probes for the local infrastructure.

Standard library only: this runs before any project dependency is installed.

    probe.py kafka HOST:PORT [--wait SECONDS]   Kafka ApiVersions v0 answered
    probe.py mongo HOST:PORT [--wait SECONDS]   MongoDB {ping: 1} answered with ok: 1
    probe.py http  URL       [--wait SECONDS]   HTTP GET answered with 2xx

An open TCP port is not enough: the JVM binds Kafka's port before the broker can
serve, and a wrong program may hold the port. So each probe speaks the protocol.
Exit status: 0 ready, 1 not ready (last error on stderr), 2 usage error.
"""

from __future__ import annotations

import argparse
import itertools
import os
import socket
import struct
import sys
import time
import urllib.error
import urllib.request

_request_ids = itertools.count(os.getpid() & 0xFFFF)


class ProbeError(Exception):
    """The peer answered, but not as the expected server would."""


def _split_hostport(target: str) -> tuple[str, int]:
    host, sep, port = target.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {target!r}")
    return host.strip("[]"), int(port)


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ProbeError(f"connection closed after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


# --- Kafka -----------------------------------------------------------------

_API_VERSIONS = 18


def probe_kafka(target: str, timeout: float) -> str:
    """Send ApiVersions v0 and check the broker lists its APIs without error."""
    host, port = _split_hostport(target)
    correlation_id = next(_request_ids)
    client_id = b"jf-probe"
    # Request header v1: api_key, api_version, correlation_id, client_id; v0 body is empty.
    payload = struct.pack(">hhih", _API_VERSIONS, 0, correlation_id, len(client_id)) + client_id
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(struct.pack(">i", len(payload)) + payload)
        (size,) = struct.unpack(">i", _recv_exact(sock, 4))
        if not 10 <= size <= 1 << 20:
            raise ProbeError(f"implausible Kafka response size {size}")
        body = _recv_exact(sock, size)
    got_id, error_code, count = struct.unpack_from(">ihi", body, 0)
    if got_id != correlation_id:
        raise ProbeError(f"correlation id {got_id} != {correlation_id}")
    if error_code != 0:
        raise ProbeError(f"ApiVersions error code {error_code}")
    if count <= 0 or size != 10 + 6 * count:
        raise ProbeError(f"malformed ApiVersions response ({count} APIs, {size} bytes)")
    keys = {struct.unpack_from(">h", body, 10 + 6 * i)[0] for i in range(count)}
    if _API_VERSIONS not in keys:
        raise ProbeError("ApiVersions response does not list ApiVersions")
    return f"{count} APIs"


# --- MongoDB ---------------------------------------------------------------

_OP_MSG = 2013


def _bson_cstring(s: str) -> bytes:
    return s.encode() + b"\x00"


def _bson_ping(db: str) -> bytes:
    """Hand-encode {ping: 1 (int32), $db: db (string)}."""
    db_bytes = db.encode() + b"\x00"
    elements = (
        b"\x10"
        + _bson_cstring("ping")
        + struct.pack("<i", 1)
        + b"\x02"
        + _bson_cstring("$db")
        + struct.pack("<i", len(db_bytes))
        + db_bytes
    )
    return struct.pack("<i", len(elements) + 5) + elements + b"\x00"


# Fixed-size BSON value types: double, ObjectId, bool, datetime, null, int32, timestamp,
# int64, decimal128, min key, max key, undefined.
_FIXED = {
    0x01: 8,
    0x07: 12,
    0x08: 1,
    0x09: 8,
    0x0A: 0,
    0x10: 4,
    0x11: 8,
    0x12: 8,
    0x13: 16,
    0xFF: 0,
    0x7F: 0,
    0x06: 0,
}


def _bson_top_level(doc: bytes) -> dict[str, object]:
    """Decode the scalar top-level fields of a BSON document; nested values are skipped."""
    (total,) = struct.unpack_from("<i", doc, 0)
    if total != len(doc) or doc[-1] != 0:
        raise ProbeError("malformed BSON document")
    out: dict[str, object] = {}
    pos = 4
    while doc[pos] != 0:
        kind = doc[pos]
        end = doc.index(b"\x00", pos + 1)
        name = doc[pos + 1 : end].decode(errors="replace")
        pos = end + 1
        if kind == 0x01:
            out[name] = struct.unpack_from("<d", doc, pos)[0]
        elif kind == 0x08:
            out[name] = doc[pos] != 0
        elif kind == 0x10:
            out[name] = struct.unpack_from("<i", doc, pos)[0]
        elif kind == 0x12:
            out[name] = struct.unpack_from("<q", doc, pos)[0]
        if kind in _FIXED:
            pos += _FIXED[kind]
        elif kind in (0x02, 0x0D, 0x0E):  # string, JavaScript, symbol
            (n,) = struct.unpack_from("<i", doc, pos)
            if kind == 0x02:
                out[name] = doc[pos + 4 : pos + 3 + n].decode(errors="replace")
            pos += 4 + n
        elif kind in (0x03, 0x04, 0x0F):  # document, array, code with scope
            pos += struct.unpack_from("<i", doc, pos)[0]
        elif kind == 0x05:  # binary: length, subtype, bytes
            pos += 5 + struct.unpack_from("<i", doc, pos)[0]
        elif kind == 0x0B:  # regex: two cstrings
            pos = doc.index(b"\x00", doc.index(b"\x00", pos) + 1) + 1
        else:
            raise ProbeError(f"unsupported BSON type 0x{kind:02x} in reply")
    return out


def probe_mongo(target: str, timeout: float) -> str:
    """Send OP_MSG {ping: 1, $db: "admin"} and check the reply has ok: 1."""
    host, port = _split_hostport(target)
    request_id = next(_request_ids)
    body = struct.pack("<I", 0) + b"\x00" + _bson_ping("admin")  # flagBits, section kind 0
    header = struct.pack("<iiii", 16 + len(body), request_id, 0, _OP_MSG)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.settimeout(timeout)
        sock.sendall(header + body)
        length, _, response_to, opcode = struct.unpack("<iiii", _recv_exact(sock, 16))
        if not 21 <= length <= 48 << 20:
            raise ProbeError(f"implausible MongoDB message length {length}")
        rest = _recv_exact(sock, length - 16)
    if opcode != _OP_MSG or response_to != request_id:
        raise ProbeError(f"unexpected reply (opCode {opcode}, responseTo {response_to})")
    if rest[4] != 0:
        raise ProbeError(f"unexpected OP_MSG section kind {rest[4]}")
    (doc_len,) = struct.unpack_from("<i", rest, 5)
    reply = _bson_top_level(rest[5 : 5 + doc_len])
    if reply.get("ok") not in (1, 1.0, True):
        raise ProbeError(f"ping failed: {reply}")
    return "ok: 1"


# --- HTTP ------------------------------------------------------------------


def probe_http(url: str, timeout: float) -> str:
    """GET the URL; only a 2xx status counts (urllib raises on 4xx/5xx)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"expected an http(s) URL, got {url!r}")
    req = urllib.request.Request(url, headers={"User-Agent": "jf-probe"})  # noqa: S310 (scheme checked)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 (scheme checked)
            status = resp.status
    except urllib.error.HTTPError as exc:
        raise ProbeError(f"HTTP {exc.code}") from None
    if not 200 <= status < 300:
        raise ProbeError(f"HTTP {status}")
    return f"HTTP {status}"


PROBES = {"kafka": probe_kafka, "mongo": probe_mongo, "http": probe_http}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(PROBES))
    parser.add_argument("target", help="HOST:PORT, or a URL for http")
    parser.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="retry until ready or this many seconds have passed",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=3.0,
        metavar="SECONDS",
        help="per-attempt socket timeout (default 3)",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    probe = PROBES[args.kind]
    if args.kind != "http":
        try:
            _split_hostport(args.target)
        except argparse.ArgumentTypeError as exc:
            parser.error(str(exc))

    deadline = time.monotonic() + args.wait
    while True:
        remaining = deadline - time.monotonic()
        try:
            detail = probe(
                args.target, max(0.2, min(args.timeout, remaining)) if args.wait else args.timeout
            )
        except (OSError, ProbeError, struct.error, ValueError, IndexError) as exc:
            if time.monotonic() + 0.25 >= deadline:
                print(f"{args.kind} {args.target}: not ready: {exc}", file=sys.stderr)
                return 1
            time.sleep(0.25)
            continue
        if not args.quiet:
            print(f"{args.kind} {args.target}: ready ({detail})")
        return 0


if __name__ == "__main__":
    sys.exit(main())
