"""The rules of incoming documents, as plain functions on a session (docs/domain.md §5):
receive (electronic delivery into the inbox, or paper / outside intake), refuse, register
with a gap-free number, direct, process, complete, and the lists that track them.

Every step is an audit event; every status an internal sender should see is an
``ExchangeStatus`` row (codes 01–06)."""

import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time

from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, or_, select

from app.core import audit, inputs, numbering, workflow
from app.core.calendar import add_working_days
from app.core.errors import DomainError
from app.core.timeutil import local_now, local_today, utcnow
from app.core.workflow import INCOMING, ConflictError, ExchangeCode, IncomingState
from app.incoming.models import (
    OPEN_STATES,
    SECRECY_NONE,
    URGENCY,
    URGENCY_NEEDS_TIME,
    Assignment,
    ExchangeStatus,
    IncomingDocument,
    IncomingFile,
    ProgressNote,
    ReaderGrant,
    Rejection,
)
from app.notifications.services import notify
from app.reference.models import DocumentType
from app.security import permissions as P
from app.security.services import unit_users_who_can, user_can
from app.trust import services as trust
from app.units.models import Unit

log = logging.getLogger(__name__)

NUMBER_SERIES = "incoming"

# Party form 19-QC/HU (number-type/agency) and state form 12/QĐ-UBND, 12/2024/NĐ-CP.
_PARTY_SYMBOL = re.compile(r"^\s*(\d{1,6})\s*-\s*([^\s/\-]+)\s*/\s*(\S+?)\s*$")
_STATE_SYMBOL = re.compile(r"^\s*(\d{1,6})\s*/\s*(?:\d{4}\s*/\s*)?([^\s/\-]+)\s*-\s*(\S+?)\s*$")


# -- small helpers ---------------------------------------------------------------------

def nfc(value):
    return unicodedata.normalize("NFC", (value or "").strip())


def parse_symbol(raw):
    """Split số và ký hiệu into (number, type abbreviation, agency) when it follows the
    Party form ``19-QC/HU`` or the state form ``12/QĐ-UBND``; (None, None, None) otherwise."""
    raw = nfc(raw)
    for pattern in (_PARTY_SYMBOL, _STATE_SYMBOL):
        m = pattern.match(raw)
        if m:
            return int(m.group(1)), m.group(2), m.group(3)
    return None, None, None


def is_unit_head(user, unit_id):
    """A head (lãnh đạo) of ``unit_id``: directs its incoming documents."""
    return (user is not None and user.unit_id == unit_id
            and user_can(user, P.ASSIGN, P.INCOMING, as_member=True))


def is_unit_clerk(user, unit_id):
    return (user is not None and user.unit_id == unit_id
            and user_can(user, P.INTAKE, P.INCOMING, as_member=True))


def _clerks(session, unit_id):
    return unit_users_who_can(session, unit_id, P.INTAKE, P.INCOMING)


def _heads(session, unit_id):
    return unit_users_who_can(session, unit_id, P.ASSIGN, P.INCOMING)


def _link(doc):
    return f"/incomingview/show/{doc.id}"


def _title(doc):
    text = doc.summary or doc.symbol or ""
    return text if len(text) <= 80 else text[:77] + "…"


# Called as listener(session, incoming_document, code, note) for every status sent back
# to an internal sender; the outgoing side keeps its recipients' statuses with it.
STATUS_LISTENERS = []


def send_status(session, doc, code, user=None, note=None):
    """Tell an internal sender where its document stands (status 01–06, docs/domain.md §4); the
    sender's clerks are notified of a refusal."""
    if doc.sender_unit_id is None:
        return None
    code = str(code)
    doc.exchange_status = code
    for listener in STATUS_LISTENERS:
        listener(session, doc, code, note)
    row = ExchangeStatus(document_id=doc.id, delivery_id=doc.delivery_id,
                         sender_unit_id=doc.sender_unit_id, code=code, note=note,
                         user_id=getattr(user, "id", None))
    session.add(row)
    if code == "02":
        notify(session, _clerks(session, doc.sender_unit_id),
               _("%(unit)s refused your document \"%(title)s\": %(reason)s",
                 unit=doc.unit.name if doc.unit else "", title=_title(doc), reason=note or ""),
               link=None, urgent=True)
    return row


def _require_unit(user, doc):
    if user is None or user.unit_id != doc.unit_id:
        raise DomainError(_("Only the receiving unit can do this."))


# -- the register entry ----------------------------------------------------------------

