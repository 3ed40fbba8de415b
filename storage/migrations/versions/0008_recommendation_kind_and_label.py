"""recommendations: kind (recommendation | matter) and label ("19-01")

Matters for Congress are numbered apart from recommendations, and GAO's
labels that are not integers are kept as written. Existing rows are read
again: a record addressed to Congress is a matter, and a marker the earlier
parser did not read ("(Recommendations 5)", "[Recommendation 1]",
"(Matter 4)", "(Recommendation 19-01)") still ends its text, so its number or
label, kind and identity are set from it. Keys never change.

Revision ID: 0008
Revises: 0014
Create Date: 2026-11-28
"""
import re

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0014'
branch_labels = None
depends_on = None

# A frozen copy of bot.gao.text's marker (migrations do not follow later code changes).
_MARKER_RE = re.compile(
    r"[(\[]\s*(?P<word>recommendations?|recs?\.?|matters?(?:\s+for\s+(?:congressional\s+)?consideration)?)"
    r"(?:\s*(?:no\.|#)?\s*(?P<label>\d{1,4}(?:\s*[-–.]\s*\d{1,4})*)\s*\.?)?"
    r"\s*[)\]]?\s*\.?\s*$",
    re.IGNORECASE,
)


def _agency(a):
    return " ".join((a or "").replace("&amp;", "&").casefold().split())


def upgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False,
                                      server_default='recommendation'))
        batch_op.add_column(sa.Column('label', sa.String(length=32), nullable=True))

    conn = op.get_bind()
    recs = sa.table('recommendations', sa.column('id', sa.Integer), sa.column('report_id', sa.Integer),
                    sa.column('ident', sa.String), sa.column('number', sa.Integer), sa.column('agency', sa.String),
                    sa.column('text', sa.Text), sa.column('kind', sa.String), sa.column('label', sa.String))
    rows = conn.execute(sa.select(recs.c.id, recs.c.report_id, recs.c.ident, recs.c.number, recs.c.agency,
                                  recs.c.text)).all()
    taken = {(r.report_id, r.ident) for r in rows}
    for r in rows:
        an = _agency(r.agency)
        kind = "matter" if an == "congress" else "recommendation"
        number, label, text, ident = r.number, None, r.text, r.ident
        m = _MARKER_RE.search(r.text or "") if r.number is None else None
        if m:
            if m.group("word").lower().startswith("matter"):
                kind = "matter"
            raw = "".join((m.group("label") or "").split())
            if raw.isdigit():
                number = int(raw)
            elif raw:
                label = raw
            text = r.text[: m.start()].rstrip() or None
        lab = str(number) if number is not None else label
        if lab is not None:
            ident = f"matter {lab}|{an}" if kind == "matter" else f"{lab}|{an}"
        if ident != r.ident:
            if (r.report_id, ident) in taken:  # another record already holds that identity: leave this one
                ident, number, label, text = r.ident, r.number, None, r.text
            else:
                taken.discard((r.report_id, r.ident))
                taken.add((r.report_id, ident))
        if (kind, number, label, text, ident) != ("recommendation", r.number, None, r.text, r.ident):
            conn.execute(sa.update(recs).where(recs.c.id == r.id).values(
                kind=kind, number=number, label=label, text=text, ident=ident))


def downgrade() -> None:
    with op.batch_alter_table('recommendations', schema=None) as batch_op:
        batch_op.drop_column('label')
        batch_op.drop_column('kind')
