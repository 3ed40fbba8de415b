"""The HTTP door in front of Bolt: the body is capped, read whole, and its
Slack signature checked BEFORE anything parses it; unsigned, badly signed,
oversized or malformed requests get 401/413/400 and one log line that holds
no body and no token. Plus waitress settings that bound slow clients: an idle
timeout, a deadline for reading one request, and a connection limit above the
150 slow connections one client can open."""
from __future__ import annotations

import io
import json
import logging
import re
import time

from slack_sdk.signature import SignatureVerifier

from ..words import plural

log = logging.getLogger("gaorec.http")

MAX_BODY = 1 << 20  # 1 MiB: Slack's largest payloads (a block action on a 50-block message) are far smaller
CHANNEL_TIMEOUT = 30  # seconds a connection may sit idle
REQUEST_DEADLINE = 15.0  # seconds a client may take to send one whole request (GAOREC_REQUEST_DEADLINE)
CONNECTION_LIMIT = 1000  # waitress's default, 100, is what 150 slow connections exhausted
CLEANUP_INTERVAL = 2  # how often waitress looks for channels past those limits


def _answer(start_response, status: str, body: dict):
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


def parse(raw: str, content_type: str | None) -> dict:
    """Bolt's own parsing (slack_bolt.request.internals.parse_body), checked: a dict, or ValueError."""
    from slack_bolt.request.internals import parse_body

    body = parse_body(raw, content_type)
    if not isinstance(body, dict):
        raise ValueError("not an object")
    return body


def guard(inner, signing_secret: str | None, *, max_body: int = MAX_BODY, path: str = "/slack/events"):
    """WSGI middleware for POST `path`: cap, verify, check it parses, then hand Bolt the bytes it was given."""
    verifier = SignatureVerifier(signing_secret) if signing_secret else None

    def refuse(environ, start_response, status: str, why: str, size: int):
        log.info("refused %s %s from %s: %s (%d bytes)", environ.get("REQUEST_METHOD"), path,
                 environ.get("REMOTE_ADDR", "?"), why, size)
        return _answer(start_response, status, {"error": "invalid request" if status.startswith("401")
                                                 else why})

    def application(environ, start_response):
        if environ.get("PATH_INFO") != path or environ.get("REQUEST_METHOD") != "POST":
            return inner(environ, start_response)
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return refuse(environ, start_response, "400 Bad Request", "bad Content-Length", 0)
        if length > max_body:
            return refuse(environ, start_response, "413 Payload Too Large", "body too large", length)
        raw = environ["wsgi.input"].read(length) if length > 0 else b""
        timestamp = environ.get("HTTP_X_SLACK_REQUEST_TIMESTAMP") or ""
        signature = environ.get("HTTP_X_SLACK_SIGNATURE") or ""
        if verifier is None or not timestamp.isdigit() or not signature.startswith("v0="):
            return refuse(environ, start_response, "401 Unauthorized", "unsigned", len(raw))
        try:
            valid = verifier.is_valid(raw, timestamp, signature)
        except Exception:  # noqa: BLE001 - whatever the bytes, a bad signature is a 401
            valid = False
        if not valid:
            return refuse(environ, start_response, "401 Unauthorized", "bad signature or stale timestamp", len(raw))
        try:
            parse(raw.decode("utf-8"), environ.get("CONTENT_TYPE"))
        except Exception:  # noqa: BLE001 - signed but not Slack's format: refuse, do not crash in Bolt
            return refuse(environ, start_response, "400 Bad Request", "malformed body", len(raw))
        environ["wsgi.input"] = io.BytesIO(raw)
        environ["CONTENT_LENGTH"] = str(len(raw))
        return inner(environ, start_response)

    return application


def create_server(application, host: str, port: int, threads: int, *, deadline: float = REQUEST_DEADLINE):
    """waitress with the limits above, and a deadline (seconds) for reading a request (waitress has none of its
    own: a client that trickles a body one byte a second would hold its connection for as long as it likes)."""
    from waitress.server import BaseWSGIServer, create_server as waitress_server
    from waitress.channel import HTTPChannel

    class DeadlineChannel(HTTPChannel):
        request_started: float | None = None

        def received(self, data):
            if self.request is None and data:
                self.request_started = time.monotonic()
            return super().received(data)

    server = waitress_server(application, host=host, port=port, threads=threads, ident="gaorec",
                             max_request_body_size=MAX_BODY, channel_timeout=CHANNEL_TIMEOUT,
                             connection_limit=CONNECTION_LIMIT, cleanup_interval=CLEANUP_INTERVAL)
    assert isinstance(server, BaseWSGIServer)  # one host and port: one server, not a MultiSocketServer
    server.channel_class = DeadlineChannel
    maintenance = server.maintenance

    def with_deadline(now):
        maintenance(now)
        late = time.monotonic() - deadline
        channels: dict[int, HTTPChannel] = server.active_channels  # type: ignore[assignment]  # a dict (stub is wrong)
        for channel in list(channels.values()):
            started = getattr(channel, "request_started", None)
            if channel.request is not None and not channel.requests and started is not None and started < late:
                channel.will_close = True  # a request still incomplete after the deadline: drop it

    server.maintenance = with_deadline  # type: ignore[method-assign]  # waitress has no hook: wrapped in place
    return server


# -- logs ------------------------------------------------------------------------

SECRET_RE = re.compile(r"(xox[a-z]-[A-Za-z0-9-]+|xapp-[A-Za-z0-9-]+|(?<![a-z])token(?:\"|')?\s*[=:]\s*(?:\"|')?"
                       r"[^\s\"'&,}]+)", re.IGNORECASE)
MAX_LINE = 2000


class Hygiene(logging.Filter):
    """Every log line: tokens and given secrets redacted, control characters (a forged second line) escaped,
    and at most MAX_LINE characters. Formats the message once and freezes it in the record."""

    def __init__(self, secrets: list[str] | None = None):
        super().__init__()
        self.secrets = [s for s in (secrets or []) if s and len(s) >= 8]

    def clean(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "[secret]")
        text = SECRET_RE.sub(lambda m: "token=[redacted]" if m.group(0).lower().startswith("token")
                             else m.group(0)[:5] + "[redacted]", text)
        text = text.replace("\r", "\\r").replace("\n", "\\n")
        text = "".join(c if c >= " " or c == "\t" else f"\\x{ord(c):02x}" for c in text)
        if len(text) <= MAX_LINE:
            return text
        return text[:MAX_LINE] + f"… [{plural(len(text) - MAX_LINE, 'more character')}]"

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string still logs something
            message = str(record.msg)
        record.msg, record.args = self.clean(message), None
        return True

