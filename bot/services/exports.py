"""The export file (one row per recommendation, CSV or XLSX) and the audit log, read."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from storage import repo
from storage.db import Database
from storage.queries import audit as audit_q

from . import owners

if TYPE_CHECKING:
    from ..service import Gaorec

MAX_QUERY = 500


def export(service: Gaorec, fmt: str = "csv", *, overdue_only: bool = False, unimplemented: bool = False,
           query: str | None = None, as_of: date | None = None) -> tuple[str, bytes, int]:
    """(file name, bytes, rows): one row per recommendation."""
    from .. import exports

    as_of = as_of or service.today()
    with service.db.session() as s:
        views = repo.export_views(s, as_of, overdue_only=overdue_only, unimplemented=unimplemented,
                                  query=(query or "")[:MAX_QUERY] or None)
        owners.resolve(s, views, service.settings.owner_rules)
        acks = repo.last_acknowledgements(s, [v.id for v in views])
    table = exports.rows(views, acks, as_of, service.settings.tz)
    kind = "overdue" if overdue_only else "unimplemented" if unimplemented else "recommendations"
    name = f"gao-{kind}-{as_of.isoformat()}.{fmt}"
    return name, exports.to_xlsx(table) if fmt == "xlsx" else exports.to_csv(table), len(table)


def _audit_rec_id(session, key: str | None) -> int | None:
    """The recommendation an audit query is about (None: all); an unknown key is the user's error."""
    from ..service import GaorecError

    if not key:
        return None
    v = repo.get(session, key)
    if v is None:
        raise GaorecError(f"no recommendation has the key {key!r}")
    return v.id


def audit(db: Database, since: datetime | None = None, key: str | None = None) -> list[dict]:
    with db.session() as s:
        return repo.audit_log(s, since=since, rec_id=_audit_rec_id(s, key))


def audit_page(db: Database, since: datetime | None = None, key: str | None = None, *, limit: int = 100,
               offset: int = 0) -> tuple[list[dict], int]:
    """(events newest first, how many match in all)."""
    with db.session() as s:
        return audit_q.page(s, since=since, rec_id=_audit_rec_id(s, key), limit=limit, offset=offset)