@dataclass
class Entry:
    """The register fields of an incoming document (vào sổ, docs/domain.md §5.3)."""

    arrival_date: date | None = None
    arrival_time: time | None = None
    sender_unit_id: int | None = None
    author_name: str = ""
    symbol: str = ""
    document_date: date | None = None
    document_type_id: int | None = None
    summary: str = ""
    urgency: int = 0
    page_count: int | None = None
    signer_name: str = ""
    reply_deadline: date | None = None
    notes: str = ""
    secrecy_confirmed: bool = False
    allow_duplicate: bool = False
    trust_reason: str = ""

    @classmethod
    def from_document(cls, doc):
        return cls(arrival_date=doc.arrival_date, arrival_time=doc.arrival_time,
                   sender_unit_id=doc.sender_unit_id, author_name=doc.author_name or "",
                   symbol=doc.symbol or "", document_date=doc.document_date,
                   document_type_id=doc.document_type_id, summary=doc.summary or "",
                   urgency=doc.urgency or 0, page_count=doc.page_count,
                   signer_name=doc.signer_name or "", reply_deadline=doc.reply_deadline,
                   notes=doc.notes or "")


def check_entry(session, entry, today=None):
    """Validate the register fields; raise DomainError naming the field at fault."""
    today = today or local_today()
    entry.author_name = nfc(entry.author_name)
    entry.symbol = nfc(entry.symbol)
    entry.summary = nfc(entry.summary)
    entry.signer_name = nfc(entry.signer_name)
    entry.notes = nfc(entry.notes)
    entry.trust_reason = nfc(entry.trust_reason)
    if not entry.secrecy_confirmed:
        raise DomainError(_("Confirm that the document is not secret (\"Không mật\"): secret "
                            "documents must never enter the system (Quy chế Điều 1)."),
                          field="secrecy_confirmed")
    if entry.arrival_date is None:
        raise DomainError(_("The arrival date is required."), field="arrival_date")
    if entry.arrival_date > today:
        raise DomainError(_("The arrival date cannot be in the future."), field="arrival_date")
    inputs.check_document_date(entry.arrival_date, "arrival_date", today=today)
    if entry.urgency not in URGENCY:
        raise DomainError(_("Choose the urgency."), field="urgency")
    if entry.urgency >= URGENCY_NEEDS_TIME and entry.arrival_time is None:
        raise DomainError(_("The arrival time is required for very urgent and express "
                            "documents."), field="arrival_time")
    with session.no_autoflush:
        if entry.sender_unit_id is not None:
            sender = session.get(Unit, entry.sender_unit_id)
            if sender is None:
                raise DomainError(_("Choose the sender."), field="sender_unit_id")
            entry.author_name = sender.name
    if not entry.author_name:
        raise DomainError(_("The author (sender) is required: a unit of the system or the "
                            "name of the outside body."), field="author_name")
    if len(entry.author_name) > 255:
        raise DomainError(_("At most %(max)d characters.", max=255), field="author_name")
    if len(entry.symbol) > 100:
        raise DomainError(_("At most %(max)d characters.", max=100), field="symbol")
    if entry.document_date is None:
        raise DomainError(_("The document date is required."), field="document_date")
    inputs.check_document_date(entry.document_date, "document_date", today=today)
    if entry.document_date > entry.arrival_date:
        raise DomainError(_("The document date cannot be after the arrival date."),
                          field="document_date")
    with session.no_autoflush:
        if entry.document_type_id is None or session.get(DocumentType,
                                                         entry.document_type_id) is None:
            raise DomainError(_("Choose the document type."), field="document_type_id")
    if not entry.summary:
        raise DomainError(_("The summary (trích yếu) is required."), field="summary")
    if len(entry.summary) > 2000:
        raise DomainError(_("At most %(max)d characters.", max=2000), field="summary")
    if entry.page_count is not None and not (1 <= entry.page_count <= 100000):
        raise DomainError(_("The number of pages must be at least 1."), field="page_count")
    inputs.check_deadline(entry.reply_deadline, "reply_deadline", today=today)
    if entry.reply_deadline is not None and entry.reply_deadline < entry.arrival_date:
        raise DomainError(_("The reply deadline cannot be before the arrival date."),
                          field="reply_deadline")
    if len(entry.signer_name) > 255:
        raise DomainError(_("At most %(max)d characters.", max=255), field="signer_name")
    return entry


def _apply_entry(doc, entry):
    doc.arrival_date = entry.arrival_date
    doc.arrival_time = entry.arrival_time
    doc.sender_unit_id = entry.sender_unit_id
    doc.author_name = entry.author_name
    doc.symbol = entry.symbol
    doc.symbol_number, doc.symbol_type, doc.symbol_agency = parse_symbol(entry.symbol)
    doc.document_date = entry.document_date
    doc.document_type_id = entry.document_type_id
    doc.summary = entry.summary
    doc.urgency = entry.urgency
    doc.page_count = entry.page_count
    doc.signer_name = entry.signer_name or None
    doc.reply_deadline = entry.reply_deadline
    doc.notes = entry.notes or None
    doc.secrecy = SECRECY_NONE


