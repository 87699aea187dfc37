"""The registers (sổ đăng ký văn bản đến / đi, sổ theo dõi giải quyết): which period, which
unit, which columns, and their rows in number order (Quy chế Điều 4.2.d; docs/domain.md §7).

Rows are read in batches and yielded one by one, so that a year's register is never held
in memory whole; the builders in ``pdf``/``xlsx`` consume them as they come."""

from __future__ import annotations

import heapq
import logging
from calendar import monthrange
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.core import audit, registry
from app.core.downloads import ascii_fold, period_part
from app.core.errors import DomainError
from app.core.timeutil import LOCAL_TZ, fmt_date, fmt_datetime, parse_date, utcnow
from app.incoming.models import ASSIGNMENT_ROLES, Assignment, IncomingDocument, IncomingFile
from app.incoming.models import STATES as INCOMING_STATES
from app.ocr.quarantine import destroyed_reasons
from app.outgoing.models import CancelledNumber, OutgoingDocument
from app.reference.models import DocumentType
from app.registers.models import DEFAULT_COLUMNS, REGISTER_KINDS, RegisterColumn
from app.registers.pdf import Document, build_pdf
from app.security.models import AppUser
from app.units.models import Unit

log = logging.getLogger(__name__)

BATCH = 500
PERIOD_KINDS = ("month", "quarter", "year", "range")
# A register or report spans at most this many days (a year and a little more).
MAX_DAYS = 400


@dataclass(frozen=True)
class Period:
    """A span of local dates, both ends included."""

    start: date
    end: date

    def label(self) -> str:
        return _("from %(start)s to %(end)s", start=fmt_date(self.start),
                 end=fmt_date(self.end))

    def utc_bounds(self) -> tuple[datetime, datetime]:
        """The span as naive-UTC timestamps [from, to) for columns stored in UTC."""
        from datetime import UTC, timedelta

        lo = datetime.combine(self.start, time.min, LOCAL_TZ).astimezone(UTC)
        hi = datetime.combine(self.end + timedelta(days=1), time.min, LOCAL_TZ).astimezone(UTC)
        return lo.replace(tzinfo=None), hi.replace(tzinfo=None)


def _int(value: object, field: str, low: int, high: int) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError(_("Enter a number."), field=field) from None
    if not low <= number <= high:
        raise DomainError(_("Enter a number from %(low)d to %(high)d.", low=low, high=high),
                          field=field)
    return number


def make_period(kind: str, year: object = None, month: object = None, quarter: object = None,
                start: date | str | None = None, end: date | str | None = None) -> Period:
    """A month, a quarter, a year or any span of dates (Quy chế Điều 4.2.d: the registers
    are printed monthly or quarterly and bound by year); the end may not come before the
    start."""
    if kind not in PERIOD_KINDS:
        raise DomainError(_("Choose a month, a quarter, a year or a span of dates."),
                          field="period")
    if kind == "range":
        try:
            start = start if isinstance(start, date) else parse_date(start)
        except ValueError:
            raise DomainError(_("Enter the start date as dd/mm/yyyy."), field="start") from None
        try:
            end = end if isinstance(end, date) else parse_date(end)
        except ValueError:
            raise DomainError(_("Enter the end date as dd/mm/yyyy."), field="end") from None
        if end < start:
            raise DomainError(_("The end date is before the start date."), field="end")
        if (end - start).days > MAX_DAYS:
            raise DomainError(_("A register or report covers at most one year; choose a "
                                "shorter span."), field="end")
        return Period(start, end)
    year = _int(year, "year", 2000, 2100)
    if kind == "year":
        return Period(date(year, 1, 1), date(year, 12, 31))
    if kind == "quarter":
        q = _int(quarter, "quarter", 1, 4)
        first = 3 * (q - 1) + 1
        return Period(date(year, first, 1), date(year, first + 2, monthrange(year, first + 2)[1]))
    m = _int(month, "month", 1, 12)
    return Period(date(year, m, 1), date(year, m, monthrange(year, m)[1]))


# -- who sees which unit's registers ------------------------------------------------------

def visible_units(session: Session, user: AppUser | None,
                  sees_all: bool) -> Sequence[Unit | None]:
    """The units whose registers and reports ``user`` may print: every unit for the office
    roles (Điều 4.1), their own unit for the others."""
    if sees_all:
        return session.execute(select(Unit).order_by(Unit.name)).scalars().all()
    if user is None or user.unit_id is None:
        return []
    return [session.get(Unit, user.unit_id)]


