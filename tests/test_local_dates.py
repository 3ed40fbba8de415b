"""A calendar date shown to a person is the date in GAOREC_TIMEZONE (docs/architecture.md, "Time"): an instant
stored just after midnight UTC is still the evening before in New York, on the card, in its details, in the
history and in exports alike (bot/gao/calendar.py: local_day, the one conversion)."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from bot.blocks import reply_message
from bot.gao.calendar import local_day
from bot.messages import render_text
from bot.reply import Caller

SAMPLE = Path(__file__).resolve().parents[1] / "bot" / "samples" / "cbp-agency-page.txt"
FIRST = datetime(2026, 11, 29, 1, 40, tzinfo=timezone.utc)  # 20:40 EST on 2026-11-28
LATER = datetime(2026, 11, 29, 2, 10, tzinfo=timezone.utc)  # 21:10 EST, the same evening
DANA = Caller("U0DANA", "dana", is_admin=True)


def test_local_day_is_the_day_in_the_zone():
    from zoneinfo import ZoneInfo

    ny = ZoneInfo("America/New_York")
    assert local_day(FIRST, ny).isoformat() == "2026-11-28"
    assert local_day("2026-11-29T01:40:00Z", ny).isoformat() == "2026-11-28"
    assert local_day("2026-11-28", ny).isoformat() == "2026-11-28" and local_day(None, ny) is None
    assert local_day(FIRST, timezone.utc).isoformat() == "2026-11-29"


def _text(app, words: str, now: datetime) -> str:
    return render_text(reply_message(app.handle(words, DANA, now=now), share=False, buttons=False))


def test_every_date_shown_is_the_local_day(app, tmp_path):
    app.import_sources([str(SAMPLE)], now=FIRST)
    key = "p75nw"
    card = _text(app, f"show {key}", FIRST)
    assert "none seen since gaorec first read it on 2026-11-28" in card and "2026-11-29" not in card
    assert "as of 2026-11-28" in _text(app, "232", FIRST) and "2026-11-29" not in _text(app, "232", FIRST)
    changed = tmp_path / "page.txt"  # GAO's comment on p75nw updated the same evening
    text = SAMPLE.read_text()
    v = app.show(key)
    assert v is not None and v.comments and v.comments[:60] in text
    changed.write_text(text.replace(v.comments[:60], "Update: " + v.comments[:60], 1))
    app.import_sources([str(changed)], now=LATER)
    card = _text(app, f"show {key}", LATER)
    history = _text(app, f"history {key}", LATER)
    assert "GAO's comment updated on 2026-11-28" in card and "2026-11-29" not in card
    assert "2026-11-28 status Open → Open, comment updated" in history and "2026-11-29" not in history


def test_a_correction_is_dated_by_the_local_day(app):
    from datetime import date

    from bot.blocks.reminders import source_line
    from bot.messages import to_plain
    from bot.services import promises as sp

    app.import_sources([str(SAMPLE)], now=FIRST)
    assert sp.apply(app, "p75nw", "set", actor="U0DANA", via="cli", due=date(2027, 6, 30), check=False,
                    now=FIRST).ok
    assert "by @U0DANA on 2026-11-28" in to_plain(source_line(app.show("p75nw"), app.today))  # the reminder's note
    out = sp.apply(app, "p75nw", "confirm", actor="U0DANA", via="cli", check=False, now=LATER)
    assert out.ok and out.text.endswith("set by U0DANA on 2026-11-28"), out.text
