"""The Slack app: ``create_app(settings, client=None)`` builds it; ``serve``
runs it over HTTP (waitress + Bolt's WSGI adapter: POST /slack/events,
GET /healthz) or, with SLACK_APP_TOKEN, over Socket Mode.

/gaorec is answered in its acknowledgement when the answer is ready in time
(listeners/commands); events and buttons are acknowledged at once
(process_before_response with lazy listeners: the work runs after the 200). Slack's
retries of an event are processed once (event ids are recorded). The
WebClient retries 429s after Retry-After, 5xx and connection errors."""
from __future__ import annotations

import json
import logging
import sys

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler, RateLimitErrorRetryHandler, ServerErrorRetryHandler,
)

from config.settings import Settings

from ..blocks.render import render
from ..listeners import register
from ..listeners.context import Context, SlackPeople
from ..service import Gaorec

log = logging.getLogger("gaorec.slack")


class MissingSettings(RuntimeError):
    pass


HOW_TO = {
    "SLACK_BOT_TOKEN": "the Bot User OAuth Token (xoxb-…): your app's page at api.slack.com/apps → OAuth & Permissions",
    "SLACK_SIGNING_SECRET": "Basic Information → App Credentials → Signing Secret",
    "SLACK_APP_TOKEN": "for Socket Mode: Basic Information → App-Level Tokens, scope connections:write (xapp-…)",
}


def check_settings(settings: Settings) -> None:
    """Name every missing setting and where to find it, in one line; refuse tokens of the wrong kind."""
    need = ["SLACK_BOT_TOKEN"]
    if not settings.slack_app_token:
        need.append("SLACK_SIGNING_SECRET")
    missing = [n for n in need if not getattr(settings, n.lower())]
    if missing:
        raise MissingSettings(
            "gaorec serve needs Slack credentials; missing " + "; ".join(f"{n}: {HOW_TO[n]}" for n in missing) +
            " (create the app from config/slack-manifest.yml; without Slack, try gaorec shell)")
    assert settings.slack_bot_token is not None  # in `missing` above otherwise
    bot = settings.slack_bot_token.get_secret_value().strip()
    if not bot.removeprefix("xoxe.").startswith("xoxb-"):
        kind = KINDS.get(bot[:5], "not a Slack bot token")
        raise MissingSettings(f"SLACK_BOT_TOKEN is {kind}; use {HOW_TO['SLACK_BOT_TOKEN']}")
    if settings.slack_app_token:
        app_token = settings.slack_app_token.get_secret_value().strip()
        if not app_token.startswith("xapp-"):
            kind = KINDS.get(app_token[:5], "not a Slack app-level token")
            raise MissingSettings(f"SLACK_APP_TOKEN is {kind}; use {HOW_TO['SLACK_APP_TOKEN']}")


KINDS = {"xoxp-": "a user token (xoxp-…)", "xoxb-": "a bot token (xoxb-…)", "xapp-": "an app-level token (xapp-…)",
         "xoxa-": "a workspace app token (xoxa-…)", "xoxc-": "a browser session token (xoxc-…)"}


def verify_slack(settings: Settings, client: WebClient) -> dict:
    """auth.test before anything reports healthy: Slack answers, and the token is a bot's. MissingSettings with one
    line otherwise."""
    from slack_sdk.errors import SlackApiError

    url = settings.slack_api_url
    quiet = logging.getLogger("gaorec.slack.probe")  # the failure is reported in one line below
    quiet.propagate, quiet.disabled = False, True
    probe = WebClient(token=client.token, base_url=client.base_url, timeout=10, retry_handlers=[], logger=quiet)
    try:
        resp = probe.auth_test()
    except SlackApiError as exc:
        code = exc.response.get("error") if hasattr(exc.response, "get") else None
        if code in ("invalid_auth", "not_authed", "token_revoked", "account_inactive", "token_expired"):
            raise MissingSettings(f"SLACK_BOT_TOKEN was refused by Slack at {url} ({code}): copy it again from "
                                  "OAuth & Permissions, or reinstall the app") from None
        raise MissingSettings(f"Slack at {url} refused auth.test ({code or exc.response.status_code}); "
                              "check SLACK_API_URL and SLACK_BOT_TOKEN") from None
    except Exception as exc:  # noqa: BLE001 - unreachable, a proxy's error page, not Slack at all
        reason = " ".join(str(getattr(exc, "reason", None) or exc).split())[:160] or type(exc).__name__
        raise MissingSettings(f"Slack is unreachable at SLACK_API_URL {url} ({reason}); check the URL "
                              "(GovSlack: https://slack-gov.com/api/), the network and any proxy") from None
    if not resp.get("bot_id"):
        raise MissingSettings("SLACK_BOT_TOKEN is not a bot's token (auth.test names no bot); use the Bot User "
                              "OAuth Token (xoxb-…) from OAuth & Permissions")
    data = getattr(resp, "data", None)
    return data if isinstance(data, dict) else dict(resp)


