"""THE owner resolution: who owns a recommendation, and where that comes from.
Every surface (show, cards, App Home, exports, reminders, ``/gaorec mine``,
``/gaorec owners``) asks this module and nothing else.

The order, documented in the README:

1. an assignment (``/gaorec assign KEY @user``) wins: ``owner_source = "assigned"``;
2. else the ``owner_rules`` of the config, **in the order they are written**: the
   first rule that matches gives the owner (``owner_source = "rule"``). An
   ``agency`` rule matches when the recommendation's agency is that agency
   (letter case aside); a ``query`` rule when the recommendation matches the
   query as ``/gaorec QUERY`` would find it (a key, a report number or words);
3. else nobody (``owner_source = None``).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage.queries import recommendations as recs
from storage.models import Assignment, Recommendation, Report

ASSIGNED = "assigned"
RULE = "rule"


@dataclass(frozen=True)
class Rule:
    number: int  # 1-based, the order in the config
    owner: str
    agency: str | None = None
    query: str | None = None

    def describe(self) -> str:
        what = f"agency {self.agency}" if self.agency else f"query “{self.query}”"
        return f"rule {self.number}: {what}"


def rules(raw: list[dict] | None) -> list[Rule]:
    """The usable rules of the config, numbered in their order (a rule without an owner or a test is skipped)."""
    out = []
    for n, r in enumerate(raw or [], 1):
        owner = (r.get("owner") or "").strip()
        agency = (r.get("agency") or "").strip() or None
        query = " ".join((r.get("query") or "").split()) or None
        if owner and (agency or query):
            out.append(Rule(number=n, owner=owner, agency=agency, query=None if agency else query))
    return out


def rule_where(session: Session, rule: Rule):
    """A WHERE clause (over recommendations joined with reports): the recommendations this rule matches."""
    if rule.agency:
        return func.lower(Recommendation.agency) == rule.agency.casefold()
    return recs.matching(session, rule.query or "")


def resolve(session: Session, views: list, raw_rules: list[dict] | None) -> list:
    """Set ``owner``, ``owner_source`` and ``owner_rule`` on each view (assignments are already attached by
    the query that made the views). Returns the views."""
    pending = []
    for v in views:
        if v.owner:
            v.owner_source, v.owner_rule = ASSIGNED, None
        else:
            v.owner_source = v.owner_rule = None
            pending.append(v)
    for rule in rules(raw_rules):
        if not pending:
            break
        if rule.agency:
            hit = {v.id for v in pending if (v.agency or "").casefold() == rule.agency.casefold()}
        else:
            hit = set()
            ids = [v.id for v in pending]
            for i in range(0, len(ids), 500):
                hit |= set(session.scalars(
                    select(Recommendation.id).join(Report, Report.id == Recommendation.report_id)
                    .where(Recommendation.id.in_(ids[i:i + 500]) & rule_where(session, rule))))
        for v in pending:
            if v.id in hit:
                v.owner, v.owner_source, v.owner_rule = rule.owner, RULE, rule.describe()
        pending = [v for v in pending if v.id not in hit]
    return views


def by_ids(session: Session, ids: list[int], raw_rules: list[dict] | None) -> dict[int, recs.RecView]:
    """The views of these recommendations by id, each with its owner resolved (the reminders ask this)."""
    views = recs.by_ids(session, ids) if ids else []
    return {v.id: v for v in resolve(session, views, raw_rules)}


def owned_where(session: Session, owners: list[str], raw_rules: list[dict] | None):
    """A WHERE clause: what these owners own — assigned to them, or unassigned and given to them by the first
    matching rule (a rule earlier in the config that gives it to someone else wins)."""
    where = Recommendation.id.in_(select(Assignment.recommendation_id).where(Assignment.owner.in_(owners)))
    unassigned = Recommendation.id.not_in(select(Assignment.recommendation_id))
    earlier = None
    for rule in rules(raw_rules):
        match = rule_where(session, rule)
        if rule.owner in owners:
            mine = unassigned & match
            where = where | (mine if earlier is None else mine & ~earlier)
        earlier = match if earlier is None else earlier | match
    return where


def unowned_where(session: Session, raw_rules: list[dict] | None):
    """A WHERE clause: recommendations nobody owns (no assignment, no rule matches)."""
    where = Recommendation.id.not_in(select(Assignment.recommendation_id))
    for rule in rules(raw_rules):
        where = where & ~rule_where(session, rule)
    return where


def owned(session: Session, owners: list[str], raw_rules: list[dict] | None, limit: int | None = None) -> list:
    """The recommendations these owners own, soonest promise first, resolved."""
    views = recs.views(session, owned_where(session, owners, raw_rules),
                       order=(Recommendation.current_due.is_(None), Recommendation.current_due, Recommendation.id),
                       limit=limit)
    return resolve(session, views, raw_rules)
