"""Promised dates: what counts, what does not, and the calendar arithmetic."""
from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from hypothesis import given, settings, strategies as st

from bot.gao import calendar as cal
from bot.gao.promises import KINDS, extract, latest_statement, phrase_for, sentences


def dues(text):
    return [(str(p.due), p.kind) for p in extract(text)]


@pytest.mark.parametrize("text, due, kind", [
    ("The agency estimated that review of the draft guidance would be complete by March 2024.", "2024-03-31", "month"),
    ("Officials said they expect to finish by December 31, 2026.", "2026-12-31", "date"),
    ("The office will reach its target by the end of FY2023.", "2023-09-30", "fiscal year"),
    ("It planned to undertake initiatives in fiscal year 2023.", "2023-09-30", "fiscal year"),
    ("The office anticipates the corrective actions to continue through fiscal year 2024.", "2024-09-30",
     "fiscal year"),
    ("It expects to issue guidance in the first quarter of fiscal year 2025.", "2024-12-31", "fiscal quarter"),
    ("The directive will be updated (estimated release in 4Q FY2020).", "2020-09-30", "fiscal quarter"),
    ("The department expected to complete actions by the end of calendar year 2018.", "2018-12-31", "calendar year"),
    ("The agency expected to submit it for review in summer 2023.", "2023-08-31", "season"),
    ("It plans to finish the study in winter 2024.", "2025-02-28", "season"),
    ("The office anticipates completing these actions by May 2024.", "2024-05-31", "month"),
    ("It is drafting the assessments, with an estimated completion date in June 2024.", "2024-06-30", "month"),
    ("Early rollouts are slated to occur by end of fiscal year 2026.", "2026-09-30", "fiscal year"),
    ("The agency expects to publish the rule in the third quarter of 2025.", "2025-09-30", "quarter"),
    ("Officials plan to finish in the second half of fiscal year 2025.", "2025-09-30", "fiscal half"),
    ("It intends to issue the plan by Sept. 30, 2025.", "2025-09-30", "date"),
    ("It will finish by February 2024.", "2024-02-29", "month"),
])
def test_promises_found(text, due, kind):
    assert dues(text) == [(due, kind)]


@pytest.mark.parametrize("text", [
    "As of March 2024, this recommendation remains open.",
    "In January 2024, the agency stated that work continues.",
    "Officials said they discontinued use of the systems at the end of fiscal year 2023.",
    "The agency stated that it completed its initial design in the 4th quarter of 2025.",
    "We will follow up in the second quarter of fiscal year 2024.",
    "We are monitoring progress and plan to follow up in the second quarter of fiscal year 2024.",
    "The agency agreed with GAO's December 2019 recommendation.",
    "The act requires the department to submit the report by December 31, 2024.",
    "The agency plans to update its tracking system beginning in fiscal year 2021.",
    "Implementing this will likely take 2-3 years.",
    "A request was entered on April 21, 2023, to the committee.",
    "The trials must report results within 1 year of the primary completion date.",
    "A hiring schedule was formulated for FY2022 to address vacancies under the Hiring Plan.",
    "In its April 2023 response to our report, the department disagreed.",
    "The office issued updated guidance in October 2023 and January 2024.",
    "In January 2023, officials told us that they would not continue the pilot in 2023 due to insufficient resources.",
    "",
])
def test_not_promises(text):
    assert extract(text) == []


def test_statement_dates_and_current_promise():
    text = ("The agency concurred and said it would finish by March 2024. In January 2025, officials stated that "
            "the work would be done by June 2025. As of May 2026, the agency expects to finish by December 2026.")
    found = extract(text)
    assert [(str(p.due), str(p.stated) if p.stated else None, p.current) for p in found] == [
        ("2024-03-31", None, False), ("2025-06-30", "2025-01-01", False), ("2026-12-31", "2026-05-01", True)]
    assert latest_statement(text) == date(2026, 5, 1)


def test_relative_end_of_year_takes_the_statement_year():
    (p,) = extract("In March 2025, officials said they plan to finish by the end of the year.")
    assert (p.due, p.kind, p.stated) == (date(2025, 12, 31), "relative", date(2025, 3, 1))
    assert extract("Officials said they plan to finish by the end of the year.") == []  # no statement to anchor it


def test_a_past_promise_about_a_past_period_is_still_a_promise():
    (p,) = extract("In 2019, the agency said it would complete the plan by December 31, 2020.")
    assert p.due == date(2020, 12, 31)


def test_quirks_entities_dashes_and_lost_section_signs():
    text = ("Under 19 U.S.C. ? 1592(d), officials said the agency&amp;its partners will finish\u00a0by "
            "March\u00a02024 \u2013 subject to funding. No. 5 is unrelated.")
    assert dues(text) == [("2024-03-31", "month")]


def test_sentences_keep_abbreviations_together():
    parts = [s for _, s in sentences("U.S. Customs said so. It will act by May 2024. No. 5 stays.")]
    assert parts == ["U.S. Customs said so.", "It will act by May 2024.", "No. 5 stays."]


def test_several_promises_in_one_comment_are_all_returned():
    text = ("In February 2025, the office stated that it planned to develop a plan by April 30, 2025, "
            "and launch a new cohort by January 1, 2026.")
    assert [(str(p.due), p.current) for p in extract(text)] == [("2025-04-30", False), ("2026-01-01", True)]


