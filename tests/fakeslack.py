"""A recording fake of the Slack Web API on 127.0.0.1 (port 0), reached by the
real slack_sdk WebClient through SLACK_API_URL. It records every call, can
answer 429 (with Retry-After), 5xx or drop the connection on demand, and
serves response_url posts. It pages conversations.history and .replies as
Slack does (limit, oldest, cursor, response_metadata.next_cursor), knows which
channels the app is a member of (for channels declared with channel(): posts
elsewhere get not_in_channel / channel_not_found), and user groups
(usergroups.users.list). Plus helpers that sign requests exactly as Slack
does.

What the user sees of a slash command is one list, ``of("response_url")``, as
in Slack, where an answer in the acknowledgement's body and one posted to the
response URL look the same: ``post()`` (HTTP) and FakeSocketMode (an ack
envelope's payload) record an answer given in the ack there too, marked with
the header ``X-Answered-In: ack`` (``answered_in_ack(call)``)."""
from __future__ import annotations

import base64
import itertools
import json
import threading
import time
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from slack_sdk.signature import SignatureVerifier


LIVE: dict[str, "FakeSlack"] = {}  # base URL -> running fake: where an answer given in an ack is recorded


def answered_in_ack(call: Call) -> bool:
    return call.headers.get("X-Answered-In") == "ack"


def record_ack_answer(response_url: str | None, answer) -> bool:
    """An acknowledgement that carries the answer: record it as what the user sees (see the module's doc)."""
    if not response_url or not isinstance(answer, dict) or not (answer.get("text") or answer.get("blocks")):
        return False
    fake = next((f for base, f in list(LIVE.items()) if response_url.startswith(base + "/response/")), None)
    if fake is None:
        return False
    with fake._cond:
        fake.calls.append(Call("response_url", dict(answer), {"X-Answered-In": "ack"},
                               path=urllib.parse.urlsplit(response_url).path))
        fake._cond.notify_all()
    return True


@dataclass
class Call:
    method: str  # "chat.postMessage", or "response_url" for posts to a response URL
    params: dict
    headers: dict
    at: float = field(default_factory=time.time)
    path: str = ""  # the URL path (which response URL was posted to)


