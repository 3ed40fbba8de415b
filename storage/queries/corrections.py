"""Promise corrections and confirmations: the owner's word on a promise, kept
as added rows (the latest holds), each one also written to the audit log."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from bot.gao.effective import Decision, fingerprint
from bot.gao.promises import Promise

from ..models import PromiseCorrection, Recommendation
from ..types import iso_z


def _decision(row: PromiseCorrection) -> Decision:
    return Decision(action=row.action, due=row.due, reason=row.reason, actor=row.actor, at=row.at,
                    fingerprint=row.comment_fingerprint, via=row.via, id=row.id)


_C = PromiseCorrection.__table__.c
# built once: executed with a chunk of ids (Core rows, no ORM identity map)
_LATEST = select(_C.recommendation_id, _C.action, _C.due, _C.reason, _C.actor, _C.at, _C.comment_fingerprint, _C.via,
                 _C.id).where(_C.id.in_(select(func.max(_C.id)).where(_C.recommendation_id.in_(
                     bindparam("ids", expanding=True))).group_by(_C.recommendation_id)))
_ANY = select(_C.id).limit(1)


def latest(session: Session, rec_ids: Iterable[int]) -> dict[int, Decision]:
    """The latest word on each of these recommendations (whether or not it still holds)."""
    ids = list(rec_ids)
    out: dict[int, Decision] = {}
    conn = session.connection()
    for i in range(0, len(ids), 500):
        for rec_id, action, due, reason, actor, at, fp, via, row_id in conn.execute(_LATEST, {"ids": ids[i:i + 500]}):
            out[rec_id] = Decision(action=action, due=due, reason=reason, actor=actor, at=at, fingerprint=fp, via=via,
                                   id=row_id)
    return out


def any_exist(session: Session) -> bool:
    return session.connection().execute(_ANY).first() is not None


def add(session: Session, rec_id: int, *, action: str, due: date | None, reason: str | None, read: Promise | None,
        comment: str | None, actor: str, via: str, now: datetime) -> Decision:
    """Record the owner's word, and the same in the audit log."""
    from ..repo import audit

    row = PromiseCorrection(
        recommendation_id=rec_id, action=action, due=due, reason=reason, read_due=read.due if read else None,
        read_phrase=read.phrase[:200] if read else None, read_sentence=read.sentence if read else None,
        read_confidence=read.confidence if read else None, comment=comment,
        comment_fingerprint=fingerprint(comment), actor=actor[:64], via=via[:16], at=now)
    session.add(row)
    session.flush()
    audit(session, at=now, actor=actor[:64], action=f"promise-{action}", recommendation_id=rec_id, detail={
        "due": due.isoformat() if due else None, "reason": reason, "via": via,
        "read_due": read.due.isoformat() if read else None, "read_phrase": read.phrase if read else None})
    return _decision(row)


def examples(session: Session) -> list[dict]:
    """Corrections and confirmations as labelled examples: for each recommendation and version of GAO's comment,
    the latest word that was not taken back (cleared), with the comment, the sentence and the date read."""
    rows = session.execute(select(PromiseCorrection, Recommendation.key)
                           .join(Recommendation, Recommendation.id == PromiseCorrection.recommendation_id)
                           .order_by(PromiseCorrection.id)).all()
    last: dict[tuple[int, str], tuple[PromiseCorrection, str]] = {}
    for row, key in rows:
        last[(row.recommendation_id, row.comment_fingerprint)] = (row, key)
    out = []
    for row, key in last.values():
        if row.action == "clear":
            continue
        out.append({
            "key": key, "label": {"set": "corrected", "none": "no promise", "confirm": "confirmed"}[row.action],
            "comment": row.comment, "sentence": row.read_sentence,
            "read_due": row.read_due.isoformat() if row.read_due else None, "read_phrase": row.read_phrase,
            "read_confidence": row.read_confidence,
            "due": row.due.isoformat() if row.due else None, "no_promise": row.action == "none",
            "reason": row.reason, "by": row.actor, "at": iso_z(row.at)})
    return out


def read_current(session: Session, rec_id: int) -> Promise | None:
    """The current promise as read from GAO's comment (before any owner's word)."""
    from ..models import Promise as PromiseRow

    p = session.scalar(select(PromiseRow).where(PromiseRow.recommendation_id == rec_id, PromiseRow.current.is_(True))
                       .limit(1))
    if p is None:
        return None
    return Promise(due=p.due, phrase=p.phrase, sentence=p.sentence, kind=p.kind, stated=p.stated,
                   confidence=p.confidence, current=True, why=p.why or "")
