"""The liaison's desk: App Home and the weekly digest."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from slack_sdk.models.views import View

from bot.reply import Caller
from bot.service import Gaorec
from storage import repo

from .conftest import CBP_PAGE
from .fakeslack import FakeSlack, event_body, post, signed_headers
from .slackserver import SECRET, ServeProcess
from bot.blocks.home import home_view
from bot.services.home import home as home_data

NOW = datetime(2026, 12, 1, 14, tzinfo=timezone.utc)


def rec(app, number):
    return [v for v in app.search("232")[0] if v.rec_number == number][0]


def test_home_of_the_owner_of_recommendation_3(app):
    app.import_sources([str(CBP_PAGE)])
    key = rec(app, 3).key
    app.handle(f"assign {key} @U0DANA", Caller("U0ADMIN", is_admin=True, channel_id="C1"))
    app.handle("subscribe facial", Caller("U0ADMIN", is_admin=True, channel_id="C1"))
    view = home_view(home_data(app, "U0DANA", ["C1", "C9"], NOW))
    assert isinstance(view, View)
    data = view.to_dict()  # slack_sdk validates the view here
    assert data["type"] == "home" and len(data["blocks"]) <= 100
    blob = json.dumps(data, ensure_ascii=False)
    assert f"`{key}`" in blob and "Overdue (1)" in blob and "March 2024" in blob and "overdue by 975 days" in blob
    assert "<#C1>: `facial`" in blob
    empty = home_view(home_data(app, "U0NOBODY", [], NOW)).to_dict()
    assert "Nothing of yours is overdue." in json.dumps(empty)


def test_digest_is_one_message_with_a_thread_priority_first(app):
    app.import_sources([str(CBP_PAGE)])
    key = [v for v in app.search("facial")[0] if v.rec_number == 10][0].key
    from sqlalchemy import update

    from storage.models import Recommendation
    with app.db.write() as s:  # make one of them a priority recommendation
        s.execute(update(Recommendation).where(Recommendation.key == key).values(priority=True))
        repo.subscribe(s, "C1", "", "U0ADMIN", repo.utcnow())
    fake = FakeSlack().start()
    try:
        from bot.adapters.slack import SlackPoster, make_client
        from config.settings import Settings

        poster = SlackPoster(make_client(Settings(slack_bot_token="xoxb-t", slack_api_url=fake.api_url,
                                                  _env_file=None)))
        app = Gaorec(app.settings.model_copy(update={"post_interval": 0.0}), app.db)  # no pacing between posts
        counts = app.reminders.digest(NOW, poster=poster)
        assert counts["C1"]["overdue"] == 7
        app.reminders.digest(NOW, poster=poster)  # the same week: not again
        top = fake.posts("C1", top_level=True)
        assert len(top) == 1 and "7* overdue" in json.dumps(top[0]["blocks"])
        thread = fake.posts("C1", top_level=False)
        assert thread and all(m["thread_ts"] == top[0]["ts"] for m in thread)
        overdue = thread[0]["text"]
        assert overdue.startswith("*Overdue now, priority first* (7)")
        assert overdue.index(f"`{key}`") < min(overdue.index(f"`{v.key}`") for v in app.overdue(date(2026, 12, 1))
                                              if v.key != key)
    finally:
        fake.stop()


@pytest.mark.sqlite_only("Slack's transport; the home view's queries run on both in "
                         "test_home_of_the_owner_of_recommendation_3")
def test_app_home_opened_publishes_over_http(app):
    app.import_sources([str(CBP_PAGE)])
    key = rec(app, 3).key
    app.handle(f"assign {key} @U0DANA", Caller("U0ADMIN", is_admin=True, channel_id="C1"))
    fake = FakeSlack().start()
    fake.member_of["U0DANA"] = ["C1"]
    proc = ServeProcess(app.db.url, fake.api_url)
    try:
        body = event_body({"type": "app_home_opened", "user": "U0DANA", "channel": "D1", "tab": "home"},
                          event_id="EvHOME1")
        assert post(proc.url, body, signed_headers(SECRET, body, content_type="application/json"))[0] == 200
        (published,) = fake.wait_for("views.publish")
        assert published.params["user_id"] == "U0DANA"
        assert f"`{key}`" in json.dumps(published.params["view"], ensure_ascii=False)
    finally:
        proc.stop()
        fake.stop()


def test_owners_lists_rules_and_the_unowned(app):
    app.import_sources([str(CBP_PAGE)])
    app.settings = app.settings.model_copy(update={"owner_rules": [{"query": "facial", "owner": "subteam:S0FR"}]})
    key = rec(app, 3).key
    app.handle(f"assign {key} @U0DANA", Caller("U0ADMIN", is_admin=True, channel_id="C1"))
    text = app.handle("owners", Caller("U1")).mrkdwn
    assert "query `facial` → <!subteam^S0FR>" in text
    assert "*6* open recommendations have no owner" in text  # 10 - 1 assigned - 3 facial by rule
    assert f"`{key}`" not in text


def test_rules_give_ownership_unless_assigned(app):
    app.import_sources([str(CBP_PAGE)])
    app.settings = app.settings.model_copy(update={"owner_rules": [{"query": "facial", "owner": "U0FR"}]})
    assert len(app.mine(Caller("U0FR"))) == 3
    key = [v for v in app.search("facial")[0] if v.rec_number == 10][0].key
    app.handle(f"assign {key} @U0OTHER", Caller("U0ADMIN", is_admin=True, channel_id="C1"))
    assert sorted(v.rec_number for v in app.mine(Caller("U0FR"))) == [4, 5]
    assert "Overdue (2)" in json.dumps(home_view(home_data(app, "U0FR", [], NOW)).to_dict())


def test_an_acknowledged_overdue_record_says_so_where_it_is_listed_as_overdue(app):
    from sqlalchemy import select

    from bot.blocks.home import home_message
    from bot.messages import render_text
    from storage.models import Reminder

    app.import_sources([str(CBP_PAGE)])
    key = rec(app, 3).key
    admin = Caller("U0ADMIN", is_admin=True, channel_id="C1")
    app.handle(f"assign {key} @U0DANA", admin)
    app.handle("subscribe 232", admin)
    app.reminders.run_pass(NOW)
    text = render_text(home_message(home_data(app, "U0DANA", ["C1"], NOW)))
    assert "Overdue (1)" in text and "(see Acknowledged below)" not in text
    with app.db.session() as s:
        rid = s.scalar(select(Reminder.id).where(Reminder.recommendation_id == rec(app, 3).id))
    assert app.reminders.acknowledge(rid, "U0DANA", "button", "in final review", NOW).ok
    text = render_text(home_message(home_data(app, "U0DANA", ["C1"], NOW)))
    overdue = text.split("Acknowledged in the last 30 days")[0]
    assert key in overdue and "Acknowledged (see Acknowledged below)" in overdue
    assert key in text.split("Acknowledged in the last 30 days (1)")[1]
