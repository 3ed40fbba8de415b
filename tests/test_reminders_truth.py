"""Reminders that stay true (issue #11, item 5): when a re-import changes a reminded recommendation, the parent
message is updated (chat.update) so heading, body and buttons match the new state, and its thread hears the
status move and the new or changed sentences of GAO's comment. End to end: `gaorec remind` and `gaorec import`
as processes against the fake Slack."""
from __future__ import annotations

import json
from datetime import date

from storage import repo

from .conftest import CBP_PAGE
from .fakeslack import FakeSlack
from .test_reminders_e2e import run_cli

C1 = "C0001"
ADDED = ("In October 2026, CBP stated that the automated controls were in place and asked GAO to close this "
         "recommendation.")
REC4_OPENING = "CBP concurred with GAO's recommendation. In commenting on the report, officials said that CBP OT"


def rec4_changed(text: str, *, status: str | None) -> str:
    """GAO's page with one sentence added to Recommendation 4's comment (and, given a status, a new status)."""
    lines = text.split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith(REC4_OPENING))
    lines[i] = lines[i].rstrip() + " " + ADDED
    if status is not None:
        assert lines[i - 1].strip() == "Open"
        lines[i - 1] = status
    return "\n".join(lines)


def reminded(app, fake):
    with app.db.write() as s:
        repo.subscribe(s, C1, "", "U0ADMIN", repo.utcnow())
    run_cli(app.db.url, fake.api_url, "remind", "--now", "2026-12-01T14:00:00Z")
    key = [v.key for v in app.search("232")[0] if v.rec_number == 4][0]
    parent = [m for m in fake.posts(C1, top_level=True) if f"`{key}`" in json.dumps(m["blocks"])][0]
    return key, parent


def test_a_closing_reimport_updates_the_parent_and_tells_what_changed(app, tmp_path):
    fake = FakeSlack().start()
    try:
        app.import_sources([str(CBP_PAGE)])
        key, parent = reminded(app, fake)
        assert "A promised date passed with no status change" in json.dumps(parent["blocks"])
        later = tmp_path / "cbp-later.txt"
        later.write_text(rec4_changed(CBP_PAGE.read_text(), status="Closed - Implemented"))
        run_cli(app.db.url, fake.api_url, "import", str(later))

        updates = [c for c in fake.of("chat.update") if c.params["ts"] == parent["ts"]]
        assert len(updates) == 1
        blocks = json.dumps(updates[0].params["blocks"], ensure_ascii=False)
        text = updates[0].params["text"]
        assert "A promised date passed with no status change" not in blocks + text  # the heading is the new state
        assert "GAO updated this recommendation: now Closed" in blocks and "Closed" in text
        assert "gaorec_ack" not in blocks and "gaorec_snooze" not in blocks  # no buttons ...
        assert "press Acknowledge" not in blocks  # ... and no words asking to press them

        note = [m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == parent["ts"]]
        assert len(note) == 1
        said = note[0]["text"]
        assert "Status: Open → *Closed" in said
        assert ADDED in said  # the new sentence ...
        assert "CBP concurred" not in said  # ... not the comment's opening

        run_cli(app.db.url, fake.api_url, "import", str(later))  # the same file again: nothing new to tell
        assert len([c for c in fake.of("chat.update") if c.params["ts"] == parent["ts"]]) == 1
        assert len([m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == parent["ts"]]) == 1
    finally:
        fake.stop()


def test_a_comment_only_change_quotes_the_new_sentence_and_the_parent_follows(app, tmp_path):
    """GAO added a sentence and nothing else: GAO's newer statement is a change of the record after the promise
    passed, so the promise no longer "passed with no status change". The parent says so, without buttons, and
    the thread quotes the added sentence."""
    fake = FakeSlack().start()
    try:
        app.import_sources([str(CBP_PAGE)])
        key, parent = reminded(app, fake)
        later = tmp_path / "cbp-later.txt"
        later.write_text(rec4_changed(CBP_PAGE.read_text(), status=None))
        run_cli(app.db.url, fake.api_url, "import", str(later))
        updates = [c for c in fake.of("chat.update") if c.params["ts"] == parent["ts"]]
        note = [m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == parent["ts"]]
        assert len(updates) == 1 and len(note) == 1
        assert ADDED in note[0]["text"] and "CBP concurred" not in note[0]["text"]
        assert "Status: Open (unchanged)" in note[0]["text"]
        blocks = json.dumps(updates[0].params["blocks"], ensure_ascii=False)
        shown = json.loads(run_cli(app.db.url, fake.api_url, "show", key, "--json"))
        assert not shown["overdue"]
        assert "A promised date passed" not in blocks and "gaorec_ack" not in blocks
        assert "GAO updated this recommendation: status Open" in blocks
    finally:
        fake.stop()


def test_gao_closing_an_item_whose_thread_an_owner_stopped_is_still_told_there(app, tmp_path):
    """The owner corrected the date (the reminder for the old date stopped), then GAO closed the recommendation:
    the stopped thread hears it once and its parent shows the new state (it kept saying Open)."""
    from bot.services import promises as sp

    fake = FakeSlack().start()
    try:
        app.import_sources([str(CBP_PAGE)])
        key, parent = reminded(app, fake)
        assert sp.apply(app, key, "set", actor="U0DANA", via="cli", due=date(2027, 3, 31),
                        check=False).ok
        run_cli(app.db.url, fake.api_url, "remind", "--now", "2026-12-01T15:00:00Z")  # delivers the answer posts
        before = len([m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == parent["ts"]])
        later = tmp_path / "cbp-later.txt"
        later.write_text(rec4_changed(CBP_PAGE.read_text(), status="Closed - Implemented"))
        run_cli(app.db.url, fake.api_url, "import", str(later))
        thread = [m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == parent["ts"]]
        assert len(thread) == before + 1 and "Status: Open → *Closed" in thread[-1]["text"]
        update = [c for c in fake.of("chat.update") if c.params["ts"] == parent["ts"]][-1]
        assert "GAO updated this recommendation: now Closed" in json.dumps(update.params["blocks"])
        assert not app.show(key).slips  # closing moved no promise
        run_cli(app.db.url, fake.api_url, "import", str(later))  # once
        assert len([m for m in fake.posts(C1, top_level=False) if m["thread_ts"] == parent["ts"]]) == before + 1
    finally:
        fake.stop()
