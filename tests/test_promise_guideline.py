"""Every decision in docs/promises.md, pinned with positive and negative sentences
in our own words (different wording from bench/promises/challenge.json), and the
reader's explanations: a role and a why for every date it sees."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from bot.gao.promises import ROLES, read

BENCH = Path(__file__).resolve().parents[1] / "bench" / "promises"


def dues(text):
    return [str(p.due) for p in read(text).promises]


def roles(text):
    return {s.phrase: s.role for s in read(text).rejected}


# (decision, sentence, due dates that are promises)
POSITIVE = [
    ("deadline", "The commission intends to adopt the new charter by October 2026.", ["2026-10-31"]),
    ("deadline", "Program managers estimated that the upgrade would be done in fiscal year 2028.", ["2028-09-30"]),
    ("passive", "The revised handbook is expected to be published by the end of 2026.", ["2026-12-31"]),
    ("passive", "New procedures are scheduled to be adopted by July 1, 2026.", ["2026-07-01"]),
    ("fronted", "By August 2026, the service expects to have trained all inspectors.", ["2026-08-31"]),
    ("fronted", "In the first quarter of fiscal year 2027 the agency plans to publish the rule.", ["2026-12-31"]),
    ("fronted", "During fall 2026, the office will finish the inventory.", ["2026-11-30"]),
    ("statement then deadline", "In May 2026, officials said they would issue the policy by September 2026.",
     ["2026-09-30"]),
    ("statement then deadline", "According to a corrective action plan sent to us in April 2026, the bureau "
                                "will close the gap by December 2026.", ["2026-12-31"]),
    ("statutory adopted", "The office intends to meet the statutory deadline of June 2027.", ["2027-06-30"]),
    ("no later than", "Leaders committed to finishing no later than February 15, 2027.", ["2027-02-15"]),
    ("numeric day", "The bureau plans to complete the review by 3/31/2027.", ["2027-03-31"]),
    ("numeric day, two-digit year", "Officials anticipate finishing by 6/30/27.", ["2027-06-30"]),
    ("numeric month", "The agency expects to award the contract by 11/2026.", ["2026-11-30"]),
    ("day month year", "The office expects to finish by 15 March 2027.", ["2027-03-15"]),
    ("mid-year", "The department anticipates a decision by mid-2027.", ["2027-08-31"]),
    ("early year", "The bureau plans to finish the pilot in early 2027.", ["2027-04-30"]),
    ("late year", "Officials expect to publish the results in late 2026.", ["2026-12-31"]),
    ("season", "The office plans to release the tool in winter 2026.", ["2027-02-28"]),
    ("fiscal quarter", "The agency expects to issue guidance in Q3 FY2027.", ["2027-06-30"]),
    ("calendar half", "The board intends to vote in the first half of 2027.", ["2027-06-30"]),
    ("end of year", "In February 2026, the office said it would finish by the end of the year.", ["2026-12-31"]),
    ("end of fiscal year", "In December 2025, officials said they plan to finish by the end of the fiscal year.",
     ["2026-09-30"]),
    ("within months", "In May 2026, the agency said it would issue the rule within 3 months.", ["2026-08-31"]),
    ("within days", "On June 1, 2026, the agency said it would issue the memo within 30 days.", ["2026-07-01"]),
    ("within days, month only", "In June 2026, the agency said it would issue the memo within 30 days.",
     ["2026-07-30"]),
    ("month without a year", "In October 2026, officials said they plan to finish in March.", ["2027-03-31"]),
    ("before", "The bureau intends to adopt the standard before April 2027.", ["2027-03-31"]),
    ("through", "The department expects the remediation work to continue through fiscal year 2027.",
     ["2027-09-30"]),
    ("revision", "In March 2026, the agency moved its target date for the plan to June 2027.", ["2027-06-30"]),
    ("revision", "Officials now say they need until fall 2027.", ["2027-11-30"]),
    ("start and end", "The bureau will begin testing in January 2027 and expects to finish by May 2027.",
     ["2027-05-31"]),
    ("several steps", "The office plans to draft the rule by March 2027 and finalize it by September 2027.",
     ["2027-03-31", "2027-09-30"]),
    # decided on the fresh set's development half (session 5)
    ("fronted after that", "In June 2026, the bureau reported that by May 2027, it would retire the old system.",
     ["2027-05-31"]),
    ("the update is the work", "The office expects to finish this update in 2027.", ["2027-12-31"]),
    ("the plan is the work", "Officials intend to finalize their action plan in March 2027.", ["2027-03-31"]),
    ("an earlier cue past a noun", "The bureau will send its spending plans to OMB in August 2027.", ["2027-08-31"]),
    ("beginning of a year", "Officials expect to adopt the new target by the beginning of 2027.", ["2027-04-30"]),
    ("start of a fiscal year", "At the start of fiscal year 2027, the office plans to launch the portal.",
     ["2027-01-31"]),
]

# (decision, sentence, the role the date must get)
NEGATIVE = [
    ("statement", "As of May 2026, the recommendation was still open.", "statement"),
    ("statement", "In July 2026, the bureau told us that work continues.", "statement"),
    ("statement", "In its August 2026 update, the office described new steps.", "statement"),
    ("statement", "Officials informed us in September 2026 that the review is ongoing.", "statement"),
    ("fronted statement", "In the second quarter of fiscal year 2026 the bureau reported progress.", "statement"),
    ("set-off statement", "The bureau stated, in June 2026, that it will finish the work.", "statement"),
    ("past", "The agency finalized the guidance in January 2026.", "past"),
    ("past", "By March 2026, the office had trained its staff.", "past"),
    ("past", "The pilot was discontinued at the end of fiscal year 2025.", "past"),
    ("gao", "We plan to assess the agency's progress in fiscal year 2027.", "gao"),
    ("gao", "GAO will review the documentation once it arrives in 2027.", "gao"),
    ("gao", "As reported by GAO in June 2024, the office lacks a plan.", "gao"),
    ("report", "The bureau agreed with our September 2024 report.", "report"),
    ("report", "Officials disagreed with GAO's March 2025 recommendation.", "report"),
    ("statutory", "The law requires the office to issue the standard by January 1, 2027.", "statutory"),
    ("start", "The agency intends to start the survey in fiscal year 2027.", "start"),
    ("start", "Officials expect to phase in the system beginning in 2027.", "start"),
    ("recurrence", "The bureau will publish the figures each fiscal year 2027 quarter.", "recurrence"),
    ("recurrence", "The office plans to refresh the list every March 2027 and after.", "recurrence"),
    ("reporting", "The agency plans to send GAO its documentation by March 2027.", "reporting"),
    ("lower bound", "Officials expect the rule no earlier than June 2027.", "lower bound"),
    ("lower bound", "The office will issue the update in May 2027 at the earliest.", "lower bound"),
    ("negated", "The bureau does not plan to finish the study in 2027.", "negated"),
    ("name", "The agency will draw on fiscal year 2026 data for the model.", "name"),
    ("name", "Officials plan to cite the fiscal year 2027 appropriations act in the rule.", "name"),
    ("name", "The office will carry out the work in 2024-2028 under its plan.", "name"),
    ("no intent", "Claims are at a record level in fiscal year 2026.", "no intent"),
    ("unplaced", "The agency said it would finish within 60 days.", "unplaced"),
    ("unplaced", "Officials said they plan to finish by the end of the year.", "unplaced"),
    # decided on the fresh set's development half (session 5)
    ("statement", "In May 2026, bureau leaders reiterated that cost estimates of the program are sound.",
     "statement"),
    ("statement", "In April 2026, the office reaffirmed its agreement with the recommendation.", "statement"),
    ("reporting", "As of June 2026, the bureau planned to provide additional information by August 2026.",
     "reporting"),
    ("reporting", "The office intends to provide supporting documentation by October 2026.", "reporting"),
    ("statement", "The office issued its update in March 2026.", "statement"),  # sent then: no work left
    ("no intent", "Field offices submitted their spending plans to OMB in August 2026.", "no intent"),
    ("statement", "In March 2026, the director communicated the new policy to all staff.", "statement"),
    ("statement", "In April 2026, officials estimated that the bureau would finish in the fall.", "statement"),
    ("statement", "The office has acted, including issuing a plan in May 2026 for the inventory.", "statement"),
    ("reporting", "The bureau said it would provide a status of the team's work in July 2026.", "reporting"),
    ("reporting", "Officials will provide an update on the rule by September 2026.", "reporting"),
]


@pytest.mark.parametrize("decision, text, want", POSITIVE, ids=[f"{d}: {t[:40]}" for d, t, _ in POSITIVE])
def test_guideline_promises(decision, text, want):
    assert dues(text) == want


@pytest.mark.parametrize("decision, text, role", NEGATIVE, ids=[f"{d}: {t[:40]}" for d, t, _ in NEGATIVE])
def test_guideline_not_promises(decision, text, role):
    reading = read(text)
    assert reading.promises == []
    assert role in {s.role for s in reading.rejected}, [(s.phrase, s.role, s.why) for s in reading.rejected]


def test_every_role_is_pinned():
    pinned = {role for _, _, role in NEGATIVE} | {"deadline"}
    assert pinned >= set(ROLES) - {"unsure"}


def test_every_date_seen_has_a_role_and_a_why():
    text = ("In January 2026, the office told us it expects to finish by June 2026, after our May 2025 report; "
            "we will follow up in fiscal year 2027.")
    reading = read(text)
    assert [(p.phrase, str(p.due)) for p in reading.promises] == [("June 2026", "2026-06-30")]
    assert {s.phrase: s.role for s in reading.rejected} == {
        "January 2026": "statement", "May 2025": "report", "fiscal year 2027": "gao"}
    for item in [*reading.promises, *reading.rejected]:
        assert item.why and "\n" not in item.why
    (p,) = reading.promises
    assert 0 < p.confidence <= 1 and p.to_json()["why"] == p.why
    assert reading.rejected[0].to_json()["role"] == "statement"


def test_confidence_is_lower_for_vague_periods():
    exact = read("The office expects to finish by June 30, 2026.").promises[0].confidence
    vague = read("The office expects to finish in mid-2026.").promises[0].confidence
    assert 0 < vague < exact <= 1


def test_revision_makes_the_later_statement_current():
    text = ("In March 2025, the agency expected to finish by December 2025. "
            "In February 2026, officials said they now need until summer 2026.")
    found = read(text).promises
    assert [(str(p.due), p.current) for p in found] == [("2025-12-31", False), ("2026-08-31", True)]
    assert found[1].stated == date(2026, 2, 1)


def test_split_holds_out_a_third_of_every_origin():
    from bench.promises.split import origin_of

    parts = json.loads((BENCH / "split.json").read_text())["parts"]
    by_origin: dict[str, list[str]] = {}
    for cid, part in parts.items():
        by_origin.setdefault(origin_of(cid), []).append(part)
    assert len(by_origin) >= 4
    for origin, ps in by_origin.items():
        assert ps.count("heldout") * 3 >= len(ps), origin


def test_challenge_set_has_positives_and_negatives_for_every_role():
    sentences = json.loads((BENCH / "challenge.json").read_text())["sentences"]
    assert len(sentences) >= 100
    assert sum(1 for s in sentences if s["due"]) >= 40 and sum(1 for s in sentences if not s["due"]) >= 40
    rules = {s["rule"].split("+")[0].split("-negative")[0] for s in sentences}
    assert rules >= {"deadline", "fronted", "statement", "past", "gao", "report", "statutory", "start",
                     "recurrence", "reporting", "lower-bound", "negated", "name", "numeric", "part-of-year",
                     "relative", "month-no-year", "before", "revision", "no-intent"}


# -- session 6: from a data trial's sentences, each a rule the guideline states ----------------------------------

@pytest.mark.parametrize("text, due", [
    ("The office expects to issue the guidance in fiscal year 2026 Q3.", "2026-06-30"),
    ("The office expects to finish in FY2026 3rd quarter.", "2026-06-30"),
    ("The office plans to finish in Q2 of fiscal year 2026.", "2026-03-31"),
    ("The office plans to finish in quarter 2 of fiscal year 2026.", "2026-03-31"),
    ("The office plans to finish in fiscal year 2026, second quarter.", "2026-03-31"),
    ("The office plans to finish in FY26 Q2.", "2026-03-31"),  # as before
])
def test_a_quarter_named_after_its_fiscal_year_is_that_quarter(text, due):
    (p,) = read(text).promises
    assert str(p.due) == due and p.kind == "fiscal quarter"


@pytest.mark.parametrize("text, kept", [
    ("The office said it would not finalize the plan before June 2026.", False),  # not before: a lower bound
    ("The office does not expect to complete the review before March 2026.", False),
    ("The office has not started but plans to finish before June 2026.", True),  # "but" ends the negation
    ("The office has not finished and expects to do so before June 2026.", True),
])
def test_a_negated_verb_then_before_is_a_lower_bound(text, kept):
    assert bool(read(text).promises) is kept


def test_pushed_back_to_is_a_revised_deadline_and_revising_an_estimate_dates_a_statement():
    moved = read("In May 2025, the office said the rollout was delayed and pushed back to March 2027.").promises
    assert [(str(p.due), p.stated) for p in moved] == [("2027-03-31", date(2025, 5, 1))]
    text = ("As of December 2025, officials said they expect to finish by December 2026. In February 2026, "
            "officials revised their estimate, saying they now expect to finish by June 2026.")
    found = read(text).promises
    assert [(str(p.due), p.stated, p.current) for p in found] == [
        ("2026-12-31", date(2025, 12, 1), False), ("2026-06-30", date(2026, 2, 1), True)]


def test_a_bare_pushed_back_to_is_put_to_the_owner_and_delayed_until_is_not_read():
    from bot.gao.effective import LOW_CONFIDENCE

    (p,) = read("The office said the rollout was pushed back to March 2027.").promises
    assert p.confidence < LOW_CONFIDENCE  # asked before any reminder
    assert read("The pilot was delayed until January 2025 because of the lapse in appropriations.").promises == []