def find_duplicates(session, unit_id, entry, hashes=(), exclude_id=None):
    """Documents of ``unit_id`` already received with the same sender, symbol and date,
    or with one of the same files (docs/domain.md §5.3); refused ones do not count."""
    conds = []
    if entry.symbol and entry.document_date:
        same_sender = (IncomingDocument.sender_unit_id == entry.sender_unit_id
                       if entry.sender_unit_id is not None else
                       func.lower(IncomingDocument.author_name) == entry.author_name.lower())
        conds.append(and_(IncomingDocument.symbol == entry.symbol,
                          IncomingDocument.document_date == entry.document_date,
                          same_sender))
    hashes = [h for h in hashes if h]
    if hashes:
        conds.append(IncomingDocument.id.in_(
            select(IncomingFile.document_id).where(IncomingFile.sha256.in_(hashes),
                                                   IncomingFile.role != "result")))
    if not conds:
        return []
    query = select(IncomingDocument).where(
        IncomingDocument.unit_id == unit_id, IncomingDocument.state != "refused", or_(*conds))
    if exclude_id is not None:
        query = query.where(IncomingDocument.id != exclude_id)
    with session.no_autoflush:
        return session.execute(query.order_by(IncomingDocument.id).limit(5)).unique() \
            .scalars().all()


class DuplicateFound(DomainError):
    """Possible duplicates: the clerk must look and confirm before registering."""

    def __init__(self, duplicates):
        listing = "; ".join(
            f"{d.number_label() or _('not registered')} {d.symbol} ({d.author_label()})"
            for d in duplicates)
        super().__init__(_("This document may already have been received: %(list)s. Check, "
                           "then tick \"Register anyway\" to register it again.",
                           list=listing), field="allow_duplicate")
        self.duplicates = duplicates


def _check_duplicates(session, doc, entry):
    hashes = [f.sha256 for f in doc.files if f.role != "result"]
    dups = find_duplicates(session, doc.unit_id, entry, hashes, exclude_id=doc.id)
    if dups and not entry.allow_duplicate:
        raise DuplicateFound(dups)
    doc.duplicate_note = (_("Registered although it may duplicate: %(list)s",
                            list=", ".join(d.number_label() or str(d.id) for d in dups))
                          if dups else None)


def _add_file(session, doc, stored, role, user, note=None):
    check = getattr(stored, "check", None)
    row = IncomingFile(
        document=doc, role=role, name=stored.name, sha256=stored.sha256, size=stored.size,
        mime=stored.mime, pages=getattr(check, "pages", None),
        text_content=getattr(check, "text", None) or None,
        check_report=json.dumps(check.as_dict(), ensure_ascii=False) if check else None,
        uploaded_by_id=getattr(user, "id", None))
    if note is not None:
        row.note_id = note.id
    trust.apply_check(row, check)
    session.add(row)
    return row


def _check_trust(doc, entry):
    """An e-document without a valid signature has no legal value as such (Quy chế Điều 8):
    the clerk registers it only with a reason, kept and shown in lists and registers."""
    status = trust.needs_reason(doc)
    if status is None:
        doc.trust_reason = None
        return
    if not entry.trust_reason:
        from app.trust.models import status_label

        raise DomainError(_("The signature check of this e-document says: %(status)s. An "
                            "e-document without a valid digital signature has no legal value; "
                            "to register it anyway, write the reason.",
                            status=status_label(status)), field="trust_reason")
    if len(entry.trust_reason) > 2000:
        raise DomainError(_("At most %(max)d characters.", max=2000), field="trust_reason")
    doc.trust_reason = entry.trust_reason


def _allocate_number(session, doc):
    # First write of the transaction that locks: see app.core.numbering.
    doc.arrival_year = doc.arrival_date.year
    doc.arrival_number = numbering.next_number(session, NUMBER_SERIES, doc.unit_id,
                                               doc.arrival_year)


def _finish_registration(session, doc, user):
    workflow.apply(doc, workflow.rule(INCOMING, "register"))
    doc.registered_at = utcnow()
    doc.registered_by_id = user.id
    if doc.page_count is None:
        main = doc.main_file()
        doc.page_count = main.pages if main else None
    session.flush()
    details = {"number": doc.number_label(), "symbol": doc.symbol,
               "author": doc.author_name, "duplicate": bool(doc.duplicate_note)}
    if doc.trust_reason:  # registered without a valid signature, and why (Điều 8)
        details.update(signature_status=trust.needs_reason(doc), trust_reason=doc.trust_reason)
    audit.record(session, "incoming_registered", doc, user=user, details=details)
    send_status(session, doc, ExchangeCode.REGISTERED, user)
    notify(session, [h for h in _heads(session, doc.unit_id) if h.id != user.id],
           _("To assign: %(number)s %(title)s", number=doc.number_label(), title=_title(doc)),
           link=_link(doc), urgent=doc.is_urgent())


# -- intake and the inbox ----------------------------------------------------------------

class Uploads:
    """The files one request stores for one piece of work: if the work fails, ``undo``
    removes those it wrote so that a refusal leaves the store as it was."""

    def __init__(self, session):
        self.session = session
        self.stored = []

    def add(self, upload, check):
        stored = store_upload(self.session, upload, check)
        self.stored.append(stored)
        return stored

    def undo(self):
        from app.core import storage

        self.session.rollback()
        storage.discard(self.session, self.stored)
        self.stored = []


