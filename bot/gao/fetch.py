"""The only HTTP client code: fetch a GAO page or export, politely.

One request, an identifying User-Agent with a contact, a timeout, no retries.
gao.gov often answers plain clients with 403: that is reported with what to
do instead."""
from __future__ import annotations

import urllib.error
import urllib.request

from .records import ParseError

MAX_BYTES = 200 * 1024 * 1024
VERSION = "0.1.0"


def user_agent(contact: str | None) -> str:
    return f"gaorec/{VERSION} (GAO recommendations tracker; contact: {contact or 'not configured'})"


def fetch(url: str, *, contact: str | None = None, timeout: float = 30.0) -> bytes:
    if not url.lower().startswith(("http://", "https://")):
        raise ParseError(url, "only http:// and https:// URLs can be fetched")
    req = urllib.request.Request(url, headers={"User-Agent": user_agent(contact),
                                               "Accept": "text/html,text/csv,text/plain;q=0.9,*/*;q=0.5"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - http(s) only, checked above
            data = resp.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        if exc.code in (401, 403, 429):
            raise ParseError(url, f"the server answered {exc.code} {exc.reason}: gao.gov often refuses automated "
                                  "clients. Save the page from your browser (or copy its text into a file) and "
                                  "import the file, or download GAO's CSV export and import that") from None
        raise ParseError(url, f"the server answered {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ParseError(url, f"could not fetch: {reason}") from None
    if len(data) > MAX_BYTES:
        raise ParseError(url, f"larger than {MAX_BYTES // 1_000_000} MB; not imported")
    return data