def make_client(settings: Settings) -> WebClient:
    """The real WebClient, pointed at SLACK_API_URL (GovSlack, or a local fake in tests), with retries."""
    token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
    client = WebClient(token=token, base_url=settings.slack_api_url, timeout=15)
    client.retry_handlers = [
        ConnectionErrorRetryHandler(max_retry_count=2),
        RateLimitErrorRetryHandler(max_retry_count=3),
        ServerErrorRetryHandler(max_retry_count=2),
    ]
    return client


class GaorecApp(App):
    """Bolt's App, with gaorec's listener context at hand (for tests and the scheduler)."""
    gaorec_context: Context


def slack_service(settings: Settings, client: WebClient, service: Gaorec | None = None) -> Gaorec:
    """The service as the Slack app runs it: who is an admin or in a user group is asked of Slack (SlackPeople).
    A given service is used as it is when it already asks Slack, else rebuilt over its settings and database."""
    if service is not None and isinstance(service.reminders.answers.people, SlackPeople):
        return service
    settings = service.settings if service is not None else settings
    return Gaorec(settings, service.db if service is not None else None,
                  people=SlackPeople(client, settings.admins))


def create_app(settings: Settings, client: WebClient | None = None, service: Gaorec | None = None) -> GaorecApp:
    client = client or make_client(settings)
    service = slack_service(settings, client, service)
    secret = settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    app = GaorecApp(
        client=client,
        signing_secret=secret,
        process_before_response=True,  # ack in the request thread; lazy listeners do the work after it
        token_verification_enabled=False,  # no auth.test at start: the app starts offline too
        request_verification_enabled=True,
        ignoring_self_events_enabled=True,
        raise_error_for_unhandled_request=False,
    )
    from ..intake import Intake
    from ..listeners.durable import DurableApp, error_handler, guard_arguments
    from ..reminders.delivery import DeliveryWorker

    poster = SlackPoster(client)
    ctx = Context(service=service, poster=poster, intake=Intake.for_database(service.db, service.settings.intake_dir),
                  worker=DeliveryWorker(service.reminders.outbox, poster, poll=settings.delivery_poll))  # serve starts
    service.channel_access = lambda channel: channel_access(client, channel)

    app.use(guard_arguments)  # NULs and forged button values, before any listener
    app.error(error_handler(ctx))  # failures before the 200: logged with a reference, answered
    register(DurableApp(app, ctx), ctx)  # lazy listeners: queued when the database is busy, answered on failure
    app.gaorec_context = ctx  # for tests and the scheduler
    return app


# -- posting ----------------------------------------------------------------------

PERMANENT = {"channel_not_found", "not_in_channel", "is_archived", "invalid_blocks", "msg_too_long",
             "invalid_auth", "account_inactive", "token_revoked", "missing_scope", "cant_update_message",
             "message_not_found", "restricted_action", "invalid_metadata_format", "no_text"}


def slack_render(message) -> tuple[str, list[dict] | None]:
    """A neutral message as Slack's (text, blocks), rendered at delivery. Outbox rows planned before neutral
    messages carry Slack's own text and blocks (``legacy``): sent as they are. A string is Slack text already
    (the listeners' own answers)."""
    if isinstance(message, str):
        return message, None
    if message.legacy is not None:
        return message.legacy.get("text") or "", message.legacy.get("blocks")
    return render(message)


