"""The landing page's figures and charts: what waits for the user today, and for those
who print registers and reports, the unit's documents month by month and where its open
documents stand. Charts are drawn here as SVG: nothing is loaded from the internet."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from markupsafe import Markup, escape
from sqlalchemy import func, select

from app.incoming import policy
from app.incoming.models import OPEN_STATES, IncomingDocument
from app.outgoing.models import OutgoingDocument

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.core.scope import ScopeSettings
    from app.security.models import AppUser


def urgent_count(session: Session, user: AppUser, settings: ScopeSettings) -> int:
    """Open urgent incoming documents (Khẩn and above) the user must see first
    (Quy chế Điều 6.5): those app/incoming/policy.py says concern the user — the unit's
    for its clerk and head, their own work for an official, every unit's for the office."""
    conds = [IncomingDocument.urgency >= 1,
             IncomingDocument.state.in_(("pending",) + OPEN_STATES)]
    scope = policy.attention_clause(session, user, settings)
    if scope is not None:
        if user.unit_id is None:
            return 0
        conds.append(scope)
    return session.execute(select(func.count(IncomingDocument.id)).where(*conds)).scalar_one()


def monthly_counts(session, unit_ids, year):
    """Incoming (registered) and outgoing (numbered) documents of each month of ``year``
    (the monthly statistics of docs/domain.md §7)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    incoming = select(IncomingDocument.arrival_date).where(
        IncomingDocument.arrival_number.is_not(None), IncomingDocument.state != "cancelled",
        IncomingDocument.arrival_date >= start, IncomingDocument.arrival_date <= end)
    outgoing = select(OutgoingDocument.document_date).where(
        OutgoingDocument.number.is_not(None), OutgoingDocument.document_date >= start,
        OutgoingDocument.document_date <= end)
    if unit_ids is not None:
        incoming = incoming.where(IncomingDocument.unit_id.in_(unit_ids))
        outgoing = outgoing.where(OutgoingDocument.unit_id.in_(unit_ids))
    inc = Counter(d.month for d in session.execute(incoming).scalars())
    out = Counter(d.month for d in session.execute(outgoing).scalars())
    return [inc[m] for m in range(1, 13)], [out[m] for m in range(1, 13)]


def open_status(session, unit_ids, today):
    """Open incoming documents: within the deadline, overdue, without a deadline (the
    follow-up of Quy chế Điều 6; docs/domain.md §5.7)."""
    q = select(IncomingDocument.deadline).where(IncomingDocument.state.in_(OPEN_STATES))
    if unit_ids is not None:
        q = q.where(IncomingDocument.unit_id.in_(unit_ids))
    counts = Counter()
    for deadline in session.execute(q).scalars():
        counts["none" if deadline is None else "overdue" if deadline < today else "open"] += 1
    return counts


def bar_chart(title, labels, series, width=640, height=240):
    """Grouped vertical bars as an SVG element. ``series``: (name, colour, values)."""
    top, bottom, left = 28, 30, 34
    plot_h = height - top - bottom
    highest = max([max(values) for _n, _c, values in series] + [1])
    group_w = (width - left - 10) / max(len(labels), 1)
    bar_w = max(2.0, (group_w - 6) / max(len(series), 1))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="qlvb-chart" role="img" '
             f'width="100%" viewBox="0 0 {width} {height}">',
             f"<title>{escape(title)}</title>",
             f'<text x="{left}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
             f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" '
             'stroke="#888"/>',
             f'<text x="{left - 4}" y="{top + 4}" font-size="10" text-anchor="end">'
             f"{highest}</text>"]
    for i, label in enumerate(labels):
        x0 = left + i * group_w + 3
        for j, (name, colour, values) in enumerate(series):
            h = plot_h * values[i] / highest
            parts.append(
                f'<rect x="{x0 + j * bar_w:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(name)} {escape(label)}: {values[i]}</title></rect>")
        parts.append(f'<text x="{x0 + group_w / 2 - 3:.1f}" y="{height - 14}" font-size="10" '
                     f'text-anchor="middle">{escape(label)}</text>')
    for j, (name, colour, _values) in enumerate(series):
        x = width - 10 - 140 * (len(series) - j)
        parts.append(f'<rect x="{x}" y="6" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{x + 14}" y="15" font-size="11">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def hbar_chart(title, items, width=640):
    """Horizontal bars as an SVG element. ``items``: (label, colour, value)."""
    row_h, left = 26, 190
    height = 30 + row_h * len(items)
    highest = max([v for _l, _c, v in items] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="qlvb-chart" role="img" '
             f'width="100%" viewBox="0 0 {width} {height}">',
             f"<title>{escape(title)}</title>",
             f'<text x="0" y="16" font-size="13" font-weight="bold">{escape(title)}</text>']
    for i, (label, colour, value) in enumerate(items):
        y = 26 + i * row_h
        w = (width - left - 50) * value / highest
        parts.append(f'<text x="{left - 6}" y="{y + 15}" font-size="12" text-anchor="end">'
                     f"{escape(label)}</text>"
                     f'<rect x="{left}" y="{y + 3}" width="{w:.1f}" height="{row_h - 8}" '
                     f'fill="{colour}"/>'
                     f'<text x="{left + w + 6:.1f}" y="{y + 15}" font-size="12">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def charts(session, unit_ids, today):
    """The two charts of the landing page."""
    incoming, outgoing = monthly_counts(session, unit_ids, today.year)
    status = open_status(session, unit_ids, today)
    months = [f"{m:02d}" for m in range(1, 13)]
    return [
        bar_chart(_("Documents per month, %(year)d", year=today.year), months,
                  [(_("Incoming documents"), "#337ab7", incoming),
                   (_("Outgoing documents"), "#5cb85c", outgoing)]),
        hbar_chart(_("Open incoming documents"), [
            (_("Open, within the deadline"), "#5cb85c", status["open"]),
            (_("Overdue"), "#d9534f", status["overdue"]),
            (_("No deadline"), "#999999", status["none"]),
        ]),
    ]
