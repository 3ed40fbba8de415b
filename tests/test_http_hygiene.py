"""Issue #15, finding 7: the HTTP endpoint of a real `gaorec serve`. The
signature is checked before the body is parsed (401 for anything unsigned or
malformed), bodies are capped, no body or token reaches the log, and slow
clients (150 connections trickling a body) neither lock Slack out nor stay
past the request deadline (GAOREC_REQUEST_DEADLINE, shortened here)."""
from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from bench.generate import export

from .fakeslack import FakeSlack, command_body, post, signed_headers
from .slackserver import SECRET, ServeProcess

pytestmark = pytest.mark.sqlite_only  # the HTTP endpoint

FORM = "application/x-www-form-urlencoded"
LEGACY = "legacyVerificationTok3n9"
MARK = "zqx-body-marker-7731"
DEADLINE = 5  # GAOREC_REQUEST_DEADLINE of the served process (15 s by default): room for 3 commands, then dropped


@pytest.fixture
def served(app, tmp_path):
    fake = FakeSlack().start()
    src = tmp_path / "recs.csv"
    src.write_bytes(export(60))
    app.import_sources([str(src)])
    proc = ServeProcess(app.db.url, fake.api_url, extra_env={"GAOREC_REQUEST_DEADLINE": str(DEADLINE)})
    yield proc, fake
    proc.stop()
    fake.stop()


def raw_post(port: int, body: bytes, headers: dict, *, send_body: bool = True) -> int:
    """POST exactly these bytes (no client-side validation) and return the status."""
    head = ["POST /slack/events HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}",
            "Connection: close", *(f"{k}: {v}" for k, v in headers.items())]
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + (body if send_body else body[:1024]))
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1])


def test_unsigned_or_malformed_bodies_get_401_and_leave_no_body_or_token_in_the_log(served):
    proc, fake = served
    port = proc.port
    forged = f"token={LEGACY}&text={MARK}\n2026-11-28 12:00:00 INFO gaorec.slack FORGED admin granted".encode()
    cases = [
        (b'{"type": "event_callback", "event": ', {"Content-Type": "application/json"}),  # truncated JSON
        (b"payload=%7Bnot-json", {"Content-Type": FORM}),
        (b"\xff\xfe\x00garbage" + MARK.encode(), {"Content-Type": FORM}),
        (forged, {"Content-Type": FORM}),
        (forged, {"Content-Type": FORM, "X-Slack-Request-Timestamp": "not-a-number", "X-Slack-Signature": "v0=zz"}),
        (forged, {"Content-Type": FORM, "X-Slack-Request-Timestamp": str(int(time.time())),
                  "X-Slack-Signature": "v0=" + "0" * 64}),
        (b"{" * 5000 + MARK.encode(), {"Content-Type": "application/json",
                                       "X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "x"}),
    ]
    for body, headers in cases:
        assert raw_post(port, body, headers) == 401, body[:40]
    # signed by Slack's secret but not Slack's format: refused as malformed, never a 500
    bad = '{"type": "event_callback", "event": '
    assert raw_post(port, bad.encode(), signed_headers(SECRET, bad, content_type="application/json")) == 400
    # a body over the cap is refused without being read
    huge = b"x" * (2 << 20)
    assert raw_post(port, huge, {"Content-Type": FORM}, send_body=False) == 413
    # a valid command that carries the legacy token still works, and the token is not logged either
    body = command_body(MARK, response_url=fake.response_url()).replace("legacy-unused", LEGACY)
    assert post(proc.url, body, signed_headers(SECRET, body, content_type=FORM))[0] == 200
    fake.wait_for("response_url")
    time.sleep(0.5)
    log = proc.log
    assert "refused POST /slack/events" in log and "unsigned" in log
    assert MARK not in log and LEGACY not in log, log
    assert "FORGED" not in log and "Traceback" not in log
    for line in log.splitlines():  # every line is one of ours: a timestamp, a level, a logger
        assert line.startswith(("gaorec:", "20")), line


def still_open(s: socket.socket) -> bool:
    """Nothing to read and no end of stream: the server keeps the connection."""
    s.setblocking(False)
    try:
        return s.recv(1, socket.MSG_PEEK) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        s.setblocking(True)


def test_commands_are_answered_while_150_slow_connections_trickle(served):
    proc, fake = served
    stop = threading.Event()
    socks: list[socket.socket] = []
    for _ in range(150):
        s = socket.create_connection(("127.0.0.1", proc.port), timeout=5)
        s.sendall(b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 100000\r\n\r\n{")
        socks.append(s)

    def trickle():
        while not stop.wait(0.5):
            for s in socks:
                try:
                    s.send(b" ")
                except OSError:
                    pass

    t = threading.Thread(target=trickle, daemon=True)
    t.start()
    try:
        # a command's connection is accepted after the 150 before it (waitress takes them in order from the
        # listen queue), so a command answered proves the 150 were taken and did not lock Slack out
        for n in range(3):
            body = command_body("oversight", response_url=fake.response_url(f"slow{n}"))
            status, _, seconds = post(proc.url, body, signed_headers(SECRET, body, content_type=FORM), timeout=5)
            assert status == 200 and seconds < 3
        assert len(fake.wait_for("response_url", 3, timeout=15)) == 3
        with __import__("urllib.request").request.urlopen(f"http://127.0.0.1:{proc.port}/healthz", timeout=5) as r:
            assert json.loads(r.read())["ok"] is True
        assert still_open(socks[0]) and still_open(socks[-1]), "dropped before the commands were answered"
        # and they do not stay: past the request deadline, waitress drops them
        deadline = time.time() + 40
        closed = 0
        for s in socks:
            s.settimeout(max(0.1, deadline - time.time()))
            try:
                while s.recv(4096):
                    pass
                closed += 1
            except (ConnectionResetError, BrokenPipeError):
                closed += 1
            except TimeoutError:
                break
        assert closed == 150
    finally:
        stop.set()
        t.join(5)
        for s in socks:
            s.close()
