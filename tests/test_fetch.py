"""URL import against a local HTTP server: polite, and clear about 403s."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bot.gao.fetch import fetch
from bot.gao.records import ParseError

from .conftest import FIXTURES

pytestmark = pytest.mark.sqlite_only  # HTTP fetching


class Handler(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        Handler.seen.append({"path": self.path, "ua": self.headers.get("User-Agent")})
        if self.path == "/products/gao-24-900101":
            body = (FIXTURES / "report-page.html").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path == "/blocked":
            self.send_response(403)
            self.end_headers()
        else:
            self.send_response(404)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    t = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    t.start()
    Handler.seen = []
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_fetch_and_import_a_report_page(server, app):
    app.settings.contact = "liaison@agency.example"
    s = app.import_sources([f"{server}/products/gao-24-900101"])
    assert s.new == 3
    assert len(Handler.seen) == 1  # one request, no retries
    assert "gaorec/" in Handler.seen[0]["ua"] and "liaison@agency.example" in Handler.seen[0]["ua"]


def test_403_says_what_to_do(server):
    with pytest.raises(ParseError) as exc:
        fetch(f"{server}/blocked")
    msg = str(exc.value)
    assert "403" in msg and "Save the page" in msg and "CSV export" in msg
    assert len(Handler.seen) == 1


def test_404_and_unreachable(server):
    with pytest.raises(ParseError, match="404"):
        fetch(f"{server}/nothing")
    with pytest.raises(ParseError, match="could not fetch"):
        fetch("http://127.0.0.1:9/", timeout=2)
    with pytest.raises(ParseError, match="only http"):
        fetch("file:///etc/passwd")