def store_upload(session, upload, check):
    """Store one uploaded file after ``check`` (the PDF safety check, or the attachment
    check); a refused file is never stored, and its refusal is an audit event of its own
    (committed apart from the refused work)."""
    from app.core import storage

    try:
        return storage.store(upload.stream, upload.filename, check=check)
    except DomainError as error:
        session.rollback()
        audit.record(session, trust.refusal_action(error), details={
            "file": storage.clean_name(upload.filename), "reason": str(error)})
        session.commit()
        log.warning("incoming: file %r refused: %s", upload.filename, error)
        raise


def deliver(session, recipient_unit_id, sender_unit_id, entry, files, sender_user=None,
            delivery_id=None):
    """Electronic delivery from a unit of the system: the document waits in the
    recipient's "Chờ tiếp nhận" inbox with the sender's metadata (status 01).

    ``files`` are StoredFile objects whose bytes are already in the store (the sender's
    own files, byte-identical); the first is the document."""
    if not files:
        raise DomainError(_("A delivered document needs its file."))
    recipient = session.get(Unit, recipient_unit_id)
    sender = session.get(Unit, sender_unit_id)
    if recipient is None or sender is None:
        raise DomainError(_("Unknown unit."))
    # It arrives now: the clerk may register it later, the arrival stays today's.
    doc = IncomingDocument(
        unit_id=recipient.id, state=str(IncomingState.PENDING), channel="electronic",
        arrival_date=local_today(), arrival_time=now_local_time(),
        sender_unit_id=sender.id, author_name=sender.name, symbol=nfc(entry.symbol),
        document_date=entry.document_date, document_type_id=entry.document_type_id,
        summary=nfc(entry.summary), urgency=entry.urgency or 0, page_count=entry.page_count,
        signer_name=nfc(entry.signer_name) or None, reply_deadline=entry.reply_deadline,
        delivery_id=delivery_id, created_by_id=getattr(sender_user, "id", None))
    doc.symbol_number, doc.symbol_type, doc.symbol_agency = parse_symbol(doc.symbol)
    session.add(doc)
    rows = [_add_file(session, doc, stored, "main" if index == 0 else "attachment",
                      sender_user) for index, stored in enumerate(files)]
    session.flush()
    # Verified on arrival, against the roots the system trusts (Điều 6.2, Điều 8); the
    # verdict is part of the arrival's audit event.
    report = trust.verify_row(session, rows[0], action=None)
    audit.record(session, "incoming_delivered", doc, user=sender_user,
                 details={"from": sender.abbreviation, "to": recipient.abbreviation,
                          "symbol": doc.symbol, "files": [f.sha256 for f in files],
                          "signature_status": report["status"] if report else None})
    send_status(session, doc, ExchangeCode.ARRIVED, sender_user)
    notify(session, _clerks(session, recipient.id),
           _("New document to receive from %(unit)s: %(title)s", unit=sender.name,
             title=_title(doc)), link=_link(doc), urgent=doc.is_urgent())
    return doc


def intake(session, user, channel, entry, main_file, attachments=()):
    """A paper document scanned to PDF or an e-document received from outside: stored,
    checked and registered in one transaction (docs/domain.md §5.1–5.3)."""
    if channel not in ("paper", "external"):
        raise DomainError(_("Choose how the document arrived."), field="channel")
    if user.unit_id is None:
        raise DomainError(_("Your account has no unit; ask the administrator to set it."))
    if main_file is None:
        raise DomainError(_("Attach the document as a PDF file."), field="main_file")
    trust.refuse_secret_symbol(session, user, entry.symbol)
    check_entry(session, entry)
    doc = IncomingDocument(unit_id=user.unit_id, state=str(IncomingState.PENDING),
                           channel=channel, created_by_id=user.id)
    doc.unit = session.get(Unit, user.unit_id)
    _apply_entry(doc, entry)
    main_row = _add_file(session, doc, main_file, "main", user)
    for stored in attachments:
        _add_file(session, doc, stored, "attachment", user)
    session.add(doc)
    _check_trust(doc, entry)
    # The number first: its counter's lock makes a second identical intake of the unit
    # wait, and then find the first as a duplicate.
    _allocate_number(session, doc)
    _check_duplicates(session, doc, entry)
    session.flush()
    audit.record(session, "incoming_received", doc, user=user,
                 details={"channel": channel, "files": [main_file.sha256] +
                          [a.sha256 for a in attachments]})
    trust.record_verdict(session, main_row, user)
    _finish_registration(session, doc, user)
    return doc


def register(session, doc, user, entry):
    """Register a document waiting in the inbox: check the fields, flag duplicates, give
    it the next số đến of the unit's year (gap-free) and tell the sender (status 03)."""
    _require_unit(user, doc)
    workflow.transition(session, doc, "register")
    if doc.channel == "electronic" and doc.sender_unit_id is not None:
        # The sender of an electronic delivery is known; it hears back (statuses 03–06).
        entry.sender_unit_id = doc.sender_unit_id
    trust.refuse_secret_symbol(session, user, entry.symbol)
    check_entry(session, entry)
    _apply_entry(doc, entry)
    _check_trust(doc, entry)
    _allocate_number(session, doc)
    _check_duplicates(session, doc, entry)
    _finish_registration(session, doc, user)
    return doc