def unit_of(session: Session, user: AppUser | None, sees_all: bool,
            ref: object) -> Unit | None:
    """The unit named by ``ref`` (id or abbreviation) if the user may see its registers
    (Quy chế Điều 4.1: the office sees every unit, a unit its own); ``None`` for a unit
    that does not exist or that the user may not see (a 404)."""
    ref = str(ref or "").strip()
    if not ref:
        return None
    if ref.isdigit():
        unit = session.get(Unit, int(ref))
    else:
        unit = session.execute(select(Unit).where(Unit.abbreviation == ref.upper())) \
            .scalar_one_or_none()
    if unit is None or (not sees_all and (user is None or user.unit_id != unit.id)):
        return None
    return unit


# -- columns ------------------------------------------------------------------------------

@dataclass
class Col:
    key: str
    label: str
    width: float


def columns_for(session: Session, kind: str) -> list[Col]:
    """The printed columns of a register in the admin's order, with the admin's headings;
    columns the admin never set keep their default place, heading and visibility."""
    settings = {c.key: c for c in session.execute(
        select(RegisterColumn).where(RegisterColumn.kind == kind)).scalars()}
    out = []
    for index, (key, label, visible, width) in enumerate(DEFAULT_COLUMNS[kind]):
        setting = settings.get(key)
        position = setting.position if setting is not None else (index + 1) * 10
        if setting is not None:
            visible = setting.visible
            label = setting.label or label
        if visible:
            out.append((position, index, Col(key, str(label), width)))
    return [col for _p, _i, col in sorted(out, key=lambda item: (item[0], item[1]))]


def column_keys(kind: str) -> list[str]:
    return [key for key, _label, _visible, _width in DEFAULT_COLUMNS[kind]]


# -- rows ---------------------------------------------------------------------------------

def signature_mark(main: object) -> str:
    """The result of the digital-signature check of a received file (Điều 6.2), when the
    file carries one (``signature_label()`` or ``signature_status`` of the verification);
    blank for a paper document or a file never checked."""
    if main is None:
        return ""
    label = getattr(main, "signature_label", None)
    if callable(label):
        return str(label() or "")
    return str(getattr(main, "signature_status", "") or "")


def _type_and_summary(doc: OutgoingDocument) -> str:
    name = doc.document_type.name if doc.document_type is not None else ""
    return _joined_summary(name, doc.summary)


def _joined_summary(type_name: str | None, summary: str) -> str:
    return f"{type_name}: {summary}" if type_name else summary


class _Labels(dict[str, str]):
    """Translated labels looked up once per register, not once per row."""

    def __missing__(self, key: str) -> str:
        value = str(ASSIGNMENT_ROLES.get(key, INCOMING_STATES.get(key, key)))
        self[key] = value
        return value


def _parties(doc: IncomingDocument, labels: _Labels | None = None) -> str:
    labels = labels if labels is not None else _Labels()
    parts = []
    for a in doc.assignments:
        if a.active and a.parent_id is None and a.role in ("lead", "cooperate"):
            parts.append(f"{labels[a.role]}: {a.party_label()}")
    return "; ".join(parts)


def _incoming_notes(doc: Any, labels: _Labels | None = None) -> str:
    notes = []
    if getattr(doc, "channel", None) == "exchange":
        notes.append(_("Received by liên thông"))
    if doc.state == "cancelled":
        notes.append(_("CANCELLED: %(reason)s", reason=doc.cancel_reason or ""))
    elif doc.state in ("recalled", "replaced"):
        notes.append((labels or _Labels())[doc.state])
    if getattr(doc, "trust_reason", None):
        # An e-document registered without a valid signature has no legal value as such
        # (Điều 6.2): the register says so, with the clerk's reason.
        notes.append(_("Registered without a valid signature: %(reason)s",
                       reason=doc.trust_reason))
    if doc.notes:
        notes.append(doc.notes)
    notes += _destroyed(doc)
    return "; ".join(notes)


def _destroyed(doc: Any) -> list[str]:
    """The register keeps the number of a document whose files the office destroyed (a
    secrecy marking found in its scan, docs/domain.md §2) and says so, with the reason."""
    reason = getattr(doc, "destroyed_reason", None)
    return [] if reason is None else [_("Files destroyed: %(reason)s", reason=reason)]