class SlackPoster:
    """Posts through the WebClient. chat.postMessage has no idempotency key, so
    posts are retried by the client only after a 429 (Slack did not take them);
    after a 5xx or a reset the outbox first looks for the post's key in the
    channel, and only then posts again. Idempotent calls keep every retry."""

    def __init__(self, client: WebClient):
        self.client = client
        self.post_client = WebClient(token=client.token, base_url=client.base_url, timeout=client.timeout,
                                     retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=3)])

    def _call(self, fn, **kw):
        from slack_sdk.errors import SlackApiError

        from .. import metrics
        from ..reminders.poster import PermanentError, RetryLater, Uncertain

        try:
            return fn(**kw)
        except SlackApiError as exc:
            status = exc.response.status_code
            code = exc.response.get("error") if hasattr(exc.response, "get") else None
            metrics.SLACK_ERRORS.labels(str(status)).inc()
            if status == 429 or code == "ratelimited":
                raise RetryLater(f"rate limited: {code}") from None
            if status >= 500:
                raise Uncertain(f"Slack answered {status}") from None
            if code in PERMANENT:
                raise PermanentError(code) from None
            raise Uncertain(f"Slack error {code}") from None
        except OSError as exc:  # connection reset, timeout: the post may have happened
            metrics.SLACK_ERRORS.labels("connection").inc()
            raise Uncertain(f"{type(exc).__name__}: {exc}") from None

    def post(self, channel, message, *, thread_ts, key, reply_broadcast=False) -> str:
        from ..reminders.poster import METADATA_TYPE

        text, blocks = slack_render(message)
        resp = self._call(self.post_client.chat_postMessage, channel=channel, text=text, blocks=blocks,
                          thread_ts=thread_ts, reply_broadcast=reply_broadcast or None, unfurl_links=False,
                          metadata={"event_type": METADATA_TYPE, "event_payload": {"key": key}})
        return resp["ts"]

    def update(self, channel, ts, message) -> None:
        text, blocks = slack_render(message)
        self._call(self.client.chat_update, channel=channel, ts=ts, text=text, blocks=blocks)

    def ephemeral(self, channel, user, message, thread_ts=None) -> None:
        text, _ = slack_render(message)
        self._call(self.client.chat_postEphemeral, channel=channel, user=user, text=text, thread_ts=thread_ts)

    def find(self, channel, key, thread_ts, oldest) -> str | None:
        """Reconcile an uncertain send: the message whose metadata carries our key, looked for in every page
        (response_metadata.next_cursor) since `oldest`. A lookup that fails raises (RetryLater, Uncertain):
        "not found" is only said after the last page."""
        from storage.types import as_utc

        oldest_ts = f"{as_utc(oldest).timestamp():.6f}"
        cursor = None
        for _ in range(10_000):  # a bound, far beyond any channel's traffic since a claim
            if thread_ts:
                resp = self._call(self.client.conversations_replies, channel=channel, ts=thread_ts,
                                  oldest=oldest_ts, include_all_metadata=True, limit=200, cursor=cursor)
            else:
                resp = self._call(self.client.conversations_history, channel=channel, oldest=oldest_ts,
                                  include_all_metadata=True, limit=200, cursor=cursor)
            for msg in resp.get("messages") or []:
                payload = ((msg.get("metadata") or {}).get("event_payload") or {})
                if payload.get("key") == key:
                    return msg.get("ts")
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None
        from ..reminders.poster import Uncertain

        raise Uncertain("lookup did not end")


INVITE = "Invite it with `/invite @gaorec` in this channel; reminders that could not be posted follow then."


def channel_access(client: WebClient, channel: str) -> str | None:
    """None when gaorec can post in the channel (joining a public one it is not in), else what to do."""
    from slack_sdk.errors import SlackApiError

    if channel[:1] in ("D", "U", "W"):  # a direct message with the app
        return None
    try:
        info = client.conversations_info(channel=channel).get("channel") or {}
    except SlackApiError as exc:
        code = exc.response.get("error")
        if code == "channel_not_found":  # a private channel the app was not invited to
            return f"gaorec is not a member of this channel, so reminders cannot arrive here yet. {INVITE}"
        return f"gaorec could not check that it can post here (Slack said `{code}`). {INVITE}"
    if info.get("is_member") or info.get("is_im"):
        return None
    if info.get("is_archived"):
        return "This channel is archived: reminders cannot arrive here."
    if not info.get("is_private"):
        try:
            client.conversations_join(channel=channel)
            return None
        except SlackApiError as exc:
            return f"gaorec could not join this channel (Slack said `{exc.response.get('error')}`). {INVITE}"
    return f"gaorec is not a member of this private channel, so reminders cannot arrive here yet. {INVITE}"


# -- HTTP ---------------------------------------------------------------------

