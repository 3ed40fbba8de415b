"""APScheduler 3 inside `gaorec serve`: the reminder pass (cron), the GAO
refresh of configured sources, and outbox delivery, with fixed job ids,
coalescing and one instance at a time. The database holds what is due and
what was sent: no job is stored per reminder. With several replicas only the
leader runs jobs (pg_try_advisory_lock on PostgreSQL, a file lock on SQLite)."""
from __future__ import annotations

import fcntl
import logging
import os
from pathlib import Path

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import make_url

log = logging.getLogger("gaorec.scheduler")
LOCK_ID = 0x6761_6F72  # "gaor"


class Leader:
    """Leadership for scheduled jobs: held for the life of the process once taken."""

    def __init__(self, db):
        self.db = db
        self._held = False
        self._fd = None
        self._conn = None

    def acquire(self) -> bool:
        if self._held:
            return True
        url = make_url(self.db.url)
        if url.get_backend_name() == "sqlite":
            path = Path(url.database or "gaorec.db").with_suffix(".leader")
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            self._fd, self._held = fd, True
        else:
            import psycopg

            conn = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                                   autocommit=True)  # dedicated and unpooled: the lock lives with it
            row = conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_ID,)).fetchone()
            if row is not None and row[0]:
                self._conn, self._held = conn, True
            else:
                conn.close()
                return False
        log.info("this replica is the scheduler leader")
        return True

    @property
    def held(self) -> bool:
        return self._held

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        if self._conn is not None:
            self._conn.close()
        self._held, self._fd, self._conn = False, None, None


def trigger(spec: str, tz):
    """A crontab line ("0 9 * * mon-fri"), or "@every 30s" / "@every 5m" for an interval."""
    import re

    from apscheduler.triggers.interval import IntervalTrigger

    m = re.fullmatch(r"@every\s+(\d+)\s*([smh])", spec.strip())
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return IntervalTrigger(**{{"s": "seconds", "m": "minutes", "h": "hours"}[unit]: n}, timezone=tz)
    return CronTrigger.from_crontab(spec, timezone=tz)


def build(service, engine, poster, leader: Leader) -> BackgroundScheduler:
    tz = service.settings.tz
    sched = BackgroundScheduler(timezone=tz, job_defaults={"coalesce": True, "max_instances": 1,
                                                           "misfire_grace_time": 6 * 3600})

    from .. import metrics

    def led(fn, name):
        def job():
            if not leader.acquire():
                log.debug("%s: not the leader; skipped", name)
                metrics.JOB_RUNS.labels(name, "skipped").inc()
                return
            try:
                fn()
            except Exception:  # noqa: BLE001 - a job failure is logged, the scheduler goes on
                log.exception("%s failed", name)
                metrics.JOB_RUNS.labels(name, "failed").inc()
                return
            metrics.JOB_RUNS.labels(name, "ran").inc()
        return job

    def remind():
        result = engine.run_pass(poster=poster)
        log.info("reminder pass: %d planned, %d delivered, waiting %s", len(result.planned), result.delivered,
                 result.waiting)

    def refresh():
        if not service.settings.sources:
            return
        summary = service.import_sources(service.settings.source_urls,
                                         complete=service.settings.complete_sources)
        log.info("GAO refresh: %d new, %d changed, %d unchanged", summary.new, summary.changed, summary.unchanged)
        engine.deliver(poster)

    sched.add_job(led(remind, "reminder pass"), trigger(service.settings.remind_cron, tz),
                  id="reminder-pass", replace_existing=True)
    sched.add_job(led(refresh, "GAO refresh"), trigger(service.settings.refresh_cron, tz),
                  id="gao-refresh", replace_existing=True)
    sched.add_job(led(lambda: engine.digest(poster=poster), "weekly digest"), trigger(service.settings.digest_cron, tz),
                  id="weekly-digest", replace_existing=True)
    sched.add_job(led(lambda: engine.deliver(poster), "delivery"), "interval", minutes=1, id="outbox-deliver",
                  replace_existing=True)
    return sched