class FakeSlack:
    def __init__(self, users: dict[str, dict] | None = None, team_id: str = "T0001"):
        self.calls: list[Call] = []
        self.users = users or {}
        self.team_id = team_id
        self.member_of: dict[str, list[str]] = {}  # user -> channel ids (users.conversations)
        self.socket_url: str | None = None  # what apps.connections.open answers (a FakeSocketMode's url)
        self.failures: dict[str, list[tuple]] = defaultdict(list)
        self.delays: dict[str, list[float]] = defaultdict(list)
        self.messages: dict[str, list[dict]] = defaultdict(list)  # channel -> posted messages
        self.channels: dict[str, dict] = {}  # declared channels: id -> {"private": bool, "member": bool}
        self.groups: dict[str, list[str]] = {}  # user group id -> member user ids
        self.bot_user = "UBOT"
        self._ts = itertools.count(1)
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        # shutdown() waits for the serving loop to look up: every 20 ms, not the default 0.5 s, per fake
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    # -- control -------------------------------------------------------------
    def start(self) -> FakeSlack:
        self.thread.start()
        LIVE[self.base] = self
        return self

    def stop(self) -> None:
        LIVE.pop(self.base, None)
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def api_url(self) -> str:
        return self.base + "/api/"

    def response_url(self, name: str = "1") -> str:
        return f"{self.base}/response/{name}"

    def posts(self, channel: str | None = None, *, top_level: bool | None = None) -> list[dict]:
        """Messages Slack accepted (chat.postMessage), optionally by channel and thread level."""
        with self._lock:
            out = [m | {"channel": ch} for ch, ms in self.messages.items() for m in ms if ch != "__ephemeral__"]
        if channel is not None:
            out = [m for m in out if m["channel"] == channel]
        if top_level is not None:
            out = [m for m in out if (not m.get("thread_ts")) == top_level]
        return sorted(out, key=lambda m: m["ts"])

    def channel(self, channel_id: str, *, private: bool = False, member: bool = False) -> None:
        """Declare a channel and whether the app is in it (undeclared channels: the app is a member)."""
        self.channels[channel_id] = {"private": private, "member": member}

    def invite(self, channel_id: str) -> None:
        """Someone invites the app (as /invite @gaorec does); send member_joined_channel yourself."""
        self.channels.setdefault(channel_id, {"private": False})["member"] = True

    def chatter(self, channel: str, n: int, user: str = "U0TALK") -> None:
        """n messages by people in the channel, newer than everything posted so far."""
        with self._lock:
            for i in range(n):
                ts = f"{int(time.time())}.{next(self._ts):06d}"
                self.messages[channel].append({"ts": ts, "text": f"chatter {i}", "user": user, "blocks": None,
                                               "thread_ts": None, "metadata": None, "reply_broadcast": None})

    def delay(self, method: str, seconds: float, *, times: int = 1) -> None:
        """The next `times` calls of `method` take effect at once but are answered `seconds` later."""
        self.delays[method].extend([seconds] * times)

    def fail(self, method: str, status: int, *, times: int = 1, retry_after: int | None = None,
             body: dict | None = None, reset: bool = False, after_effect: bool = False) -> None:
        """The next `times` calls of `method` answer `status` (or drop the connection with reset=True)."""
        for _ in range(times):
            self.failures[method].append((status, retry_after, body, reset, after_effect))

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int = 1, timeout: float = 10.0) -> list[Call]:
        deadline = time.time() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError(f"expected {count} {method} call(s), saw {len(found)}: "
                                         f"{[c.method for c in self.calls]}")
                self._cond.wait(left)

    # -- the server ---------------------------------------------------------
    @staticmethod
    def _tskey(ts) -> tuple[int, int]:
        sec, _, frac = str(ts).partition(".")
        return int(sec or 0), int((frac + "000000")[:6])

    def _page(self, msgs: list[dict], params: dict, *, newest_first: bool) -> dict:
        """Slack's cursor pagination: limit (default 100, at most 999), oldest / latest, an opaque cursor."""
        oldest = params.get("oldest")
        latest = params.get("latest")
        if oldest:
            msgs = [m for m in msgs if self._tskey(m["ts"]) > self._tskey(oldest)]
        if latest:
            msgs = [m for m in msgs if self._tskey(m["ts"]) < self._tskey(latest)]
        msgs = sorted(msgs, key=lambda m: self._tskey(m["ts"]), reverse=newest_first)
        cursor = params.get("cursor")
        if cursor:  # the ts of the first message of this page
            start = base64.b64decode(cursor).decode().split(":", 1)[1]
            msgs = msgs[next((i for i, m in enumerate(msgs) if m["ts"] == start), len(msgs)):]
        limit = max(1, min(int(params.get("limit") or 100), 999))
        page, rest = msgs[:limit], msgs[limit:]
        nxt = base64.b64encode(f"next_ts:{rest[0]['ts']}".encode()).decode() if rest else ""
        return {"ok": True, "messages": page, "has_more": bool(rest), "response_metadata": {"next_cursor": nxt}}

    def _refusal(self, channel: str | None) -> str | None:
        info = self.channels.get(channel or "")
        if info is None or info.get("member"):
            return None
        return "channel_not_found" if info.get("private") else "not_in_channel"

    def _answer(self, method: str, params: dict) -> dict:
        if method == "users.conversations":
            return {"ok": True, "channels": [{"id": c} for c in self.member_of.get(params.get("user"), [])]}
        if method == "conversations.open":
            return {"ok": True, "channel": {"id": "D" + str(params.get("users", "X"))[1:]}}
        if method == "files.getUploadURLExternal":
            return {"ok": True, "upload_url": f"{self.base}/upload/{params.get('filename')}", "file_id": "F0001"}
        if method == "files.completeUploadExternal":
            return {"ok": True, "files": [{"id": "F0001", "title": "export"}]}
        if method == "apps.connections.open":
            return {"ok": True, "url": self.socket_url} if self.socket_url else {"ok": False, "error": "invalid_auth"}
        if method == "auth.test":
            return {"ok": True, "url": "https://fake.slack/", "team": "Fake", "user": "gaorec", "team_id": self.team_id,
                    "user_id": "UBOT", "bot_id": "BBOT"}
        if method == "users.info":
            uid = params.get("user")
            user = {"id": uid, "name": uid, "is_admin": False, "is_owner": False, **self.users.get(uid, {})}
            return {"ok": True, "user": user}
        if method == "usergroups.users.list":
            group = params.get("usergroup")
            if group not in self.groups:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(self.groups[group])}
        if method == "conversations.info":
            cid = params.get("channel")
            info = self.channels.get(cid, {"private": False, "member": True})
            if info.get("private") and not info.get("member"):
                return {"ok": False, "error": "channel_not_found"}
            return {"ok": True, "channel": {"id": cid, "is_private": info.get("private", False),
                                            "is_member": bool(info.get("member")), "is_archived": False}}
        if method == "conversations.join":
            cid = params.get("channel")
            info = self.channels.setdefault(cid, {"private": False, "member": True})
            if info.get("private") and not info.get("member"):
                return {"ok": False, "error": "channel_not_found"}
            info["member"] = True
            return {"ok": True, "channel": {"id": cid}}
        if method == "chat.postMessage" and self._refusal(params.get("channel")):
            return {"ok": False, "error": self._refusal(params.get("channel"))}
        if method in ("chat.postMessage", "chat.postEphemeral"):
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            channel = params.get("channel") if method == "chat.postMessage" else "__ephemeral__"
            msg = {"ts": ts, "text": params.get("text"), "blocks": params.get("blocks"),
                   "thread_ts": params.get("thread_ts"), "metadata": params.get("metadata"),
                   "reply_broadcast": params.get("reply_broadcast")}
            self.messages[channel].append(msg)
            return {"ok": True, "channel": channel, "ts": ts, "message": msg} if method == "chat.postMessage" \
                else {"ok": True, "message_ts": ts}
        if method == "chat.update":
            return {"ok": True, "channel": params.get("channel"), "ts": params.get("ts")}
        if method == "conversations.history":
            channel = params.get("channel")
            with self._lock:
                top = [m for m in self.messages.get(channel, []) if not m.get("thread_ts")]
            return self._page(top, params, newest_first=True)
        if method == "conversations.replies":
            channel, ts = params.get("channel"), params.get("ts")
            with self._lock:
                parent = [m for m in self.messages.get(channel, []) if m["ts"] == ts]
                replies = [m for m in self.messages.get(channel, []) if m.get("thread_ts") == ts and m["ts"] != ts]
            page = self._page(replies, params, newest_first=False)
            page["messages"] = parent + page["messages"]  # Slack always leads with the parent
            return page
        return {"ok": True}

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw_bytes = self.rfile.read(length) if length else b""
                raw = raw_bytes.decode("utf-8", "replace")
                ctype = self.headers.get("Content-Type", "")
                if self.path.startswith("/upload/"):
                    params = {}
                elif "json" in ctype:
                    params = json.loads(raw or "{}")
                else:
                    params = {k: v[0] for k, v in urllib.parse.parse_qs(raw).items()}
                    for k in ("blocks", "attachments", "unfurls", "metadata", "view"):
                        if isinstance(params.get(k), str):
                            try:
                                params[k] = json.loads(params[k])
                            except ValueError:
                                pass
                if self.path.startswith("/upload/"):
                    method = "file_upload"
                    params = {"path": self.path, "size": length, "bytes": raw_bytes}
                elif self.path.startswith("/response/"):
                    method = "response_url"
                elif self.path.startswith("/api/"):
                    method = self.path[len("/api/"):].split("?")[0]
                else:
                    self.send_error(404)
                    return
                with fake._cond:
                    failure = fake.failures[method].pop(0) if fake.failures[method] else None
                    fake.calls.append(Call(method, params, dict(self.headers), path=self.path))
                    fake._cond.notify_all()
                if failure and failure[4]:  # the call takes effect, then the answer is lost
                    fake._answer(method, params)
                if failure:
                    status, retry_after, body, reset, _ = failure
                    if reset:
                        self.close_connection = True
                        self.connection.shutdown(2)
                        return
                    data = json.dumps(body or {"ok": False, "error": "fake_failure"}).encode()
                    self.send_response(status)
                    if retry_after is not None:
                        self.send_header("Retry-After", str(retry_after))
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                data = json.dumps(fake._answer(method, params) if method != "response_url" else {"ok": True}).encode()
                with fake._lock:
                    pause = fake.delays[method].pop(0) if fake.delays[method] else 0
                if pause:
                    time.sleep(pause)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


