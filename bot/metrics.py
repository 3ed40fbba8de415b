"""Prometheus metrics (GET /metrics on the HTTP server). Counters count what
this process did; gauges read the database at scrape time."""
from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client.core import GaugeMetricFamily

REGISTRY = CollectorRegistry()
COMMANDS = Counter("gaorec_commands", "Slash commands served, by command word", ["command"], registry=REGISTRY)
POSTS = Counter("gaorec_posts", "Posts delivered to Slack, by kind (reminder, followup, escalation, ...)", ["kind"],
                registry=REGISTRY)
SLACK_ERRORS = Counter("gaorec_slack_errors", "Slack calls that failed, by outcome", ["outcome"], registry=REGISTRY)
IMPORTED = Counter("gaorec_imported_recommendations", "Recommendations seen by imports, by result", ["result"],
                   registry=REGISTRY)
LISTENER_RUNS = Counter("gaorec_listener_runs", "Work after Slack's 200 (and its replays from the intake queue), by "
                        "listener and outcome: done; queued (the database was busy); busy (a replay found it busy "
                        "still: it stays queued); lost (neither done nor queued: the sender was told); failed",
                        ["listener", "outcome"], registry=REGISTRY)
JOB_RUNS = Counter("gaorec_job_runs", "Scheduled jobs as they came due, by job and what this replica did: ran (the "
                   "leader), skipped (a follower), failed", ["job", "outcome"], registry=REGISTRY)
DELIVERY_ROUNDS = Counter("gaorec_delivery_rounds", "Rounds of the delivery job (woken, or on its poll), each ended: "
                          "the outbox was delivered or found empty", registry=REGISTRY)


class DatabaseCollector:
    """Gauges from the database: recommendations, overdue, outbox backlog."""

    def __init__(self, service):
        self.service = service

    def collect(self):
        from sqlalchemy import func, select

        from storage import repo
        from storage.models import Outbox

        with self.service.db.session() as s:
            recs = s.scalar(select(func.count()).select_from(repo.Recommendation)) or 0
            overdue = repo.count_overdue(s, self.service.today())
            pending = s.scalar(select(func.count()).select_from(Outbox)
                               .where(Outbox.state.in_(("pending", "sending")))) or 0
        yield GaugeMetricFamily("gaorec_recommendations", "Recommendations stored", value=recs)
        yield GaugeMetricFamily("gaorec_overdue", "Recommendations overdue today", value=overdue)
        yield GaugeMetricFamily("gaorec_outbox_pending", "Posts written but not yet confirmed sent", value=pending)


_collectors: dict[int, DatabaseCollector] = {}


def watch(service) -> None:
    if id(service) not in _collectors:
        _collectors[id(service)] = DatabaseCollector(service)
        REGISTRY.register(_collectors[id(service)])


def exposition() -> bytes:
    return generate_latest(REGISTRY)
