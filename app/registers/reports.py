"""Statistics and reports (docs/domain.md §7; NĐ 30/2020 Phụ lục VI; Quy chế Điều 4.1, Điều 9):
each report is a function of a session, the units it covers and a period, returning a
``Report`` (headings and rows) that the screen shows and the PDF/XLSX builders print."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session, selectinload

from app.core.audit import AuditEvent
from app.core.errors import DomainError
from app.core.timeutil import fmt_date, fmt_datetime
from app.incoming.models import OPEN_STATES, URGENCY, Assignment, IncomingDocument, Rejection
from app.outgoing.models import OutgoingDocument, Recipient
from app.registers.pdf import Document
from app.security.models import AppUser
from app.units.models import Unit

if TYPE_CHECKING:
    from app.registers.services import Period


@dataclass
class Report:
    """A table: headings, relative widths, rows (numbers stay numbers, for sorting and
    for the spreadsheet) and the total rows printed after them."""

    title: str
    headings: list
    widths: list
    rows: list
    totals: list = field(default_factory=list)
    empty_text: str = ""

    def sort(self, column: int, descending: bool = False) -> Report:
        """Rows ordered by one column (numbers as numbers, text as text); totals stay last."""
        if not 0 <= column < len(self.headings):
            return self

        def key(row: list[Any]) -> tuple[int, Any, str]:
            value = row[column]
            if isinstance(value, int | float):
                return (0, value, "")
            return (1, 0, str(value or "").lower())

        self.rows.sort(key=key, reverse=descending)
        return self

    def shown_rows(self) -> list[list[Any]]:
        return [_cells(r) for r in self.rows]

    def shown_totals(self) -> list[list[Any]]:
        return [_cells(r) for r in self.totals]

    def document(self, intro: list[str], mark: str) -> Document:
        return Document(title=self.title, headings=[str(h) for h in self.headings],
                        widths=self.widths, rows=[_cells(r) for r in self.rows + self.totals],
                        mark=mark, intro=intro,
                        empty_text=self.empty_text or _("Nothing to report in this period."))


def _cells(row: Iterable[Any]) -> list[Any]:
    return [_fmt(v) for v in row]


def _fmt(value: Any) -> Any:
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return value


def _unit_filter(column: Any, unit_ids: Sequence[int] | None) -> list[ColumnElement[bool]]:
    return [] if unit_ids is None else [column.in_(unit_ids)]


# -- documents by period and by type, sender, urgency, channel ----------------------------

BREAKDOWNS = {
    "type": _l("Document type"),
    "sender": _l("Sender"),
    "urgency": _l("Urgency"),
    "channel": _l("Channel"),
}
BUCKETS = {"month": _l("By month"), "quarter": _l("By quarter"), "year": _l("By year")}
ELECTRONIC, PAPER, BOTH = "electronic", "paper", "both"


def _channel_label(value: Any) -> Any:
    return {ELECTRONIC: _("Electronic"), PAPER: _("Paper"), BOTH: _("Electronic and paper")
            }.get(value, value)


def _bucket(day: date, bucket: str) -> tuple[tuple[int, int], str]:
    if bucket == "year":
        return (day.year, 0), str(day.year)
    if bucket == "quarter":
        q = (day.month - 1) // 3 + 1
        return (day.year, q), _("Q%(q)d/%(year)d", q=q, year=day.year)
    return (day.year, day.month), f"{day.month:02d}/{day.year}"


def _incoming_facts(session: Session, unit_ids: Sequence[int] | None,
                    period: Period) -> Iterator[tuple[Any, ...]]:
    """(date, type, sender, urgency, channel) of every document registered in the period
    (cancelled registrations are not counted)."""
    q = (select(IncomingDocument)
         .where(IncomingDocument.arrival_number.is_not(None),
                IncomingDocument.state != "cancelled",
                IncomingDocument.arrival_date >= period.start,
                IncomingDocument.arrival_date <= period.end,
                *_unit_filter(IncomingDocument.unit_id, unit_ids)))
    for d in session.execute(q).unique().scalars():
        yield (d.arrival_date, d.document_type.name if d.document_type else "",
               d.author_label(), d.urgency,
               PAPER if d.channel == "paper" else ELECTRONIC)


def _outgoing_channel(doc: OutgoingDocument) -> str:
    kinds = {ELECTRONIC if r.channel in ("electronic", "exchange") else PAPER
             for r in doc.recipients}
    if doc.sensitive or kinds == {PAPER}:
        return PAPER
    return BOTH if kinds == {ELECTRONIC, PAPER} else ELECTRONIC


def _outgoing_facts(session: Session, unit_ids: Sequence[int] | None,
                    period: Period) -> Iterator[tuple[Any, ...]]:
    """(date, type, drafting unit, urgency, channel) of every document numbered in the
    period."""
    q = (select(OutgoingDocument)
         .where(OutgoingDocument.number.is_not(None),
                OutgoingDocument.document_date >= period.start,
                OutgoingDocument.document_date <= period.end,
                *_unit_filter(OutgoingDocument.unit_id, unit_ids))
         .options(selectinload(OutgoingDocument.recipients)))
    for d in session.execute(q).unique().scalars():
        yield (d.document_date, d.document_type.name if d.document_type else "",
               d.unit.name, d.urgency, _outgoing_channel(d))


def documents_by(session: Session, unit_ids: Sequence[int] | None, period: Period,
                 kind: str = "incoming", by: str = "type", bucket: str = "month") -> Report:
    """How many documents came in (registered) or went out (numbered) in each month,
    quarter or year of the period, by type, sender, urgency or channel (docs/domain.md §7)."""
    if by not in BREAKDOWNS or bucket not in BUCKETS or kind not in ("incoming", "outgoing"):
        raise DomainError(_("Choose what to count by."), field="by")
    index = {"type": 1, "sender": 2, "urgency": 3, "channel": 4}[by]
    facts = (_incoming_facts if kind == "incoming" else _outgoing_facts)(
        session, unit_ids, period)
    counts: Counter[tuple[Any, tuple[int, int]]] = Counter()
    buckets = {}
    for fact in facts:
        key, label = _bucket(fact[0], bucket)
        buckets[key] = label
        counts[(fact[index], key)] += 1
    order = sorted(buckets)
    values = sorted({v for v, _k in counts}, key=lambda v: (str(v) if by != "urgency" else v))
    rows = []
    for value in values:
        label = value
        if by == "urgency":
            label = str(URGENCY.get(value, value))
        elif by == "channel":
            label = _channel_label(value)
        cells = [counts[(value, k)] for k in order]
        rows.append([label or _("(not given)")] + cells + [sum(cells)])
    totals = []
    if rows:
        column_sums = [sum(counts[(v, k)] for v in values) for k in order]
        totals = [[_("Total")] + column_sums + [sum(column_sums)]]
    title = (_("Incoming documents by %(what)s", what=str(BREAKDOWNS[by]).lower())
             if kind == "incoming" else
             _("Outgoing documents by %(what)s", what=str(BREAKDOWNS[by]).lower()))
    return Report(title=title, headings=[str(BREAKDOWNS[by])] + [buckets[k] for k in order]
                  + [_("Total")], widths=[30] + [8] * len(order) + [8], rows=rows,
                  totals=totals)


# -- incoming by assignee -----------------------------------------------------------------

def _status(doc: IncomingDocument, today: date) -> str:
    """One of: no deadline, done on time, done late, open within the deadline, overdue."""
    if doc.deadline is None:
        return "none"
    if doc.state == "done":
        return "late" if doc.completed_late else "on_time"
    return "overdue" if doc.deadline < today else "open"


def by_assignee(session: Session, unit_ids: Sequence[int] | None, period: Period, today: date,
                party: str = "unit") -> Report:
    """For each lead (chủ trì) unit or official: the documents registered in the period
    that they lead, done on time, done late, open within the deadline, overdue and
    without a deadline (Quy chế Điều 6; NĐ 30/2020 Điều 24)."""
    if party not in ("unit", "person"):
        raise DomainError(_("Choose units or officials."), field="party")
    column = Assignment.unit_id if party == "unit" else Assignment.user_id
    q = (select(Assignment)
         .join(IncomingDocument, Assignment.document_id == IncomingDocument.id)
         .where(Assignment.role == "lead", Assignment.active.is_(True), column.is_not(None),
                IncomingDocument.state.in_(OPEN_STATES + ("done",)),
                IncomingDocument.arrival_date >= period.start,
                IncomingDocument.arrival_date <= period.end,
                *_unit_filter(IncomingDocument.unit_id, unit_ids))
         .options(selectinload(Assignment.document)))
    table: defaultdict[Any, Counter[str]] = defaultdict(Counter)
    names = {}
    seen = set()
    for a in session.execute(q).unique().scalars():
        key = a.unit_id if party == "unit" else a.user_id
        if (key, a.document_id) in seen:
            continue
        seen.add((key, a.document_id))
        names[key] = a.party_label()
        table[key][_status(a.document, today)] += 1
    order = ("on_time", "late", "open", "overdue", "none")
    rows = [[names[k], sum(c.values())] + [c[s] for s in order]
            for k, c in sorted(table.items(), key=lambda item: names[item[0]])]
    totals = [[_("Total")] + [sum(r[i] for r in rows) for i in range(1, 7)]] if rows else []
    return Report(
        title=_("Incoming documents by lead unit") if party == "unit"
        else _("Incoming documents by lead official"),
        headings=[_("Unit") if party == "unit" else _("Official"), _("Total"),
                  _("Done on time"), _("Done late"), _("Open, within the deadline"),
                  _("Overdue"), _("No deadline")],
        widths=[34, 9, 9, 9, 11, 9, 9], rows=rows, totals=totals)


# -- backlog ------------------------------------------------------------------------------

def backlog(session: Session, unit_ids: Sequence[int] | None, today: date) -> Report:
    """The documents not yet completed: number, summary, lead, deadline, days overdue and
    the last progress note, most overdue first (Quy chế Điều 6; docs/domain.md §5.7)."""
    q = (select(IncomingDocument)
         .where(IncomingDocument.state.in_(OPEN_STATES),
                *_unit_filter(IncomingDocument.unit_id, unit_ids))
         .options(selectinload(IncomingDocument.assignments),
                  selectinload(IncomingDocument.notes_list)))
    rows = []
    for d in session.execute(q).unique().scalars():
        lead = d.lead()
        notes = [n for n in d.notes_list if n.kind in ("progress", "completion", "opinion")]
        last = f"{fmt_date(notes[-1].created_at)}: {notes[-1].text}" if notes else ""
        late = (today - d.deadline).days if d.deadline and d.deadline < today else 0
        rows.append([d.number_label(), d.summary, lead.party_label() if lead else "",
                     fmt_date(d.deadline), late, last])
    rows.sort(key=lambda r: (-r[4], r[0]))
    return Report(title=_("Backlog of incoming documents"),
                  headings=[_("Arrival number"), _("Summary"), _("Lead"), _("Deadline"),
                            _("Days overdue"), _("Last progress note")],
                  widths=[9, 40, 20, 9, 8, 30], rows=rows,
                  empty_text=_("No incoming document is waiting to be completed."))


# -- outgoing: by drafting unit and signer, refusals, late issuance ------------------------

def _issued(session: Session, unit_ids: Sequence[int] | None,
            period: Period) -> Sequence[OutgoingDocument]:
    q = (select(OutgoingDocument)
         .where(OutgoingDocument.issued_at.is_not(None),
                OutgoingDocument.document_date >= period.start,
                OutgoingDocument.document_date <= period.end,
                *_unit_filter(OutgoingDocument.unit_id, unit_ids))
         .options(selectinload(OutgoingDocument.recipients)))
    return session.execute(q).unique().scalars().all()


def outgoing_by_signer(session: Session, unit_ids: Sequence[int] | None,
                       period: Period) -> Report:
    """Documents issued in the period by drafting unit and signer, with how their copies
    stand at the recipients: arrived, registered or further, refused, on paper or by
    e-mail (docs/domain.md §4, §6)."""
    table: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    for d in _issued(session, unit_ids, period):
        key = (d.unit.name, d.signed_by.get_full_name() if d.signed_by else "")
        table[key]["docs"] += 1
        for r in d.recipients:
            table[key]["recipients"] += 1
            if r.status == "01":
                table[key]["arrived"] += 1
            elif r.status in ("03", "04", "05", "06"):
                table[key]["registered"] += 1
            elif r.status == "02":
                table[key]["refused"] += 1
            elif r.status == "P":
                table[key]["paper"] += 1
            elif r.status in ("13", "15", "16"):
                table[key]["recall"] += 1
    order = ("docs", "recipients", "arrived", "registered", "refused", "paper", "recall")
    rows: list[list[Any]] = [[unit, signer] + [c[k] for k in order]
                             for (unit, signer), c in sorted(table.items())]
    totals = [[_("Total"), ""] + [sum(r[i] for r in rows) for i in range(2, 9)]] if rows else []
    return Report(title=_("Outgoing documents by drafting unit and signer"),
                  headings=[_("Drafting unit"), _("Signed by"), _("Documents"),
                            _("Recipients"), _("Arrived"), _("Registered or further"),
                            _("Refused"), _("Paper or e-mail"), _("Recall")],
                  widths=[26, 20, 8, 8, 8, 9, 8, 8, 8], rows=rows, totals=totals)


def refusals(session: Session, unit_ids: Sequence[int] | None, period: Period) -> Report:
    """The copies of issued documents that their recipients refused, with the reason the
    recipient gave (Quy chế Điều 6.3)."""
    q = (select(Recipient, OutgoingDocument)
         .join(OutgoingDocument, Recipient.document_id == OutgoingDocument.id)
         .where(Recipient.status == "02",
                OutgoingDocument.document_date >= period.start,
                OutgoingDocument.document_date <= period.end,
                *_unit_filter(OutgoingDocument.unit_id, unit_ids))
         .order_by(Recipient.status_at, Recipient.id))
    rows = [[d.symbol or "", d.summary, d.unit.name, r.label(), fmt_datetime(r.status_at),
             r.status_note or ""] for r, d in session.execute(q).all()]
    return Report(title=_("Outgoing documents refused by their recipients"),
                  headings=[_("Number and symbol"), _("Summary"), _("Drafting unit"),
                            _("Refused by"), _("Refused at"), _("Reason")],
                  widths=[14, 34, 18, 18, 12, 30], rows=rows,
                  empty_text=_("No recipient refused a document of this period."))


def late_issuance(session: Session, unit_ids: Sequence[int] | None, period: Period) -> Report:
    """Documents issued later than the timing rule allows (Quy chế Điều 6.4–6.5)."""
    rows = [[d.symbol or "", d.summary, d.unit.name, fmt_datetime(d.signed_at),
             fmt_datetime(d.issued_at), d.late_reason or ""]
            for d in _issued(session, unit_ids, period) if d.late]
    rows.sort(key=lambda r: r[0])
    return Report(title=_("Documents issued late"),
                  headings=[_("Number and symbol"), _("Summary"), _("Drafting unit"),
                            _("Signed at"), _("Issued at"), _("Reason given")],
                  widths=[14, 36, 18, 12, 12, 28], rows=rows,
                  empty_text=_("No document of this period was issued late."))


# -- usage evaluation ---------------------------------------------------------------------

def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _median(values: Sequence[float]) -> float | str:
    return round(statistics.median(values), 1) if values else ""


def usage(session: Session, period: Period, today: date) -> Report:
    """How each unit uses the system, for the office's evaluation (Quy chế Điều 4.1,
    Điều 9): active accounts, sign-ins in the period, the share of documents received
    electronically, the median hours from arrival to registration and from registration
    to assignment, overdue documents, refusals sent and received."""
    lo, hi = period.utc_bounds()
    units = session.execute(select(Unit).where(Unit.active.is_(True)).order_by(Unit.name)) \
        .scalars().all()
    accounts = dict(session.execute(
        select(AppUser.unit_id, func.count(AppUser.id)).where(AppUser.active.is_(True))
        .group_by(AppUser.unit_id)).all())
    logins = dict(session.execute(
        select(AuditEvent.unit_id, func.count(AuditEvent.id))
        .where(AuditEvent.action == "login", AuditEvent.created_at >= lo,
               AuditEvent.created_at < hi).group_by(AuditEvent.unit_id)).all())
    sent = dict(session.execute(
        select(Rejection.unit_id, func.count(Rejection.id))
        .where(Rejection.created_at >= lo, Rejection.created_at < hi)
        .group_by(Rejection.unit_id)).all())
    received = dict(session.execute(
        select(Rejection.sender_unit_id, func.count(Rejection.id))
        .where(Rejection.created_at >= lo, Rejection.created_at < hi)
        .group_by(Rejection.sender_unit_id)).all())
    overdue = dict(session.execute(
        select(IncomingDocument.unit_id, func.count(IncomingDocument.id))
        .where(IncomingDocument.state.in_(OPEN_STATES), IncomingDocument.deadline < today)
        .group_by(IncomingDocument.unit_id)).all())
    docs = defaultdict(list)
    for row in session.execute(
            select(IncomingDocument.unit_id, IncomingDocument.channel,
                   IncomingDocument.received_at, IncomingDocument.registered_at,
                   IncomingDocument.directed_at)
            .where(IncomingDocument.arrival_number.is_not(None),
                   IncomingDocument.state != "cancelled",
                   IncomingDocument.arrival_date >= period.start,
                   IncomingDocument.arrival_date <= period.end)).all():
        docs[row.unit_id].append(row)
    rows = []
    for unit in units:
        mine = docs.get(unit.id, [])
        electronic = sum(1 for r in mine if r.channel != "paper")
        share = round(100.0 * electronic / len(mine), 1) if mine else ""
        to_register = [_hours(r.registered_at - r.received_at) for r in mine
                       if r.registered_at and r.received_at]
        to_assign = [_hours(r.directed_at - r.registered_at) for r in mine
                     if r.directed_at and r.registered_at]
        rows.append([unit.name, accounts.get(unit.id, 0), logins.get(unit.id, 0), len(mine),
                     share, _median(to_register), _median(to_assign),
                     overdue.get(unit.id, 0), sent.get(unit.id, 0),
                     received.get(unit.id, 0)])
    return Report(title=_("Use of the system by unit"),
                  headings=[_("Unit"), _("Active accounts"), _("Sign-ins"),
                            _("Documents received"), _("Received electronically (%)"),
                            _("Median hours from arrival to registration"),
                            _("Median hours from registration to assignment"),
                            _("Overdue documents"), _("Refusals sent"),
                            _("Refusals received")],
                  widths=[26, 8, 8, 8, 9, 10, 10, 8, 8, 8], rows=rows)
