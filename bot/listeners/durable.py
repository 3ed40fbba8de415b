"""Nothing accepted is lost, nobody is left without an answer.

Every lazy listener (the work after Slack's 200) runs through ``execute``:
- its writes wait for SQLite's write lock only briefly (INTERACTIVE_BUSY_MS);
  when the database stays busy or unreachable, the request goes to the
  durable intake queue (bot/intake.py) and ``replay`` records it later
  (a command or button is told it is queued; the answer follows);
- any other failure is logged once with a reference id, and the user is told
  something went wrong, with that id (``app.error`` does the same for
  failures before the 200).
``guard_arguments`` refuses NULs (PostgreSQL cannot store them) and forged,
oversized button values before any listener runs."""
from __future__ import annotations

import inspect
import json
import logging
import sqlite3
from contextvars import ContextVar

from slack_bolt.context import BoltContext
from slack_bolt.context.respond import Respond
from sqlalchemy.exc import OperationalError

from storage.db import busy_timeout_ms

from ..intake import Item, new_ref
from .context import KEY

log = logging.getLogger("gaorec.slack")
replaying: ContextVar[bool] = ContextVar("gaorec_replaying", default=False)
INTERACTIVE_BUSY_MS = 3_000
MAX_VALUE = 2_000  # Slack's limit for a button value: anything longer was not made by us

QUEUED = ("gaorec's database is busy right now (a large import is running?). Your request is queued as {ref} "
          "and will be done shortly; you need not send it again.")
FAILED = ("Sorry: something went wrong on gaorec's side, and your request may not have been done. Please try "
          "again; if it keeps failing, give your admin this reference: {ref}.")
NOT_QUEUED = ("gaorec's database is busy and your request could not be queued, so nothing was done. Please try "
              "again in a few minutes (reference {ref}).")
NUL_REFUSED = "That text contains a NUL character (\\0), which gaorec cannot store; nothing was done."
VALUE_REFUSED = "That button is out of date or was not made by gaorec; nothing was done. Run the command again."


class _Failed(Exception):
    pass


def is_transient(exc: BaseException) -> bool:
    """A busy, locked, unreachable, full or read-only database: worth queueing and retrying until it is fixed
    (a missing table or a bug is not: that is answered as a failure)."""
    from storage.problems import explain

    if not isinstance(exc, (OperationalError, sqlite3.OperationalError)):
        return False
    problem = explain(exc, "")
    return problem is not None and problem.kind in ("busy", "unavailable", "full", "read-only")


def _response_url(body: dict) -> str | None:
    urls = body.get("response_urls") or []
    return body.get("response_url") or (urls[0].get("response_url") if urls and isinstance(urls[0], dict) else None)


def tell(body: dict, client, text: str) -> None:
    """Answer the sender privately: through the response URL, or as an ephemeral message where they wrote."""
    try:
        url = _response_url(body)
        if url:
            Respond(response_url=url)(text=text, response_type="ephemeral", replace_original=False)
            return
        event = body.get("event") or {}
        item = event.get("item") or {}
        user = event.get("user") or (body.get("user") or {}).get("id") or body.get("user_id")
        channel = event.get("channel") or item.get("channel") or (body.get("channel") or {}).get("id")
        if user and channel and client is not None:
            client.chat_postEphemeral(channel=channel, user=user, text=text,
                                      thread_ts=event.get("thread_ts") or item.get("ts"))
    except Exception as exc:  # noqa: BLE001 - telling is best effort; the log has the reference
        log.warning("could not tell the user: %s", type(exc).__name__)


def kind_of(fn) -> str:
    return f"{fn.__module__.rsplit('.', 1)[-1]}.{fn.__name__}"


def durable(ctx, fn):
    """The lazy listener `fn`, run through execute(); registered for replay under its surface and name."""
    names = list(inspect.signature(fn).parameters)
    kind = kind_of(fn)
    ctx.handlers[kind] = (fn, names)

    def run(args):
        execute(ctx, kind, {n: getattr(args, n, None) for n in names}, args.body, args.client)

    run.__name__ = fn.__name__
    run.__qualname__ = fn.__qualname__
    return run


def execute(ctx, kind: str, kwargs: dict, body: dict, client, item: Item | None = None) -> bool:
    """Run one listener. True when it ran; False when its request was queued or failed (sender told).
    During a replay (item given) a busy database re-raises (the item stays queued) and a failure raises _Failed."""
    from .. import metrics

    fn, _ = ctx.handlers[kind]
    token = busy_timeout_ms.set(INTERACTIVE_BUSY_MS)
    try:
        fn(**kwargs)
        metrics.LISTENER_RUNS.labels(kind, "done").inc()
        return True
    except Exception as exc:  # noqa: BLE001 - every failure is either queued or answered
        if is_transient(exc):
            if item is not None:
                metrics.LISTENER_RUNS.labels(kind, "busy").inc()
                raise
            if ctx.intake is None:
                ref = new_ref()
                log.error("database unavailable (%s); %s not done (ref %s)", _short(exc), kind, ref)
                tell(body, client, NOT_QUEUED.format(ref=ref))
                metrics.LISTENER_RUNS.labels(kind, "lost").inc()
                return False
            try:
                ref = ctx.intake.put(kind, body)
            except OSError as oserr:
                ref = new_ref()
                log.error("database unavailable (%s) and the intake queue too (%s); %s not done (ref %s)",
                          _short(exc), oserr.strerror or type(oserr).__name__, kind, ref)
                tell(body, client, NOT_QUEUED.format(ref=ref))
                metrics.LISTENER_RUNS.labels(kind, "lost").inc()
                return False
            log.warning("database busy (%s): %s queued as %s", _short(exc), kind, ref)
            if _response_url(body):
                tell(body, client, QUEUED.format(ref=ref))
            metrics.LISTENER_RUNS.labels(kind, "queued").inc()
            return False
        ref = item.ref if item is not None else new_ref()
        log.error("%s failed (ref %s): %s", kind, ref, _short(exc), exc_info=exc)
        tell(body, client, FAILED.format(ref=ref))
        metrics.LISTENER_RUNS.labels(kind, "failed").inc()
        if item is not None:
            raise _Failed(ref) from exc
        return False
    finally:
        busy_timeout_ms.reset(token)


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return f"{type(orig).__name__}: {str(orig).splitlines()[0][:200] if str(orig) else ''}"