def test_one_megabyte_comment_is_handled():
    """No catastrophic backtracking: a 1 MB comment finishes (the bench measures how fast)."""
    chunk = "The agency expects to finish by March 2024 and will report ((((((((( 2023 2024 by by in FY "
    text = chunk * (1_000_000 // len(chunk))
    started = time.perf_counter()
    found = extract(text)
    assert found and time.perf_counter() - started < 30  # a guard against a hang, not a speed claim


# -- calendar properties -------------------------------------------------------

years = st.integers(min_value=1990, max_value=2090)


@given(years, st.integers(1, 4))
def test_fiscal_quarter_ends(fy, q):
    end = cal.fiscal_quarter_end(fy, q)
    assert (end + timedelta(days=1)).day == 1  # a month end
    assert end.month in (12, 3, 6, 9)
    assert cal.fiscal_year_of(end) == fy
    assert cal.fiscal_year_start(fy) <= end <= cal.fiscal_year_end(fy)
    if q == 1:
        assert end == date(fy - 1, 12, 31)


@given(years, st.integers(1, 12))
def test_month_ends_and_leap_years(y, m):
    end = cal.month_end(y, m)
    assert (end + timedelta(days=1)).day == 1 and end.month == m
    if m == 2:
        leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
        assert end.day == (29 if leap else 28)


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)))
def test_fiscal_year_of_matches_its_bounds(d):
    fy = cal.fiscal_year_of(d)
    assert cal.fiscal_year_start(fy) <= d <= cal.fiscal_year_end(fy)


PERIOD_ENDS = {
    "date": st.dates(min_value=date(1995, 1, 1), max_value=date(2085, 12, 31)),
    "month": st.builds(cal.month_end, years, st.integers(1, 12)),
    "quarter": st.builds(cal.quarter_end, years, st.integers(1, 4)),
    "fiscal quarter": st.builds(cal.fiscal_quarter_end, years, st.integers(1, 4)),
    "half": st.builds(cal.half_end, years, st.integers(1, 2)),
    "fiscal half": st.builds(cal.fiscal_half_end, years, st.integers(1, 2)),
    "fiscal year": st.builds(cal.fiscal_year_end, years),
    "calendar year": st.builds(lambda y: date(y, 12, 31), years),
    "season": st.builds(cal.season_end, st.sampled_from(["spring", "summer", "fall", "winter"]), years),
}


@pytest.mark.parametrize("kind", sorted(PERIOD_ENDS))
def test_every_kind_round_trips_through_its_phrase(kind):
    assert kind in KINDS

    @settings(max_examples=80, deadline=None)
    @given(PERIOD_ENDS[kind])
    def check(due):
        phrase = phrase_for(kind, due)
        found = extract(f"The agency expects to complete this by {phrase}.")
        assert [(p.due, p.kind) for p in found] == [(due, kind)], phrase

    check()


def test_speed_shortcuts_find_what_the_full_patterns_find():
    """The per-first-character copies of the time pattern and the lower-cased start-word scan are shortcuts:
    at every position they must answer as the full case-insensitive patterns do, odd letters included; the
    anchor pattern written to start with one character class finds what the plain one finds."""
    import re

    import bot.gao.promises as P

    texts = ["The agency expects to finish by the fourth quarter of fiscal year 2026, in 9/30/2025 or FY27 Q2.",
             "BY JUNE 2026 THE OFFICE INTENDS TO ISSUE IT; Fiscal Yearly 20251 within 90 days, mid-2025.",
             "Officials ſaid in ſpring 2026 and İn March 2027 the Kelvin K, ıt, Émile, “quoted” 12/ May.",
             "Yearly Months aMay May, XJune 3 Days days weeks week 1/2 ١٢ 12/2 9/ JulyX August\nDecember Dec.",
             "By the beginning of 2025, THE START OF FY26, the start of fiscal year 2027, the beginnings of 2024."]
    for text in texts:
        low, pattern = P._lowered(text)
        for lo in range(len(text)):
            for hi in (len(text), min(len(text), lo + 7)):
                assert [w.start() for w in pattern.finditer(low, lo, hi)] == \
                       [w.start() for w in P._START_AT.finditer(text, lo, hi)]
            full = P._TIME.match(text, lo)
            fast = P._TIME_AT.get(text[lo], P._TIME).match(text, lo)
            assert (full and (full.span(), full.lastgroup)) == (fast and (fast.span(), fast.lastgroup))
            if full:
                assert full.groupdict() == fast.groupdict()
        plain = re.compile(P._ANCHORS)
        for lo in range(len(text)):
            assert [a.span() for a in plain.finditer(text, lo)] == [a.span() for a in P._ANCHOR.finditer(text, lo)]
    assert P._lowered(texts[2])[1] is P._START_AT  # "ſ" and "ı": the full pattern is used


def test_a_start_word_is_decided_within_its_span():
    """The reader trusts that a scan ending _START_SPAN or more characters after a word's first character
    finds the word a start word just when a scan of the whole sentence does (bot/gao/promises.py, _times)."""
    import bot.gao.promises as P

    texts = ["in the next eighteenth, in the next eighteen months, in the next 9 weeks, within 90 days, in 12/2025",
             "the fourth quarter, the first half, the end of the year, the close of FY2025, then, theory",
             "fiscal years 2024 and 2025, fiscal year, fiscal yearly, calendar year 2026, later this year",
             "12 May 2025, 9/30/25, 4Q FY2020, Q1 FY25, FY2025Q3, CY2024, 20251, 1990s, mid-2025, in 9 months",
             "the beginning of 2025, the start of FY26, the beginnings, the starting, the start of fiscal year 2027"]
    for text in texts:
        low, pattern = P._lowered(text)
        whole = {w.start() for w in pattern.finditer(low)}
        for p in range(len(text)):
            if p and (low[p - 1].isalnum() or low[p - 1] == "_"):
                continue  # not a word's first character
            for hi in range(p + P._START_SPAN, len(text) + 1):
                assert (pattern.match(low, p, hi) is not None) == (p in whole), (text[p:hi], hi)