def _with_destroyed(session: Session, kind: str, docs: Iterator[Any]) -> Iterator[Any]:
    """``docs`` (documents of ``kind``, "in" or "out") each with the reason its files were
    destroyed (``destroyed_reason``, None when they were not), looked up a batch at a time."""
    batch: list[Any] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == BATCH:
            yield from _destroyed_batch(session, kind, batch)
            batch = []
    yield from _destroyed_batch(session, kind, batch)


def _destroyed_batch(session: Session, kind: str, batch: list[Any]) -> list[Any]:
    reasons = destroyed_reasons(session, kind, [d.id for d in batch]) if batch else {}
    for doc in batch:
        doc.destroyed_reason = reasons.get(doc.id)
    return batch


def _arrival(doc: Any) -> str:
    text = fmt_date(doc.arrival_date)
    if doc.arrival_time is not None:
        text += " " + doc.arrival_time.strftime("%H:%M")
    return text


INCOMING_CELLS = {
    "arrival_date": lambda e, labels: _arrival(e),
    "arrival_number": lambda e, labels: e.arrival_number,
    "author": lambda e, labels: e.author_name or e.sender_name or "",
    "symbol": lambda e, labels: e.symbol,
    "document_date": lambda e, labels: fmt_date(e.document_date),
    "summary": lambda e, labels: _joined_summary(e.type_name, e.summary),
    "recipients": lambda e, labels: e.parties,
    "transfer_date": lambda e, labels: fmt_date(e.directed_at),
    "signature": lambda e, labels: "",
    "notes": _incoming_notes,
    # A scan of a paper document carries no digital signature to speak of.
    "e_signature": lambda e, labels: "" if e.channel == "paper" else signature_mark(e.main_file),
}


def _incoming_query(unit_id: int, period: Period) -> Select[IncomingDocument]:
    return (select(IncomingDocument)
            .where(IncomingDocument.unit_id == unit_id,
                   IncomingDocument.arrival_number.is_not(None),
                   IncomingDocument.arrival_date >= period.start,
                   IncomingDocument.arrival_date <= period.end))


def _batches(session: Session, query: Select[Any], key_columns: Sequence[Any],
             options: Sequence[Any] = ()) -> Iterator[Any]:
    """The rows of ``query`` in the order of ``key_columns``, read ``BATCH`` at a time
    (keyset paging: each batch starts after the last key of the previous one)."""
    last = None
    while True:
        q = query.order_by(*key_columns).limit(BATCH).options(*options)
        if last is not None:
            q = q.where(_after(key_columns, last))
        batch = session.execute(q).unique().scalars().all()
        if not batch:
            return
        yield from batch
        last = tuple(getattr(batch[-1], c.key) for c in key_columns)
        if len(batch) < BATCH:
            return


def _after(columns: Sequence[Any], values: Sequence[Any]) -> ColumnElement[bool]:
    # (a, b, c) > (x, y, z), written out for every database.
    clauses = []
    for i, column in enumerate(columns):
        equal = [columns[j] == values[j] for j in range(i)]
        clauses.append(and_(*equal, column > values[i]))
    return or_(*clauses)


def _incoming_batches(session: Session, unit_id: int,
                      period: Period) -> Iterator[Sequence[Any]]:
    """The register's documents as plain rows (a year holds thousands: plain columns are
    read several times faster than whole documents), ``BATCH`` at a time."""
    from sqlalchemy.orm import aliased

    sender = aliased(Unit)
    D = IncomingDocument
    query = (select(D.id, D.arrival_year, D.arrival_number, D.arrival_date, D.arrival_time,
                    D.author_name, sender.name.label("sender_name"), D.symbol,
                    D.document_date, DocumentType.name.label("type_name"), D.summary,
                    D.directed_at, D.state, D.cancel_reason, D.notes, D.trust_reason,
                    D.channel)
             .select_from(D)
             .outerjoin(sender, D.sender_unit_id == sender.id)
             .outerjoin(DocumentType, D.document_type_id == DocumentType.id)
             .where(D.unit_id == unit_id, D.arrival_number.is_not(None),
                    D.arrival_date >= period.start, D.arrival_date <= period.end)
             .order_by(D.arrival_year, D.arrival_number).limit(BATCH))
    last = None
    while True:
        q = query if last is None else query.where(
            _after((D.arrival_year, D.arrival_number), last))
        batch = session.execute(q).all()
        if not batch:
            return
        yield batch
        last = (batch[-1].arrival_year, batch[-1].arrival_number)
        if len(batch) < BATCH:
            return