def replay(ctx) -> int:
    """Record what waits in the intake queue, oldest first; stop at the first still-busy database. What the
    replayed requests put in the outbox is delivered once at the end (paced), not after each.
    Returns how many were recorded."""
    intake = ctx.intake
    if intake is None or not intake._lock.acquire(blocking=False):
        return 0
    done = 0
    token = replaying.set(True)
    try:
        for item in intake.items():
            handler = ctx.handlers.get(item.kind)
            if handler is None:
                log.error("queued request %s has an unknown kind %r; moved to failed/", item.ref, item.kind)
                intake.failed(item)
                continue
            fn, names = handler
            body = {**item.body, "_gaorec_replay": item.ref}
            client = getattr(ctx.poster, "client", None)
            actions = body.get("actions") or [None]
            available = {"body": body, "payload": body.get("event") or body, "event": body.get("event"),
                         "action": actions[0], "command": body if body.get("command") else None,
                         "respond": Respond(response_url=_response_url(body)), "client": client,
                         "ack": lambda *a, **k: None, "logger": log, "say": None,
                         "context": BoltContext({KEY: ctx})}
            try:
                execute(ctx, item.kind, {n: available.get(n) for n in names}, body, client, item=item)
            except _Failed:
                intake.failed(item)
                continue
            except Exception as exc:  # noqa: BLE001 - busy again: try later
                if not is_transient(exc):
                    raise
                log.info("database still busy (%s): %d queued request(s) wait", _short(exc), intake.count())
                break
            intake.done(item)
            done += 1
            log.info("recorded queued request %s (%s)", item.ref, item.kind)
    finally:
        replaying.reset(token)
        intake._lock.release()
    if done:
        ctx.deliver()
    return done


class DurableApp:
    """The Bolt app as listeners see it: `lazy=[...]` functions are wrapped by durable()."""

    def __init__(self, app, ctx):
        self._app, self._ctx = app, ctx

    def __getattr__(self, name):
        attr = getattr(self._app, name)
        if name not in ("command", "action", "event", "view", "shortcut", "message", "options"):
            return attr

        def register(*args, **kwargs):
            decorate = attr(*args, **kwargs)

            def apply(*functions, **kw):
                if "lazy" in kw:
                    kw["lazy"] = [durable(self._ctx, f) for f in kw["lazy"]]
                return decorate(*functions, **kw)
            return apply
        return register


# -- before any listener ----------------------------------------------------------

def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _strip_nul(value):
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        for k, v in value.items():
            value[k] = _strip_nul(v)
    elif isinstance(value, list):
        value[:] = [_strip_nul(v) for v in value]
    return value


def _value_problem(body: dict) -> str | None:
    """"forged" for a button value we did not make (too long, or for our JSON values not a JSON object);
    "nul" for a NUL inside one of our JSON values."""
    for action in body.get("actions") or []:
        if not isinstance(action, dict):
            return "forged"
        value = action.get("value")
        if value is None:
            continue
        if not isinstance(value, str) or len(value) > MAX_VALUE:
            return "forged"
        if value.startswith("{"):
            try:
                state = json.loads(value)
            except ValueError:
                return "forged"
            if not isinstance(state, dict):
                return "forged"
            if _has_nul(state):
                return "nul"
    return None


def guard_arguments(body, ack, client, next):
    """Global middleware: NULs in a command or action are refused (told); in an event they are dropped;
    a forged or oversized button value is refused (told). A refusal returns the acknowledgement itself."""
    if body.get("command") and _has_nul(body):
        log.info("refused a command holding a NUL character")
        return ack(text=NUL_REFUSED, response_type="ephemeral")
    if body.get("type") in ("block_actions", "view_submission", "shortcut", "message_action"):
        problem = _value_problem(body)
        if _has_nul(body) or problem == "nul":
            log.info("refused an action holding a NUL character")
            tell(body, client, NUL_REFUSED)
            return ack()
        if problem == "forged":
            log.info("refused an action with a forged or oversized value")
            tell(body, client, VALUE_REFUSED)
            return ack()
    elif body.get("type") == "event_callback" and _has_nul(body):
        _strip_nul(body)  # an owner's reply is still recorded, without the NUL
    return next()


def error_handler(ctx):
    """app.error: a failure before the 200 (or in a synchronous listener): logged with a reference, answered."""
    from slack_bolt import BoltResponse

    def on_error(error, body):
        ref = new_ref()
        log.error("request failed (ref %s): %s", ref, _short(error), exc_info=error)
        text = FAILED.format(ref=ref)
        if isinstance(body, dict) and body.get("command"):
            return BoltResponse(status=200, body={"response_type": "ephemeral", "text": text})
        tell(body or {}, getattr(ctx.poster, "client", None), text)
        return BoltResponse(status=200, body="")
    return on_error
