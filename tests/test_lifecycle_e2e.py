"""What GAO stopped listing, end to end: `gaorec import --complete` and `gaorec remind` as processes,
`gaorec serve` answering signed button clicks, all against the fake Slack API. Our own fixture."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from storage import repo
from storage.models import AuditEvent

from .fakeslack import FakeSlack, action_body, post, signed_headers
from .slackserver import SECRET, ServeProcess
from .test_lifecycle import EXPORT, GONE, key_with, stamped, without, write
from .test_reminders_e2e import run_cli

pytestmark = pytest.mark.sqlite_only  # processes and Slack; the lifecycle runs on PostgreSQL in test_lifecycle

FORM = "application/x-www-form-urlencoded"
C1 = "C0001"
NOTE = "GAO no longer lists this as open (export of Oct 28, 2026): probably closed"


def test_not_listed_gets_one_note_in_its_thread_and_no_more_reminders(app, tmp_path):
    fake = FakeSlack(users={"U0ADMIN": {"is_admin": True}}).start()
    serve = None
    try:
        run_cli(app.db.url, fake.api_url, "import", "--complete", str(EXPORT))
        gone = key_with(app, GONE)
        with app.db.write() as s:
            repo.subscribe(s, C1, "", "U0ADMIN", repo.utcnow())
            repo.assign(s, app.show(gone).id, "U0OWNER", "U0ADMIN", repo.utcnow())
        run_cli(app.db.url, fake.api_url, "remind", "--now", "2026-12-01T14:00:00Z")
        top = fake.posts(C1, top_level=True)
        assert len(top) == 5
        parent = [m for m in top if f"`{gone}`" in json.dumps(m["blocks"], ensure_ascii=False)][0]

        # GAO's next export no longer lists it: one note in its thread, with the outcome buttons
        oct_ = write(tmp_path, "oct.csv", without(stamped(EXPORT.read_text(), "Oct 28, 2026"), GONE))
        out = run_cli(app.db.url, fake.api_url, "import", "--complete", oct_)
        assert "1 no longer listed by GAO" in out
        run_cli(app.db.url, fake.api_url, "import", "--complete", oct_)  # again: nothing more
        thread = [m for m in fake.posts(C1) if m.get("thread_ts") == parent["ts"]]
        assert len(thread) == 1 and NOTE in thread[0]["text"] and "last listed on Sep 28, 2026" in thread[0]["text"]
        buttons = [e for b in thread[0]["blocks"] if b["type"] == "actions" for e in b["elements"]]
        assert [b["text"]["text"] for b in buttons] == ["Implemented", "Not implemented", "Still open"]

        # a week later the others are followed up; it is not
        run_cli(app.db.url, fake.api_url, "remind", "--now", "2026-12-09T14:00:00Z")
        followups = [m for m in fake.posts(C1, top_level=False) if "reminder 2" in (m["text"] or "")]
        assert len(followups) == 4 and parent["ts"] not in {m["thread_ts"] for m in followups}
        assert len([m for m in fake.posts(C1) if m.get("thread_ts") == parent["ts"]]) == 1
        assert len(fake.posts(C1, top_level=True)) == 5

        # the buttons: a stranger is refused privately, the owner's click is recorded and confirmed
        serve = ServeProcess(app.db.url, fake.api_url, extra_env={"GAOREC_POST_INTERVAL": "0.05"})
        value = buttons[0]["value"]
        body = action_body("gaorec_outcome_implemented", value, user_id="U0STRANGER", channel_id=C1,
                           response_url=fake.response_url("stranger"), message_ts=thread[0]["ts"])
        assert post(serve.url, body, signed_headers(SECRET, body, content_type=FORM))[0] == 200
        refusal = fake.wait_for("response_url", 1)[0]
        assert "Only <@U0OWNER> or an admin" in refusal.params["text"]
        body = action_body("gaorec_outcome_implemented", value, user_id="U0OWNER", channel_id=C1,
                           response_url=fake.response_url("owner"), message_ts=thread[0]["ts"])
        assert post(serve.url, body, signed_headers(SECRET, body, content_type=FORM))[0] == 200
        deadline = time.time() + 10
        while time.time() < deadline and len([m for m in fake.posts(C1) if m.get("thread_ts") == parent["ts"]]) < 2:
            time.sleep(0.1)
        thread = [m for m in fake.posts(C1) if m.get("thread_ts") == parent["ts"]]
        assert len(thread) == 2 and "Marked implemented by <@U0OWNER>" in thread[1]["text"]
        assert app.show(gone).outcome == "implemented"
        with app.db.session() as s:
            actors = list(s.scalars(select(AuditEvent.actor).where(AuditEvent.action == "outcome")))
        assert actors == ["U0OWNER"]
        assert "xoxb-test-token-123" not in serve.log
    finally:
        if serve is not None:
            serve.stop()
        fake.stop()