def refuse(session, doc, user, reason):
    """Refuse a document waiting in the inbox (Điều 6.3): it leaves the inbox, the refusal
    is kept with its reason, and the sender sees status 02 with the reason."""
    _require_unit(user, doc)
    reason = nfc(reason)
    if not reason:
        raise DomainError(_("Write the reason for the refusal."), field="reason")
    if len(reason) > 2000:
        raise DomainError(_("At most %(max)d characters.", max=2000), field="reason")
    rule = workflow.transition(session, doc, "refuse")
    workflow.apply(doc, rule)
    rejection = Rejection(document_id=doc.id, unit_id=doc.unit_id,
                          sender_unit_id=doc.sender_unit_id, author_name=doc.author_label(),
                          symbol=doc.symbol or "", summary=doc.summary or "", reason=reason,
                          created_by_id=user.id)
    session.add(rejection)
    session.flush()
    audit.record(session, "incoming_refused", doc, user=user, details={"reason": reason})
    send_status(session, doc, ExchangeCode.REFUSED, user, note=reason)
    return rejection


def cancel(session, doc, user, reason):
    """Cancel a registration made in error: the number stays in the register, marked
    "đã hủy", and is never given again (docs/domain.md §3)."""
    _require_unit(user, doc)
    reason = nfc(reason)
    if not reason:
        raise DomainError(_("Write the reason for the cancellation."), field="reason")
    rule = workflow.transition(session, doc, "cancel")
    workflow.apply(doc, rule)
    doc.cancelled_at = utcnow()
    doc.cancel_reason = reason[:500]
    for a in doc.assignments:
        a.active = False
    audit.record(session, "incoming_cancelled", doc, user=user,
                 details={"number": doc.number_label(), "reason": reason})
    return doc


# -- direction ---------------------------------------------------------------------------

@dataclass
class Party:
    """One party of a direction: a unit or an official, with its deadline."""

    role: str
    unit_id: int | None = None
    user_id: int | None = None
    deadline: date | None = None
    instruction: str = ""


def default_deadline(session, doc):
    """The lead's default deadline: the type's processing days counted in working days
    from arrival, never after a reply deadline (Quy chế Điều 6)."""
    days = doc.document_type.processing_days if doc.document_type else 10
    start = doc.arrival_date or local_today()
    deadline = add_working_days(session, start, days)
    if doc.reply_deadline and doc.reply_deadline < deadline:
        deadline = doc.reply_deadline
    return deadline


def _check_parties(session, doc, parties, not_before, not_after=None, unit_id=None):
    """Parties of a direction (``unit_id`` None) or of a sub-assignment within ``unit_id``.
    Officials are always of the assigning unit: another unit's officials are reached
    through that unit, whose head sub-assigns."""
    from app.security.models import AppUser

    leads = [p for p in parties if p.role == "lead"]
    if len(leads) != 1 or (leads[0].unit_id is None and leads[0].user_id is None):
        raise DomainError(_("Choose exactly one lead (chủ trì)."), field="lead")
    seen = set()
    for p in parties:
        if p.role not in ("lead", "cooperate", "inform"):
            raise DomainError(_("Unknown kind of assignment."))
        if (p.unit_id is None) == (p.user_id is None):
            raise DomainError(_("Each party is either a unit or an official."))
        key = ("u", p.unit_id) if p.unit_id else ("p", p.user_id)
        if key in seen:
            raise DomainError(_("A unit or official appears twice in the assignment."))
        seen.add(key)
        with session.no_autoflush:
            if p.unit_id is not None:
                unit = session.get(Unit, p.unit_id)
                if unit is None or not unit.active:
                    raise DomainError(_("Choose an active unit."))
                if unit_id is not None:
                    raise DomainError(_("Sub-assign only to officials of your own unit."))
            else:
                person = session.get(AppUser, p.user_id)
                if person is None or not person.is_active or person.unit_id is None:
                    raise DomainError(_("Choose an active official."))
                if unit_id is not None and person.unit_id != unit_id:
                    raise DomainError(_("Sub-assign only to officials of your own unit."))
                if unit_id is None and person.unit_id != doc.unit_id:
                    raise DomainError(_("Assign officials of another unit through that unit: "
                                        "choose the unit, its head assigns its officials."))
        if p.role == "inform":
            p.deadline = None
            continue
        if p.deadline is None:
            raise DomainError(_("Set the deadline."), field="deadline")
        inputs.check_deadline(p.deadline)
        if p.deadline < not_before:
            raise DomainError(_("The deadline cannot be before the arrival date (%(d)s).",
                                d=not_before.strftime("%d/%m/%Y")), field="deadline")
        if not_after is not None and p.deadline > not_after:
            raise DomainError(_("The deadline cannot be after the deadline you were given "
                                "(%(d)s).", d=not_after.strftime("%d/%m/%Y")),
                              field="deadline")


