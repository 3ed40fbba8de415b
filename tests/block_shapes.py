"""Every Block Kit shape gaorec sends, built from our own fixtures at a fixed time: the Slack rendering of the
neutral messages is compared with tests/fixtures/blocks-golden.json (the Block Kit that the slack_sdk builders
produced before the neutral model; regenerate only on purpose: python -m tests.block_shapes OUT.json)."""
from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from bot.blocks.home import home_view
from bot.gao.calendar import local_day
from bot.services.home import home as home_data

FIXTURES = Path(__file__).parent / "fixtures"
def utc_day(at):
    """The day an instant is in UTC: the reminder builders' ``day`` for the pinned shapes."""
    return local_day(at, timezone.utc)


GOLDEN = FIXTURES / "blocks-golden.json"
NOW = datetime(2026, 11, 2, 15, 0, tzinfo=timezone.utc)
ADMIN_ID = "U0ADMIN"


def _dicts(blocks) -> list[dict]:
    return [b.to_dict() if hasattr(b, "to_dict") else b for b in blocks]


def _md(x) -> str:
    """A text as Slack gets it: the old builders returned mrkdwn, the neutral ones return spans."""
    if isinstance(x, str):
        return x
    from bot.blocks.render import mrkdwn

    return mrkdwn(x)


def _line(words: str, user: str, tail: str, icon: str = ""):
    """The same line for both: mrkdwn for the old builders, spans for the neutral ones."""
    try:
        from bot import messages as M
        from bot.blocks import render  # noqa: F401 (only the neutral builders have it)
    except ImportError:
        return (f":{icon}: " if icon else "") + f"{words}<@{user}>{tail}"
    return M.text(M.icon(icon) if icon else None, words, M.user(user), tail)


def build_world(db_url: str, tmp: Path, setenv=None):
    """A database with our fixtures imported, an owner assigned, a rule owner, a reminder pass, an
    acknowledgement with a note and a snooze, a subscription. ``setenv``: how to set the environment (a test's
    monkeypatch.setenv)."""
    import os

    setenv = setenv or os.environ.__setitem__

    from bot.adapters.shell import ShellPoster
    from bot.reply import Caller
    from bot.service import Gaorec
    from config.settings import Settings
    from storage import repo

    toml = tmp / "gaorec.toml"
    toml.write_text('owner_rules = [{query = "closeouts", owner = "U0RULE"}, '
                    '{agency = "Office of Example Programs", owner = "U0AGENCY"}]\n')
    setenv("GAOREC_CONFIG", str(toml))
    setenv("DATABASE_URL", db_url)
    app = Gaorec(Settings(post_interval=0, _env_file=None))
    app.import_sources([str(FIXTURES / "agency-page.html")], now=NOW - timedelta(days=40))
    app.import_sources([str(FIXTURES / "export-dhs.csv")], now=NOW - timedelta(days=20))
    admin = Caller(ADMIN_ID, is_admin=True, channel_id="C1")
    views = app.search("example", as_of=NOW.date())[0]
    keys = [v.key for v in views]
    app.handle(f"assign {keys[0]} @U0DANA", admin, now=NOW)
    app.handle("subscribe", admin, now=NOW)
    with app.db.write() as s:
        repo.subscribe(s, "C1", "", ADMIN_ID, repo.utcnow())
    app.reminders.run_pass(NOW, poster=ShellPoster(lambda _s: None))
    return app, admin, keys


def command_texts(keys: list[str]) -> list[str]:
    """Every kind of reply, each as typed in Slack."""
    return ["help", "show", "show nosuchkey", "stats", "example", "example <!channel> & co", "overdue", "due 3660",
            "due 1 nothing-matches-this", "mine", "owners", "subscriptions", "history " + keys[0],
            "history nosuch", "shwo " + keys[0], "assign " + keys[1] + " <@U0LEE>", "unassign " + keys[1],
            "snooze " + keys[0] + " 2w busy", "outcome " + keys[0] + " implemented",
            "promise " + keys[0] + " confirm", "zzqqxx", "export overdue", "subscribe CBP <x>",
            "unsubscribe CBP <x>", keys[0], keys[1]] + [f"show {k}" for k in keys]