def wsgi_app(app: App, service: Gaorec, leader=None):
    """POST /slack/events through Bolt's WSGI adapter; GET /healthz and GET /metrics ours."""
    from slack_bolt.adapter.wsgi import SlackRequestHandler

    from .. import metrics

    bolt = SlackRequestHandler(app, path="/slack/events")
    metrics.watch(service)

    def application(environ, start_response):
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == "/healthz" and method in ("GET", "HEAD"):
            from storage.health import check

            scheduler = "off" if leader is None else ("leader" if leader.held else "follower")
            state = check(service.db)  # reads gaorec's tables; on SQLite, can a write start? (#15, finding 8)
            status = "200 OK" if state == "ok" else "503 Service Unavailable"
            body = {"ok": state == "ok", "database": state, "scheduler": scheduler}
            intake = getattr(app, "gaorec_context", None)
            if intake is not None and intake.intake is not None:
                body["queued"] = intake.intake.count()
            data = json.dumps(body).encode()
            start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
            return [data]
        if path == "/metrics" and method in ("GET", "HEAD"):
            data = metrics.exposition()
            start_response("200 OK", [("Content-Type", "text/plain; version=0.0.4"),
                                      ("Content-Length", str(len(data)))])
            return [data]
        if path == "/slack/events" and method == "POST" and "json" in (environ.get("CONTENT_TYPE") or ""):
            bad = _unreadable_json(environ)
            if bad:  # Bolt would raise on it: one line, 400, nothing runs
                log.warning("POST /slack/events: %s", bad)
                data = json.dumps({"error": bad}).encode()
                start_response("400 Bad Request", [("Content-Type", "application/json"),
                                                   ("Content-Length", str(len(data)))])
                return [data]
        return bolt(environ, start_response)

    from .http_guard import guard

    secret = service.settings.slack_signing_secret
    return guard(application, secret.get_secret_value() if secret else None)


def _unreadable_json(environ) -> str | None:
    """Read the body (put back for Bolt); why it is not a JSON object, or None."""
    import io

    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    raw = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(raw)
    try:
        return None if isinstance(json.loads(raw.decode("utf-8")), dict) else "the body is not a JSON object"
    except (ValueError, UnicodeDecodeError):
        return "the body is not valid JSON"


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 3000, *, threads: int = 8,
          service: Gaorec | None = None) -> None:
    check_settings(settings)
    client = make_client(settings)
    who = verify_slack(settings, client)
    service = slack_service(settings, client, service)
    app = create_app(settings, client=client, service=service)
    print(f"gaorec: Slack answers as {who.get('user') or 'the bot'} in {who.get('team') or 'the workspace'}",
          file=sys.stderr, flush=True)
    from ..reminders.scheduler import Leader, build

    leader = Leader(service.db)
    scheduler = build(service, service.reminders, app.gaorec_context.poster, leader)
    from ..listeners.durable import replay

    ctx = app.gaorec_context
    # every replica replays its own intake queue (requests its busy database could not take)
    scheduler.add_job(lambda: replay(ctx), "interval", seconds=settings.intake_replay, id="intake-replay",
                      replace_existing=True, coalesce=True, max_instances=1, misfire_grace_time=None)
    scheduler.start()
    assert ctx.intake is not None and ctx.worker is not None  # create_app sets both
    if ctx.intake.count():
        log.info("%d request(s) wait in the intake queue %s", ctx.intake.count(), ctx.intake.dir)
    worker = ctx.worker.start()  # the delivery job: every replica, one lane per channel
    import signal

    def stop(signum, frame):  # SIGTERM: finish the running job, then leave
        log.info("stopping (signal %s)", signum)
        worker.stop()
        scheduler.shutdown(wait=True)
        leader.release()
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    if settings.slack_app_token:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        print(f"gaorec: connecting to Slack by Socket Mode ({settings.slack_api_url})", file=sys.stderr, flush=True)
        SocketModeHandler(app, settings.slack_app_token.get_secret_value()).start()
        return
    from .http_guard import create_server

    server = create_server(wsgi_app(app, service, leader), host, port, threads, deadline=settings.request_deadline)
    print(f"gaorec: listening on http://{host}:{server.effective_port} (POST /slack/events, GET /healthz)",
          file=sys.stderr, flush=True)
    try:
        server.run()
    finally:
        server.close()


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message (and the exception, if any)."""

    def format(self, record: logging.LogRecord) -> str:
        out = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"), "level": record.levelname,
               "logger": record.name, "message": record.getMessage()}
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def setup_logging(level: str = "INFO", fmt: str = "text", secrets: list[str] | None = None) -> None:
    """Log lines to stderr (text, or JSON with fmt="json"); slack_sdk's debug logging, which prints request
    bodies, stays off."""
    from .http_guard import Hygiene

    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Hygiene(secrets or []))  # no token, no secret, no forged line, no endless line
    handler.setFormatter(JsonFormatter() if fmt == "json" else
                         logging.Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("slack_sdk", "slack_bolt", "waitress", "apscheduler"):
        logging.getLogger(noisy).setLevel(max(logging.INFO, root.level))
    logging.getLogger("alembic").setLevel(logging.WARNING)