def _same_parties(active, parties, parent_role="lead"):
    """Whether the active assignments ``active`` are already exactly ``parties`` (a repeated
    request: it must not replace them with a copy of themselves)."""
    def role(p):
        return p if parent_role == "lead" else ("cooperate" if p == "lead" else p)

    def key(role_, unit_id, user_id, deadline, instruction):
        return (role_, unit_id, user_id, deadline if role_ != "inform" else None,
                nfc(instruction) or None)

    have = sorted((key(a.role, a.unit_id, a.user_id, a.deadline, a.instruction)
                   for a in active), key=repr)
    want = sorted((key(role(p.role), p.unit_id, p.user_id, p.deadline, p.instruction)
                   for p in parties), key=repr)
    return bool(have) and have == want


def _refuse_repeated_note(session, doc, user, kind, text, files):
    """The same note twice in a row by the same person (a double click, a retry) is kept
    once."""
    last = session.execute(
        select(ProgressNote).where(ProgressNote.document_id == doc.id,
                                   ProgressNote.user_id == user.id)
        .order_by(ProgressNote.id.desc()).limit(1)).scalars().first()
    if last is None or last.kind != kind or (last.text or "") != text:
        return
    kept = sorted(f.sha256 for f in doc.files if f.note_id == last.id)
    if kept == sorted(f.sha256 for f in files):
        raise ConflictError(_("This note was already added."))


def _notify_party(session, doc, assignment):
    if assignment.user_id is not None:
        from app.security.models import AppUser

        people = [session.get(AppUser, assignment.user_id)]
    else:
        people = _heads(session, assignment.unit_id)
    notify(session, people,
           _("Assigned to you (%(role)s): %(number)s %(title)s", role=assignment.role_label(),
             number=doc.number_label(), title=_title(doc)),
           link=_link(doc), urgent=doc.is_urgent())


def assign(session, doc, user, direction, parties):
    """The head's direction (phân công, docs/domain.md §5.5): ý kiến chỉ đạo and exactly one lead,
    any cooperating and informed parties, each with a deadline; a new direction replaces
    the previous one. Sends status 04 to an internal sender."""
    if not is_unit_head(user, doc.unit_id):
        raise DomainError(_("Only a head of the receiving unit can assign this document."))
    rule = workflow.transition(session, doc, "assign")
    direction = nfc(direction)
    if len(direction) > 5000:
        raise DomainError(_("At most %(max)d characters.", max=5000), field="direction")
    _check_parties(session, doc, parties, not_before=doc.arrival_date)
    if (doc.state == IncomingState.ASSIGNED and (doc.direction or "") == direction
            and _same_parties([a for a in doc.assignments
                               if a.active and a.parent_id is None], parties)):
        raise ConflictError(_("This document was already assigned exactly so."))
    for old in doc.assignments:
        old.active = False
    now = utcnow()
    created = []
    for p in parties:
        a = Assignment(document=doc, role=p.role, unit_id=p.unit_id, user_id=p.user_id,
                       deadline=p.deadline, instruction=nfc(p.instruction) or None,
                       assigned_at=now, assigned_by_id=user.id, active=True)
        session.add(a)
        created.append(a)
    lead = next(a for a in created if a.role == "lead")
    doc.direction = direction or None
    doc.directed_at = now
    doc.directed_by_id = user.id
    doc.deadline = lead.deadline
    workflow.apply(doc, rule)
    session.flush()
    audit.record(session, "incoming_assigned", doc, user=user, details={
        "direction": direction,
        "parties": [{"role": a.role, "unit": a.unit_id, "user": a.user_id,
                     "deadline": a.deadline.isoformat() if a.deadline else None}
                    for a in created]})
    send_status(session, doc, ExchangeCode.ASSIGNED, user)
    for a in created:
        _notify_party(session, doc, a)
    return created


def sub_assign(session, parent, user, parties):
    """The head of a lead or cooperating unit hands the work to its own officials, with
    deadlines no later than the unit's (docs/domain.md §5.5)."""
    doc = parent.document
    workflow.lock(session, doc)  # the document's lock guards its assignments too
    if parent.unit_id is None or not parent.active or not is_unit_head(user, parent.unit_id):
        raise DomainError(_("Only a head of the assigned unit can sub-assign."))
    workflow.transition(session, doc, "sub_assign")
    _check_parties(session, doc, parties, not_before=doc.arrival_date,
                   not_after=parent.deadline, unit_id=parent.unit_id)
    if _same_parties([a for a in doc.assignments if a.active and a.parent_id == parent.id],
                     parties, parent.role):
        raise ConflictError(_("This document was already assigned exactly so."))
    for old in doc.assignments:
        if old.parent_id == parent.id:
            old.active = False
    created = []
    for p in parties:
        role = p.role if parent.role == "lead" else ("cooperate" if p.role == "lead"
                                                       else p.role)
        a = Assignment(document=doc, parent_id=parent.id, role=role, user_id=p.user_id,
                       unit_id=p.unit_id, deadline=p.deadline,
                       instruction=nfc(p.instruction) or None, assigned_by_id=user.id)
        session.add(a)
        created.append(a)
    session.flush()
    audit.record(session, "incoming_sub_assigned", doc, user=user, details={
        "parent": parent.id,
        "parties": [{"role": a.role, "user": a.user_id} for a in created]})
    for a in created:
        _notify_party(session, doc, a)
    return created