def _parties_of(session: Session, ids: list[int], labels: _Labels) -> dict[int, str]:
    """``document id → "Chủ trì: …; Phối hợp: …"`` for the documents ``ids``."""
    A = Assignment
    rows = session.execute(
        select(A.document_id, A.role, Unit.name, AppUser.last_name, AppUser.first_name)
        .select_from(A).outerjoin(Unit, A.unit_id == Unit.id)
        .outerjoin(AppUser, A.user_id == AppUser.id)
        .where(A.document_id.in_(ids), A.active.is_(True), A.parent_id.is_(None),
               A.role.in_(("lead", "cooperate")))
        .order_by(A.id)).all()
    out: dict[int, list[str]] = {}
    for doc_id, role, unit_name, last_name, first_name in rows:
        party = unit_name or f"{last_name or ''} {first_name or ''}".strip()
        out.setdefault(doc_id, []).append(f"{labels[role]}: {party}")
    return {k: "; ".join(v) for k, v in out.items()}


def _main_files(session: Session, ids: list[int]) -> dict[int, IncomingFile]:
    rows = session.execute(select(IncomingFile).where(
        IncomingFile.document_id.in_(ids), IncomingFile.role == "main")).scalars()
    return {f.document_id: f for f in rows}


class _Entry:
    """One register row's fields (a row of ``_incoming_batches`` and its parties)."""

    def __init__(self, row: Row[Any], parties: str, main_file: IncomingFile | None) -> None:
        self.__dict__.update(row._mapping)
        self.parties = parties
        self.main_file = main_file


def _incoming_rows(session: Session, unit_id: int, period: Period,
                   cells: list[str]) -> Iterator[list[Any]]:
    labels = _Labels()
    getters = [INCOMING_CELLS[k] for k in cells]
    for batch in _incoming_batches(session, unit_id, period):
        ids = [r.id for r in batch]
        parties = _parties_of(session, ids, labels) if "recipients" in cells else {}
        files = _main_files(session, ids) if "e_signature" in cells else {}
        entries = [_Entry(row, parties.get(row.id, ""), files.get(row.id)) for row in batch]
        if "notes" in cells:
            _destroyed_batch(session, "in", entries)
        for entry in entries:
            yield [get(entry, labels) for get in getters]


def _signer(doc: OutgoingDocument) -> str:
    if doc.signed_by is None:
        return ""
    name = doc.signed_by.get_full_name()
    return f"{doc.signing_form} {name}".strip()


def _outgoing_notes(doc: OutgoingDocument) -> str:
    notes = []
    if doc.late:
        notes.append(_("Issued late: %(reason)s", reason=doc.late_reason or ""))
    if doc.state == "recalled":
        notes.append(_("Recalled"))
    if doc.sensitive:
        notes.append(_("Paper only (not sent electronically)"))
    notes += _destroyed(doc)
    return "; ".join(notes)


OUTGOING_CELLS = {
    "symbol": lambda d: d.symbol,
    "document_date": lambda d: fmt_date(d.document_date),
    "summary": _type_and_summary,
    "signer": _signer,
    "recipients": lambda d: "; ".join(r.label() for r in d.recipients),
    "archive": lambda d: _archive_cell(d),
    "copies": lambda d: d.copies if d.copies is not None else "",
    "transfer_date": lambda d: fmt_date(d.issued_at),
    "signature": lambda d: "",
    "notes": _outgoing_notes,
}


def _archive_cell(doc: OutgoingDocument) -> str:
    """The file copy: the codes of the work files the document is filed in (hồ sơ,
    docs/domain.md §9.3), else who drafted it."""
    codes = getattr(doc, "_file_codes", None)
    if codes:
        return str(codes)
    return doc.created_by.get_full_name() if doc.created_by else ""


