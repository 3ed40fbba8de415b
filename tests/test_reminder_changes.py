"""Pure parts of "reminders that stay true" and of the one snooze rule: no database, no Slack."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

from bot.blocks.reminders import reminder_blocks, status_change_text, updated_heading
from bot.reminders.changes import comment_diff
from bot.reminders.answers import MAX_SNOOZE_DAYS, snooze_refusal
from .block_shapes import utc_day

OLD = ("The agency concurred with the recommendation. In May 2023, officials said the U.S. Coast Guard would "
       "issue guidance by March 2024. GAO will follow up.")


def test_an_added_sentence_is_what_changed_not_the_opening():
    new = OLD + " In October 2026, officials said the guidance <was> issued & in use."
    d = comment_diff(OLD, new)
    assert d.added == ["In October 2026, officials said the guidance <was> issued & in use."] and d.removed == 0


def test_a_rewritten_sentence_counts_as_changed_and_a_dropped_one_as_gone():
    new = ("The agency concurred with the recommendation. In May 2023, officials said the U.S. Coast Guard would "
           "issue guidance by June 2025.")
    d = comment_diff(OLD, new)
    assert d.added == ["In May 2023, officials said the U.S. Coast Guard would issue guidance by June 2025."]
    assert d.removed == 1  # "GAO will follow up." is gone
    assert comment_diff(OLD, "  " + OLD.replace(" ", "  ")).added == []  # whitespace alone changes nothing


def view(**kw):
    base = dict(key="k7m2q", rec_number=1, report_title="A report", report_number="GAO-23-1", agency="CBP",
                url=None, priority=False, status="Closed - Implemented", slips=[], owner=None, current_promise=None)
    base.update(kw)
    v = SimpleNamespace(**base)
    v.is_open = lambda: v.status in ("Open", "Open - Partially Addressed")
    v.days_overdue = lambda as_of: None
    return v


def test_the_thread_note_escapes_and_quotes_only_the_changes():
    d = comment_diff(OLD, OLD + " Officials said <!channel> it is done.")
    text = status_change_text(view(), "Open", date(2026, 12, 1), added=d.added, removed=d.removed)
    assert "Status: Open → *Closed - Implemented*" in text
    assert "&lt;!channel&gt;" in text and "<!channel>" not in text
    assert "concurred" not in text and "Reminders for the old promise have stopped." in text


def test_a_stopped_parent_has_no_buttons_and_no_words_about_them():
    v = view()
    blocks = list(reminder_blocks(v, date(2026, 12, 1), 5, day=utc_day, buttons=False,
                                  heading=updated_heading(v, date(2026, 12, 1))))
    flat = str(blocks)
    assert "now Closed - Implemented" in flat and "passed with no status change" not in flat
    assert "actions" not in [b["type"] for b in blocks] and "Acknowledge" not in flat


def test_one_snooze_rule_for_every_surface():
    now = datetime(2026, 12, 1, 14, tzinfo=timezone.utc)
    assert snooze_refusal(now + timedelta(days=7), now) is None
    assert snooze_refusal(now + timedelta(days=MAX_SNOOZE_DAYS), now) is None  # /gaorec snooze KEY 365d
    assert "at most 365 days" in snooze_refusal(now + timedelta(days=MAX_SNOOZE_DAYS, seconds=1), now)
    assert "at most" in snooze_refusal(datetime(2099, 1, 1, tzinfo=timezone.utc), now)  # the date picker's far future
    assert "after today" in snooze_refusal(now - timedelta(hours=1), now)