def shapes(app, admin, keys) -> dict[str, dict]:
    from bot import blocks as B
    from bot.blocks import digest as H
    from bot.blocks import listing as L
    from bot.blocks import reminders as R
    from bot.blocks.render import read_mentions

    as_of = NOW.date()
    out: dict[str, dict] = {}
    for cmd in command_texts(keys):
        reply = app.handle(read_mentions(cmd), admin, now=NOW)  # as typed in Slack, read as the listener reads it
        out[f"reply:{cmd}"] = {"kind": reply.kind, "text": B.fallback_text(reply),
                               "blocks": _dicts(B.reply_blocks(reply)),
                               "bare": _dicts(B.reply_blocks(reply, share=False, buttons=False))}
    reply = app.handle("example", admin, now=NOW, offset=5)
    out["reply:example@5"] = {"text": B.fallback_text(reply), "blocks": _dicts(B.reply_blocks(reply))}
    everything = [app.show(k, NOW) for k in keys] + [v for v in app.search("DHS", limit=20, as_of=as_of)[0]]
    for v in everything:
        v = app.show(v.key, NOW)
        out[f"card:{v.key}"] = {"blocks": _dicts(B.card_blocks(v, as_of, tz=timezone.utc)),
                                "full": _dicts(B.card_blocks(v, as_of, tz=timezone.utc, full=True, buttons=False))}
        out[f"unfurl:{v.key}"] = {"blocks": _dicts(B.unfurl_blocks([v] * 10, as_of, limit=8))}
        out[f"reminder:{v.key}"] = {
            "text": _md(R.reminder_text(v, as_of)), "blocks": _dicts(R.reminder_blocks(v, as_of, 7, day=utc_day)),
            "state": _dicts(R.reminder_blocks(v, as_of, 7, day=utc_day,
                                              state_line=_line("Acknowledged by ", "U0DANA", " and co"))),
            "stopped": _dicts(R.reminder_blocks(v, as_of, 7, day=utc_day, state_line="stopped", buttons=False,
                                                heading=R.updated_heading(v, as_of))),
            "updated": _md(R.updated_text(v, as_of)), "followup": _md(R.followup_text(v, as_of, 2)),
            "escalation": _md(R.followup_text(v, as_of, 3, escalation=_line("Escalation to ", "U0BOSS", ".",
                                                                             "rotating_light"))),
            "status": _md(R.status_change_text(v, "Open", as_of, added=["A <b> new sentence & more."], removed=2)),
        }
        if v.current_promise is not None:
            out[f"ask:{v.key}"] = {"text": _md(R.ask_text(v)), "blocks": _dicts(R.ask_blocks(v, as_of))}
    out["unlisted-note"] = {"text": _md(L.unlisted_note_text("k7m2q", as_of, date(2026, 9, 1))),
                            "blocks": _dicts(L.unlisted_note_blocks("k7m2q", as_of, date(2026, 9, 1)))}
    out["digest"] = {"blocks": _dicts(H.digest_blocks({"overdue": 3, "became": 1, "due": 2, "changed": 0, "slipped": 1,
                                                       "unlisted": 2, "unjustified": 1}, as_of)),
                     "section": _md(H.digest_section_text("Overdue <now>", everything, as_of, limit=2))}
    for user in ("U0DANA", "U0RULE", "U0NOBODY"):
        view = home_view(home_data(app, user, ["C1"], NOW))
        out[f"home:{user}"] = view.to_dict() if hasattr(view, "to_dict") else view
    return out


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        app, admin, keys = build_world(f"sqlite:///{d}/g.db", Path(d))
        data = shapes(app, admin, keys)
        app.db.dispose()
    Path(sys.argv[1]).write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    print(len(data), "shapes")