def _with_file_codes(session: Session,
                     docs: Iterator[OutgoingDocument]) -> Iterator[OutgoingDocument]:
    """``docs`` with the codes of their files, looked up a batch at a time through the
    feature that files them (when the app has one)."""
    try:
        lookup = registry.service("filed_codes")
    except (LookupError, RuntimeError):
        yield from docs
        return
    batch: list[OutgoingDocument] = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == 200:
            yield from _coded(session, lookup, batch)
            batch = []
    yield from _coded(session, lookup, batch)


def _coded(session: Session, lookup: Any, batch: list[OutgoingDocument]
           ) -> list[OutgoingDocument]:
    codes = lookup(session, "outgoing", [d.id for d in batch]) if batch else {}
    for doc in batch:
        doc._file_codes = codes.get(doc.id, "")
    return batch


def _cancelled_cells(row: CancelledNumber, cells: list[str]) -> list[Any]:
    values = {"symbol": row.symbol, "document_date": fmt_date(row.cancelled_at),
              "notes": _("NUMBER CANCELLED: %(reason)s", reason=row.reason)}
    return [values.get(k, "") for k in cells]


def _outgoing_rows(session: Session, unit_id: int, period: Period,
                   cells: list[str]) -> Iterator[list[Any]]:
    """Numbered documents and cancelled numbers, in number order within each series."""
    lo, hi = period.utc_bounds()
    cancelled = session.execute(
        select(CancelledNumber).where(CancelledNumber.unit_id == unit_id,
                                      CancelledNumber.cancelled_at >= lo,
                                      CancelledNumber.cancelled_at < hi)).scalars().all()
    key = (OutgoingDocument.number_period, OutgoingDocument.series_key,
           OutgoingDocument.number)
    query = select(OutgoingDocument).where(
        OutgoingDocument.unit_id == unit_id, OutgoingDocument.number.is_not(None),
        OutgoingDocument.document_date >= period.start,
        OutgoingDocument.document_date <= period.end)
    found = _batches(session, query, key, [selectinload(OutgoingDocument.recipients),
                                           selectinload(OutgoingDocument.created_by),
                                           selectinload(OutgoingDocument.signed_by)])
    if "archive" in cells:
        found = _with_file_codes(session, found)
    if "notes" in cells:
        found = _with_destroyed(session, "out", found)
    docs = (((d.number_period, d.series_key, d.number), 0, [OUTGOING_CELLS[k](d) for k in cells])
            for d in found)
    gone = sorted(((c.number_period, c.series_key, c.number), 1, _cancelled_cells(c, cells))
                  for c in cancelled)
    for _key, _order, values in heapq.merge(docs, gone, key=lambda item: item[:2]):
        yield values


def _progress(doc: IncomingDocument) -> str:
    text = str(INCOMING_STATES.get(doc.state, doc.state))
    notes = [n for n in doc.notes_list if n.kind in ("progress", "completion")]
    if notes:
        last = notes[-1]
        text += f" — {fmt_date(last.created_at)}: {last.text}"
    return text


def _tracking_notes(doc: IncomingDocument) -> str:
    if doc.state == "done":
        done = fmt_date(doc.completed_at)
        text = (_("Completed late, on %(day)s", day=done) if doc.completed_late
                else _("Completed on %(day)s", day=done))
        return "; ".join([text, *_destroyed(doc)])
    return _incoming_notes(doc)


TRACKING_CELLS = {
    "arrival_number": lambda d: d.arrival_number,
    "document": lambda d: " — ".join(x for x in (
        d.symbol, fmt_date(d.document_date), d.author_label(), d.summary) if x),
    "recipients": _parties,
    "deadline": lambda d: fmt_date(d.deadline),
    "progress": _progress,
    "replies": lambda d: "; ".join(r.symbol for r in d.replies if r.symbol),
    "notes": _tracking_notes,
}


def _tracking_rows(session: Session, unit_id: int, period: Period,
                   cells: list[str]) -> Iterator[list[Any]]:
    query = _incoming_query(unit_id, period).where(IncomingDocument.directed_at.is_not(None))
    key = (IncomingDocument.arrival_year, IncomingDocument.arrival_number)
    options = [selectinload(IncomingDocument.assignments),
               selectinload(IncomingDocument.notes_list),
               selectinload(IncomingDocument.replies)]
    found = _batches(session, query, key, options)
    if "notes" in cells:
        found = _with_destroyed(session, "in", found)
    for doc in found:
        yield [TRACKING_CELLS[k](doc) for k in cells]


