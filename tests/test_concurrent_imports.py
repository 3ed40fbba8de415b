"""Issue #15, finding 5: imports into one database run one at a time. Two
`gaorec import` processes of the same update give one set of status events,
slips and audit rows; two of new data both end cleanly (no UniqueViolation);
a second import that cannot wait says plainly that one is running."""
from __future__ import annotations

import os
import re
import subprocess
import time

from sqlalchemy import func, select

from bench.generate import export
from storage import models

from .slackserver import ROOT
from .forkserver import gaorec_argv

ROWS = 3000


def env_for(db_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "GAOREC_"))}
    env.update({"DATABASE_URL": db_url, **extra})
    return env


def two_imports(db_url: str, path, **extra) -> list[subprocess.CompletedProcess]:
    procs = [subprocess.Popen([*gaorec_argv(), "import", "--json", str(path)], cwd=ROOT,
                              env=env_for(db_url, **extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = []
    for p in procs:
        out, err = p.communicate(timeout=900)
        outs.append(subprocess.CompletedProcess(p.args, p.returncode, out, err))
    return outs


def counts(app) -> dict:
    with app.db.session() as s:
        def n(model, *where):
            return s.scalar(select(func.count()).select_from(model).where(*where)) or 0
        return {"recs": n(models.Recommendation), "events": n(models.StatusEvent), "slips": n(models.Slip),
                "audit": n(models.AuditEvent, models.AuditEvent.action == "status"), "imports": n(models.ImportRun)}


def updated(original: bytes) -> bytes:
    """The same export a month later: partially addressed recommendations closed, promised years moved."""
    text = original.decode().replace("Open--Partially Addressed", "Closed--Implemented")
    text = re.sub(r"complete by (\w+) (20\d\d)", lambda m: f"complete by {m.group(1)} {int(m.group(2)) + 1}", text)
    return text.encode()


def test_two_concurrent_imports_of_new_data_end_cleanly(app, tmp_path):
    src = tmp_path / "new.csv"
    src.write_bytes(export(ROWS))
    results = two_imports(app.db.url, src)
    for r in results:
        assert r.returncode == 0, r.stderr
        assert "Traceback" not in r.stderr and "UniqueViolation" not in r.stderr
    assert counts(app)["recs"] == ROWS
    assert sorted(int(re.search(r'"new": (\d+)', r.stdout).group(1)) for r in results) == [0, ROWS]


def test_two_concurrent_imports_of_one_update_give_single_events_and_slips(app, tmp_path):
    first, second = tmp_path / "v1.csv", tmp_path / "v2.csv"
    first.write_bytes(export(ROWS))
    second.write_bytes(updated(first.read_bytes()))
    app.import_sources([str(first)])
    before = counts(app)
    results = two_imports(app.db.url, second)
    for r in results:
        assert r.returncode == 0 and "Traceback" not in r.stderr, r.stderr
    after = counts(app)
    changed = sorted(int(re.search(r'"changed": (\d+)', r.stdout).group(1)) for r in results)
    assert changed[0] == 0 and changed[1] > 100  # one import did the update, the other found nothing new
    events = after["events"] - before["events"]
    slips = after["slips"] - before["slips"]
    expected_events = sum(1 for line in first.read_text().splitlines() if "Open--Partially Addressed" in line)
    assert events >= expected_events > 0
    assert after["audit"] - before["audit"] == events  # one audit row per status event, not two
    with app.db.session() as s:
        doubled = s.execute(select(models.StatusEvent.recommendation_id, func.count())
                            .group_by(models.StatusEvent.recommendation_id).having(func.count() > 1)).all()
        slipped_twice = s.execute(select(models.Slip.recommendation_id, func.count())
                                  .group_by(models.Slip.recommendation_id).having(func.count() > 1)).all()
    assert doubled == [] and slipped_twice == [] and slips > 0


def test_a_second_import_that_cannot_wait_says_one_is_running(app, tmp_path):
    from storage.locks import import_lock

    src = tmp_path / "small.csv"
    src.write_bytes(export(50))
    with import_lock(app.db, 0):
        started = time.monotonic()
        out = subprocess.run([*gaorec_argv(), "import", str(src)], cwd=ROOT,
                             env=env_for(app.db.url, GAOREC_IMPORT_WAIT="2"), capture_output=True, text=True,
                             timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "another import into" in out.stderr and "is running" in out.stderr and "waiting" in out.stderr
    assert time.monotonic() - started >= 2
    assert counts(app)["recs"] == 0