# -- processing -------------------------------------------------------------------------

def my_assignments(doc, user):
    """The active assignments through which ``user`` works on ``doc``: in their own name,
    or as a head of an assigned unit."""
    out = []
    for a in doc.assignments:
        if not a.active:
            continue
        if a.user_id == user.id or (a.unit_id is not None and is_unit_head(user, a.unit_id)):
            out.append(a)
    return out


def can_complete(doc, user):
    lead = doc.lead()
    if lead is None:
        return False
    if lead.user_id == user.id:
        return True
    if lead.unit_id is not None:
        if is_unit_head(user, lead.unit_id):
            return True
        return any(a.active and a.parent_id == lead.id and a.role == "lead"
                   and a.user_id == user.id for a in doc.assignments)
    return False


def _start(session, doc, user):
    if workflow.allows(doc, "start"):
        rule = workflow.transition(session, doc, "start")
        workflow.apply(doc, rule)
        doc.started_at = utcnow()
        send_status(session, doc, rule.exchange, user)


def add_note(session, doc, user, text, files=()):
    """A progress note (lead) or an opinion (cooperating party), with result files; the
    first one starts the processing (status 05)."""
    workflow.lock(session, doc)
    mine = [a for a in my_assignments(doc, user) if a.role in ("lead", "cooperate")]
    if not mine:
        raise DomainError(_("Only the lead and cooperating parties can add notes."))
    workflow.transition(session, doc, "note")
    text = nfc(text)
    if not text and not files:
        raise DomainError(_("Write the note or attach a file."), field="text")
    if len(text) > 5000:
        raise DomainError(_("At most %(max)d characters.", max=5000), field="text")
    assignment = next((a for a in mine if a.role == "lead"), mine[0])
    kind = "progress" if assignment.role == "lead" else "opinion"
    _refuse_repeated_note(session, doc, user, kind, text, files)
    note = ProgressNote(document=doc, assignment=assignment, user_id=user.id, kind=kind,
                        text=text)
    session.add(note)
    session.flush()
    for stored in files:
        _add_file(session, doc, stored, "result", user, note=note)
    if assignment.started_at is None:
        assignment.started_at = utcnow()
    _start(session, doc, user)
    audit.record(session, "incoming_note", doc, user=user,
                 details={"kind": kind, "files": [f.sha256 for f in files]})
    return note


def mark_read(session, doc, user):
    """An informed party (để biết) confirms reading."""
    workflow.lock(session, doc)
    informed = [a for a in my_assignments(doc, user) if a.role == "inform"]
    mine = [a for a in informed if a.read_at is None]
    if not mine:
        raise (ConflictError if informed else DomainError)(
            _("There is nothing for you to confirm on this document."))
    now = utcnow()
    for a in mine:
        a.read_at = now
    session.add(ProgressNote(document=doc, assignment=mine[0], user_id=user.id, kind="read",
                             text=""))
    audit.record(session, "incoming_read", doc, user=user)
    return mine


def complete(session, doc, user, result, files=()):
    """Only the lead completes (docs/domain.md §5.5–5.6); past the deadline it is recorded as
    late. Sends status 06."""
    workflow.lock(session, doc)
    if not can_complete(doc, user):
        raise DomainError(_("Only the lead (chủ trì) can complete this document."))
    rule = workflow.transition(session, doc, "complete")
    result = nfc(result)
    if not result:
        raise DomainError(_("Write the result of the processing."), field="result")
    if len(result) > 5000:
        raise DomainError(_("At most %(max)d characters.", max=5000), field="result")
    lead = doc.lead()
    note = ProgressNote(document=doc, assignment=lead, user_id=user.id, kind="completion",
                        text=result)
    session.add(note)
    session.flush()
    for stored in files:
        _add_file(session, doc, stored, "result", user, note=note)
    _start(session, doc, user)
    now = utcnow()
    today = local_today()
    workflow.apply(doc, rule)
    doc.completed_at = now
    doc.completed_late = bool(doc.deadline and today > doc.deadline)
    doc.result_summary = result
    for a in doc.assignments:
        if a.active and a.role != "inform" and a.completed_at is None:
            a.completed_at = now
    audit.record(session, "incoming_completed", doc, user=user,
                 details={"late": doc.completed_late})
    send_status(session, doc, rule.exchange, user)
    if doc.directed_by_id and doc.directed_by_id != user.id:
        from app.security.models import AppUser

        notify(session, [session.get(AppUser, doc.directed_by_id)],
               _("Completed: %(number)s %(title)s", number=doc.number_label(),
                 title=_title(doc)), link=_link(doc))
    return doc