# The name of each register's file (Vietnamese whatever the reader's language).
REGISTER_FILE_NAMES = {"incoming": "sổ đăng ký văn bản đến",
                       "outgoing": "sổ đăng ký văn bản đi",
                       "tracking": "sổ theo dõi giải quyết văn bản đến"}

ROW_SOURCES = {"incoming": _incoming_rows, "outgoing": _outgoing_rows,
               "tracking": _tracking_rows}


# -- the register -------------------------------------------------------------------------

@dataclass
class Register:
    """One register of one unit for one period: what the cover says and how to get the
    rows (``rows()`` reads them from the database as it is iterated)."""

    session: Session
    kind: str
    unit: Unit
    period: Period
    columns: list
    count: int
    first_number: object
    last_number: object
    volume: str

    def rows(self) -> Iterator[list[Any]]:
        return ROW_SOURCES[self.kind](self.session, self.unit.id, self.period,
                                      [c.key for c in self.columns])

    def title(self) -> str:
        return {"incoming": _("REGISTER OF INCOMING DOCUMENTS"),
                "outgoing": _("REGISTER OF OUTGOING DOCUMENTS"),
                "tracking": _("REGISTER FOR TRACKING THE HANDLING OF INCOMING DOCUMENTS"),
                }[self.kind]

    def filename(self, ext: str) -> str:
        """The file's name, in Vietnamese: ``sổ đăng ký văn bản đến HU 2026-11.pdf``."""
        return (f"{REGISTER_FILE_NAMES[self.kind]} {self.unit.abbreviation} "
                f"{period_part(self.period.start, self.period.end)}.{ext}")

    def document(self, mark: str) -> Document:
        """What the PDF and XLSX builders print."""
        years = sorted({self.period.start.year, self.period.end.year})
        cover = [self.unit.parent.name.upper() if self.unit.parent else "",
                 self.unit.name.upper(), self.title(),
                 _("Year %(year)s", year="–".join(str(y) for y in years)),
                 _("From %(start)s to %(end)s", start=fmt_date(self.period.start),
                   end=fmt_date(self.period.end)),
                 _("From number %(first)s to number %(last)s",
                   first=self.first_number or "…", last=self.last_number or "…"),
                 _("Volume %(volume)s", volume=self.volume)]
        return Document(
            title=f"{self.title()} — {self.unit.name} — {self.period.label()}",
            headings=[c.label for c in self.columns], widths=[c.width for c in self.columns],
            rows=self.rows(), mark=mark, cover=[line for line in cover if line],
            cover_title=self.title(),
            empty_text=_("No document was registered in this period: the register is "
                         "empty."))


def _summary(session: Session, kind: str, unit_id: int,
             period: Period) -> tuple[Any, ...]:
    """How many rows and the first and last number of the register."""
    if kind == "outgoing":
        q = select(func.count(OutgoingDocument.id), func.min(OutgoingDocument.number),
                   func.max(OutgoingDocument.number)).where(
            OutgoingDocument.unit_id == unit_id, OutgoingDocument.number.is_not(None),
            OutgoingDocument.document_date >= period.start,
            OutgoingDocument.document_date <= period.end)
        count, first, last = session.execute(q).one()
        lo, hi = period.utc_bounds()
        gone = session.execute(select(func.count(CancelledNumber.id)).where(
            CancelledNumber.unit_id == unit_id, CancelledNumber.cancelled_at >= lo,
            CancelledNumber.cancelled_at < hi)).scalar_one()
        return count + gone, first, last
    q = select(func.count(IncomingDocument.id), func.min(IncomingDocument.arrival_number),
               func.max(IncomingDocument.arrival_number)).where(
        IncomingDocument.unit_id == unit_id, IncomingDocument.arrival_number.is_not(None),
        IncomingDocument.arrival_date >= period.start,
        IncomingDocument.arrival_date <= period.end)
    if kind == "tracking":
        q = q.where(IncomingDocument.directed_at.is_not(None))
    return tuple(session.execute(q).one())


