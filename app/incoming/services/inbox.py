"""How an incoming document arrives and is registered or turned away (docs/domain.md §5.1–5.3,
Quy chế Điều 6.3): the files of a request, electronic delivery into the inbox, paper and
outside intake, registration from the inbox, refusal and cancellation."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from app.core import audit, storage, workflow
from app.core.errors import DomainError
from app.core.storage import StoredFile
from app.core.timeutil import local_today, utcnow
from app.core.workflow import ExchangeCode, IncomingState
from app.incoming.models import IncomingDocument, Rejection
from app.incoming.services.common import (
    _clerks,
    _link,
    _require_unit,
    _title,
    nfc,
    now_local_time,
    parse_symbol,
    send_status,
)
from app.incoming.services.entry import (
    Entry,
    _add_file,
    _allocate_number,
    _apply_entry,
    _check_duplicates,
    _check_trust,
    _finish_registration,
    check_entry,
)
from app.notifications.services import notify
from app.security.models import AppUser
from app.trust import services as trust
from app.units.models import Unit

# The package's logger: one name for every step of incoming documents.
log = logging.getLogger("app.incoming.services")

# ``check(path, name)``: inspects a file before it enters the store (app.core.storage.store).
FileCheck = Callable[[str, str], object]


class Uploads:
    """The files one request stores for one piece of work: if the work fails, ``undo``
    removes those it wrote so that a refusal leaves the store as it was."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.stored: list[StoredFile] = []

    def add(self, upload: FileStorage, check: FileCheck | None) -> StoredFile:
        stored = store_upload(self.session, upload, check)
        self.stored.append(stored)
        return stored

    def undo(self) -> None:
        self.session.rollback()
        storage.discard(self.session, self.stored)
        self.stored = []


def store_upload(session: Session, upload: FileStorage, check: FileCheck | None) -> StoredFile:
    """Store one uploaded file after ``check`` (the PDF safety check, or the attachment
    check); a refused file is never stored, and its refusal is an audit event of its own
    (committed apart from the refused work)."""
    try:
        return storage.store(upload.stream, upload.filename, check=check)
    except DomainError as error:
        session.rollback()
        audit.record(session, trust.refusal_action(error), details={
            "file": storage.clean_name(upload.filename), "reason": str(error)})
        session.commit()
        log.warning("incoming: file %r refused: %s", upload.filename, error)
        raise


def deliver(session: Session, recipient_unit_id: int, sender_unit_id: int | None, entry: Entry,
            files: Sequence[StoredFile], sender_user: AppUser | None = None,
            delivery_id: int | None = None) -> IncomingDocument:
    """Electronic delivery from a unit of the system: the document waits in the
    recipient's "Chờ tiếp nhận" inbox with the sender's metadata (status 01).

    ``files`` are StoredFile objects whose bytes are already in the store (the sender's
    own files, byte-identical); the first is the document. With no ``sender_unit_id`` the
    sender is outside the system (a liên thông package), named by ``entry.author_name``:
    the document arrives on the channel "external" and its statuses go back as packages."""
    if not files:
        raise DomainError(_("A delivered document needs its file."))
    recipient = session.get(Unit, recipient_unit_id)
    sender = session.get(Unit, sender_unit_id) if sender_unit_id is not None else None
    if recipient is None or (sender is None and sender_unit_id is not None):
        raise DomainError(_("Unknown unit."))
    author = sender.name if sender is not None else nfc(entry.author_name)
    # It arrives now: the clerk may register it later, the arrival stays today's.
    doc = IncomingDocument(
        unit_id=recipient.id, state=str(IncomingState.PENDING),
        channel="electronic" if sender is not None else "external",
        arrival_date=local_today(), arrival_time=now_local_time(),
        sender_unit_id=sender_unit_id, author_name=author, symbol=nfc(entry.symbol),
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
                 details={"from": sender.abbreviation if sender is not None else author,
                          "to": recipient.abbreviation,
                          "symbol": doc.symbol, "files": [f.sha256 for f in files],
                          "signature_status": report["status"] if report else None})
    send_status(session, doc, ExchangeCode.ARRIVED, sender_user)
    notify(session, _clerks(session, recipient.id),
           _l("New document to receive from %(unit)s: %(title)s", unit=author,
             title=_title(doc)), link=_link(doc), urgent=doc.is_urgent())
    return doc


def intake(session: Session, user: AppUser, channel: str, entry: Entry,
           main_file: StoredFile | None,
           attachments: Sequence[StoredFile] = ()) -> IncomingDocument:
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


def register(session: Session, doc: IncomingDocument, user: AppUser,
             entry: Entry) -> IncomingDocument:
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


def refuse(session: Session, doc: IncomingDocument, user: AppUser, reason: str) -> Rejection:
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


def cancel(session: Session, doc: IncomingDocument, user: AppUser, reason: str) -> IncomingDocument:
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