# -- signed requests, as Slack sends them ----------------------------------------

def signed_headers(secret: str, body: str, *, timestamp: int | None = None, content_type: str) -> dict:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    sig = SignatureVerifier(secret).generate_signature(timestamp=ts, body=body)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig, "Content-Type": content_type}


def post(url: str, body: str, headers: dict, timeout: float = 10.0) -> tuple[int, str, float]:
    """POST; returns (status, body, seconds)."""
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, text, seconds = resp.status, resp.read().decode(), time.perf_counter() - started
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), time.perf_counter() - started
    if status == 200 and text.startswith("{") and "urlencoded" in headers.get("Content-Type", ""):
        form = urllib.parse.parse_qs(body)
        if form.get("command"):  # a slash command: an answer in the ack is what the user sees
            try:
                record_ack_answer(form.get("response_url", [None])[0], json.loads(text))
            except ValueError:
                pass
    return status, text, seconds


def command_body(text: str, *, user_id: str = "U0USER", channel_id: str = "C0001", response_url: str,
                 command: str = "/gaorec", team_id: str = "T0001") -> str:
    return urllib.parse.urlencode({
        "token": "legacy-unused", "team_id": team_id, "team_domain": "fake", "channel_id": channel_id,
        "channel_name": "general", "user_id": user_id, "user_name": user_id.lower(), "command": command,
        "text": text, "api_app_id": "A0001", "response_url": response_url, "trigger_id": "1.2.3",
    })


def action_body(action_id: str, value: str, *, user_id: str = "U0USER", channel_id: str = "C0001",
                response_url: str, message_ts: str | None = None) -> str:
    payload = {
        "type": "block_actions", "team": {"id": "T0001"}, "user": {"id": user_id, "username": user_id.lower()},
        "api_app_id": "A0001", "token": "legacy-unused", "trigger_id": "1.2.3", "response_url": response_url,
        "channel": {"id": channel_id}, "container": {"type": "message", "message_ts": message_ts or "1.000001",
                                                      "channel_id": channel_id},
        "message": {"ts": message_ts or "1.000001", "text": "x"},
        "actions": [{"action_id": action_id, "block_id": "b", "type": "button", "value": value,
                     "action_ts": str(time.time())}],
    }
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def event_body(event: dict, *, event_id: str, team_id: str = "T0001") -> str:
    return json.dumps({"token": "legacy-unused", "team_id": team_id, "api_app_id": "A0001", "event": event,
                       "type": "event_callback", "event_id": event_id, "event_time": int(time.time()),
                       "authorizations": [{"team_id": team_id, "user_id": "UBOT", "is_bot": True}]})