def register(session: Session, kind: str, unit: Unit, period: Period,
             volume: object = "1") -> Register:
    """The register ``kind`` of ``unit`` for ``period``: rows in number order, cancelled
    numbers kept and marked (docs/domain.md §3, §7; Quy chế Điều 4.2.d)."""
    if kind not in REGISTER_KINDS:
        raise DomainError(_("Choose the incoming or the outgoing register."), field="kind")
    volume = str(volume or "1").strip()[:20] or "1"
    count, first, last = _summary(session, kind, unit.id, period)
    return Register(session=session, kind=kind, unit=unit, period=period,
                    columns=columns_for(session, kind), count=count, first_number=first,
                    last_number=last, volume=volume)


def write_year_bundle(session: Session, unit: Unit, year: int, mark: str, out: str | IO[bytes],
                      seal: str = "", progress: Callable[[int, int], None] | None = None,
                      ) -> dict[str, int]:
    """The year's registers of ``unit`` — incoming, outgoing, tracking — each a PDF volume
    with its cover, in one ZIP to print and bind (Quy chế Điều 4.2.d: the registers are
    bound by year); returns the number of rows of each. ``progress(done, total)`` hears
    each volume's reading and printing."""
    import zipfile

    period = make_period("year", year=year)
    counts = {}
    steps = 2 * len(REGISTER_KINDS)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bundle:
        for index, kind in enumerate(REGISTER_KINDS):
            reg = register(session, kind, unit, period, volume=str(period.start.year))
            if progress is not None:
                progress(2 * index + 1, steps)
            with bundle.open(ascii_fold(reg.filename("pdf")), "w") as fh:
                document = reg.document(mark)
                document.seal = seal
                build_pdf(fh, document)
            counts[kind] = reg.count
            if progress is not None:
                progress(2 * index + 2, steps)
    return counts


BUNDLE_JOB = "registers.year_bundle"


def bundle_filename(unit: Unit, year: int) -> str:
    return f"sổ đăng ký văn bản {unit.abbreviation} {year}.zip"


def year_bundle_job(session: Session, unit_id: int, year: int, user_id: int) -> None:
    """The background job of a year's bundle asked for on the registers screen: the ZIP is
    built with its progress shown, kept in the store as the job's result, and the print is
    an event of the audit trail in the name of the user who asked (Quy chế Điều 3.5)."""
    import tempfile

    from app.core import storage
    from app.jobs import progress

    user = session.get(AppUser, user_id)
    unit = session.get(Unit, unit_id)
    if user is None or unit is None:
        raise LookupError(f"year bundle: unit {unit_id} or user {user_id} is gone")
    seal = print_seal(session, user)
    with tempfile.TemporaryFile() as out:
        counts = write_year_bundle(session, unit, year, print_mark(user, utcnow()), out,
                                   seal=seal, progress=progress.report)
        out.seek(0)
        stored = storage.store(out, "bundle.zip", max_size=1 << 40)
    progress.set_result(session, stored, bundle_filename(unit, year), "application/zip")
    record_print(session, "register_printed", user, {
        "unit": unit.abbreviation, "kind": "year", "from": f"{year}-01-01",
        "to": f"{year}-12-31", "format": "zip", "rows": counts})


def print_mark(user: AppUser | None, when: datetime) -> str:
    """Who printed and when, on every page we print (TT 01/2019/TT-BNV)."""
    name = user.get_full_name() if user is not None else _("the system")
    return _("Printed by %(name)s at %(when)s", name=name, when=fmt_datetime(when))


def print_seal(session: Session, user: AppUser | None) -> str:
    """The audit chain's length and head as the print begins, for its footer; written to
    the anchor file too, so that a trail cut short later shows against both (Quy chế
    Điều 3.5)."""
    try:
        count, _last_id, head = audit.write_anchor(
            session, source="print:" + (user.username if user is not None else "-"))
    except OSError:
        # The office still prints (the footer is an anchor on paper); the operator must
        # see that the file was not written.
        log.exception("audit anchor not written to %s", audit.anchor_path())
        count, _last_id, head, _keyed_from = audit.chain_head(session)
    return _("Audit trail when printed: %(count)s events, head %(head)s",
             count=count, head=head)


def record_print(session: Session, action: str, user: AppUser | None, details: dict[str, Any],
                 obj: object = None) -> None:
    """Printing a register, report or slip is an event of the audit trail (Quy chế
    Điều 3.5)."""
    audit.record(session, action, obj, object_type=None if obj is not None else "Register",
                 user=user, details=details, username=None if user else "command line")
