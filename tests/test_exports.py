"""Exports (CSV, XLSX) and the audit log; /gaorec export uploads to the caller."""
from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook

from bot.commands.records import history_reply
from bot.exports import COLUMNS
from bot.services.exports import audit

from .conftest import CBP_PAGE
from .fakeslack import FakeSlack, command_body, post, signed_headers
from .slackserver import SECRET, ServeProcess
from .test_overdue import rec4_comment

pytestmark = pytest.mark.sqlite_only  # file formats and uploads; the queries run on PostgreSQL elsewhere


def test_export_overdue_csv_and_xlsx(cli, tmp_path):
    cli("import", str(CBP_PAGE))
    out = cli("export", "--overdue", "--format", "csv", "--as-of", "2026-12-01").output
    table = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    assert table[0] == COLUMNS and len(table) == 8
    rows = table[1:]
    assert sorted(r[7] for r in rows) == sorted(["March 2024", "March 2024", "fiscal year 2023", "FY2023",
                                                 "May 2024", "May 2024", "June 2024"])
    assert all(int(r[9]) > 800 for r in rows)
    xlsx = tmp_path / "o.xlsx"
    r = cli("export", "--overdue", "--format", "xlsx", "--as-of", "2026-12-01", "--output", str(xlsx))
    assert r.exit_code == 0
    ws = load_workbook(xlsx).active
    values = [[("" if c is None else str(c)) for c in row] for row in ws.iter_rows(values_only=True)]
    assert values[0] == COLUMNS
    assert [v[:9] for v in values[1:]] == [r[:9] for r in rows]


def test_export_unimplemented_and_formula_injection(cli, tmp_path):
    p = tmp_path / "page.txt"
    p.write_text(CBP_PAGE.read_text().replace("CBP agreed with this recommendation. We will update",
                                              '=HYPERLINK("http://x") CBP agreed. We will update', 1))
    cli("import", str(p))
    out = cli("export", "--unimplemented").output
    assert len(list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))) == 11
    assert ",=HYPERLINK" not in out


def test_two_date_moves_show_in_order_with_audit(app, tmp_path):
    app.import_sources([str(CBP_PAGE)], now=datetime(2026, 11, 1, tzinfo=timezone.utc))
    first = tmp_path / "a.txt"
    first.write_text(rec4_comment(CBP_PAGE.read_text()))
    app.import_sources([str(first)], now=datetime(2026, 11, 10, tzinfo=timezone.utc))
    second = tmp_path / "b.txt"
    second.write_text(first.read_text().replace("by June 2027", "by December 2027"))
    app.import_sources([str(second)], now=datetime(2026, 11, 20, tzinfo=timezone.utc))
    key = [v.key for v in app.search("232")[0] if v.rec_number == 4][0]
    v = app.show(key)
    assert [(s["old_due"], s["new_due"]) for s in v.slips] == [("2024-03-31", "2027-06-30"),
                                                              ("2027-06-30", "2027-12-31")]
    from bot.blocks import card_blocks
    blob = json.dumps(card_blocks(v, date(2026, 12, 1), tz=timezone.utc), ensure_ascii=False)
    assert "Moved 2 times: Mar 2024 → Jun 2027 → Dec 2027" in blob
    history = [e for e in history_reply(app, key, date(2026, 12, 1)).data["events"] if e["kind"] == "status"]
    assert len(history) == 2
    audited = [e for e in audit(app.db, key=key) if e["action"] == "status"]
    assert [e["at"][:10] for e in audited] == ["2026-11-10", "2026-11-20"]


def test_audit_cli(cli):
    cli("import", str(CBP_PAGE))
    key = json.loads(cli("search", "232", "--json").output)["results"][0]["key"]
    cli("shell", input=f"/gaorec assign {key} @U0DANA\n/gaorec subscribe\n")
    events = json.loads(cli("audit", "--json").output)["events"]
    # newest first (issue #15: the audit log pages from the newest event and says how many more)
    assert [(e["action"], e["actor"]) for e in events] == [("subscribe", "U_LOCAL"), ("assign", "U_LOCAL")]
    assert json.loads(cli("audit", key, "--json").output)["events"][0]["detail"]["owner"] == "U0DANA"
    assert cli("audit", "zzzzz").exit_code == 1


def test_slash_export_uploads_to_the_caller(app):
    fake = FakeSlack().start()
    app.import_sources([str(CBP_PAGE)])
    proc = ServeProcess(app.db.url, fake.api_url)
    try:
        body = command_body("export overdue", user_id="U0DANA", response_url=fake.response_url("x"))
        headers = signed_headers(SECRET, body, content_type="application/x-www-form-urlencoded")
        assert post(proc.url, body, headers)[0] == 200
        fake.wait_for("files.completeUploadExternal")
        assert fake.of("conversations.open")[0].params["users"] == "U0DANA"
        upload = fake.of("file_upload")[0]
        ws = load_workbook(io.BytesIO(upload.params["bytes"])).active
        # the header, then the page's 7 promised dates, all past (the latest is June 2024)
        assert ws.max_row == 1 + 7
        header = [c.value for c in ws[1]]
        keys = {row[header.index("Key")] for row in ws.iter_rows(min_row=2, values_only=True)}
        assert keys == {v.key for v in app.overdue(app.today())}
        done = fake.of("files.completeUploadExternal")[0].params
        assert done["channel_id"] == "D0DANA"
        assert "Your export" in json.dumps(fake.wait_for("response_url")[0].params)
    finally:
        proc.stop()
        fake.stop()


def test_audit_log_is_append_only_in_the_database(app):
    import sqlalchemy

    from storage.models import AuditEvent
    app.handle("subscribe", __import__("bot.reply", fromlist=["Caller"]).Caller("U0ADMIN", is_admin=True,
                                                                                channel_id="C1"))
    for stmt in (sqlalchemy.update(AuditEvent).values(actor="someone else"), sqlalchemy.delete(AuditEvent)):
        with pytest.raises(sqlalchemy.exc.DBAPIError, match="append-only"):
            with app.db.write() as s:
                s.execute(stmt)
    assert [e["actor"] for e in audit(app.db)] == ["U0ADMIN"]