# -- who sees what, and the tracking lists ----------------------------------------------

def sees_whole_unit(session, user):
    """Clerks and heads see all of their unit's incoming documents; an official does when
    the head granted it (docs/domain.md §5, issue "Who sees what")."""
    if is_unit_clerk(user, user.unit_id) or is_unit_head(user, user.unit_id):
        return True
    return session.execute(
        select(ReaderGrant.id).where(ReaderGrant.user_id == user.id,
                                     ReaderGrant.unit_id == user.unit_id)).first() is not None


def visible_clause(session, user):
    """The documents ``user`` may see, as a condition on IncomingDocument (office roles are
    handled by the caller): the unit's own when the user sees the whole unit, and those with
    an active assignment to the user (or, for a clerk or head, to the unit). The assignments
    are one uncorrelated subquery, computed once per query rather than probed per row."""
    if user is None or user.unit_id is None:
        return IncomingDocument.id.is_(None)
    parties = [Assignment.user_id == user.id]
    if is_unit_head(user, user.unit_id) or is_unit_clerk(user, user.unit_id):
        parties.append(Assignment.unit_id == user.unit_id)
    assigned = IncomingDocument.id.in_(
        select(Assignment.document_id).where(Assignment.active.is_(True), or_(*parties)))
    if sees_whole_unit(session, user):
        # "+ 0": the unit's rows are taken while walking the index of the list's order
        # (the first page stops after 25 rows) rather than all found by the unit index and
        # then sorted — a large unit holds hundreds of thousands of them.
        return or_((IncomingDocument.unit_id + 0) == user.unit_id, assigned)
    return assigned


def todo_clause(user):
    """Assignments waiting for ``user``'s work (Việc cần xử lý)."""
    conds = [Assignment.user_id == user.id]
    if user.unit_id is not None and is_unit_head(user, user.unit_id):
        conds.append(Assignment.unit_id == user.unit_id)
    return exists().where(
        Assignment.document_id == IncomingDocument.id, Assignment.active.is_(True),
        Assignment.completed_at.is_(None), or_(*conds),
        or_(Assignment.role != "inform", Assignment.read_at.is_(None)))


def near_due_limit(session, today=None, days=3):
    today = today or local_today()
    return add_working_days(session, today, days)


TRACKING = {
    "inbox": lambda s, today, days: IncomingDocument.state == "pending",
    "to_assign": lambda s, today, days: IncomingDocument.state == "registered",
    "in_progress": lambda s, today, days: IncomingDocument.state.in_(("assigned",
                                                                     "in_progress")),
    "near_due": lambda s, today, days: and_(
        IncomingDocument.state.in_(OPEN_STATES), IncomingDocument.deadline >= today,
        IncomingDocument.deadline <= near_due_limit(s, today, days)),
    "overdue": lambda s, today, days: and_(IncomingDocument.state.in_(OPEN_STATES),
                                           IncomingDocument.deadline < today),
    "done_on_time": lambda s, today, days: and_(IncomingDocument.state == "done",
                                                IncomingDocument.completed_late.is_(False)),
    "done_late": lambda s, today, days: and_(IncomingDocument.state == "done",
                                             IncomingDocument.completed_late.is_(True)),
}


def tracking_clause(session, name, today=None, days=3):
    """The condition of one tracking list (chờ vào sổ, chờ phân công, đang xử lý, sắp đến
    hạn, quá hạn, hoàn thành đúng hạn / trễ hạn)."""
    return TRACKING[name](session, today or local_today(), days)


def days_overdue(doc, today=None):
    today = today or local_today()
    if doc.state in OPEN_STATES and doc.deadline and doc.deadline < today:
        return (today - doc.deadline).days
    return 0


def counts_for(session, user, sees_all=False):
    """The top bar's counts of new work for ``user`` (Điều 5.1): to receive, to assign,
    to process, overdue."""
    if user is None or user.unit_id is None:
        return {}
    today = local_today()
    out = {}
    unit = IncomingDocument.unit_id == user.unit_id

    def count(*conds):
        return session.execute(select(func.count(IncomingDocument.id)).where(*conds)) \
            .scalar_one()

    if user_can(user, P.INTAKE, P.INCOMING, as_member=True):
        out["receive"] = count(unit, IncomingDocument.state == "pending")
    if user_can(user, P.ASSIGN, P.INCOMING, as_member=True):
        out["assign"] = count(unit, IncomingDocument.state == "registered")
    if user_can(user, P.PROCESS, P.INCOMING, as_member=True):
        out["process"] = count(todo_clause(user), IncomingDocument.state.in_(OPEN_STATES))
        overdue = [IncomingDocument.state.in_(OPEN_STATES), IncomingDocument.deadline < today]
        if sees_whole_unit(session, user):
            out["overdue"] = count(or_(unit, todo_clause(user)), *overdue)
        else:
            out["overdue"] = count(todo_clause(user), *overdue)
    return out


def now_local_time():
    return local_now().time().replace(second=0, microsecond=0)

