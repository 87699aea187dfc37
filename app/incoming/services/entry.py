"""The register entry of an incoming document (vào sổ, docs/domain.md §5.3): its fields and their
checks, duplicates, the signature verdict, the gap-free number and the registration itself."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, time

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.core import audit, inputs, numbering, workflow
from app.core.errors import DomainError
from app.core.storage import StoredFile
from app.core.timeutil import local_today, utcnow
from app.core.workflow import INCOMING, ExchangeCode
from app.incoming.models import (
    SECRECY_NONE,
    URGENCY,
    URGENCY_NEEDS_TIME,
    IncomingDocument,
    IncomingFile,
    ProgressNote,
)
from app.incoming.services.common import (
    NUMBER_SERIES,
    _heads,
    _link,
    _title,
    nfc,
    parse_symbol,
    send_status,
)
from app.notifications.services import notify
from app.reference.models import DocumentType
from app.security.models import AppUser
from app.trust import services as trust
from app.units.models import Unit


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
    def from_document(cls, doc: IncomingDocument) -> Entry:
        return cls(arrival_date=doc.arrival_date, arrival_time=doc.arrival_time,
                   sender_unit_id=doc.sender_unit_id, author_name=doc.author_name or "",
                   symbol=doc.symbol or "", document_date=doc.document_date,
                   document_type_id=doc.document_type_id, summary=doc.summary or "",
                   urgency=doc.urgency or 0, page_count=doc.page_count,
                   signer_name=doc.signer_name or "", reply_deadline=doc.reply_deadline,
                   notes=doc.notes or "")


def check_entry(session: Session, entry: Entry, today: date | None = None) -> Entry:
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


def _apply_entry(doc: IncomingDocument, entry: Entry) -> None:
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


def find_duplicates(session: Session, unit_id: int, entry: Entry, hashes: Iterable[str] = (),
                    exclude_id: int | None = None) -> Sequence[IncomingDocument]:
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

    def __init__(self, duplicates: Sequence[IncomingDocument]) -> None:
        listing = "; ".join(
            f"{d.number_label() or _('not registered')} {d.symbol} ({d.author_label()})"
            for d in duplicates)
        super().__init__(_("This document may already have been received: %(list)s. Check, "
                           "then tick \"Register anyway\" to register it again.",
                           list=listing), field="allow_duplicate")
        self.duplicates = duplicates


def _check_duplicates(session: Session, doc: IncomingDocument, entry: Entry) -> None:
    hashes = [f.sha256 for f in doc.files if f.role != "result"]
    dups = find_duplicates(session, doc.unit_id, entry, hashes, exclude_id=doc.id)
    if dups and not entry.allow_duplicate:
        raise DuplicateFound(dups)
    doc.duplicate_note = (_("Registered although it may duplicate: %(list)s",
                            list=", ".join(d.number_label() or str(d.id) for d in dups))
                          if dups else None)


def _add_file(session: Session, doc: IncomingDocument, stored: StoredFile, role: str,
              user: AppUser | None, note: ProgressNote | None = None) -> IncomingFile:
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


def _check_trust(doc: IncomingDocument, entry: Entry) -> None:
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


def _allocate_number(session: Session, doc: IncomingDocument) -> None:
    # First write of the transaction that locks: see app.core.numbering.
    doc.arrival_year = doc.arrival_date.year
    doc.arrival_number = numbering.next_number(session, NUMBER_SERIES, doc.unit_id,
                                               doc.arrival_year)


def _finish_registration(session: Session, doc: IncomingDocument, user: AppUser) -> None:
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
           _l("To assign: %(number)s %(title)s", number=doc.number_label(), title=_title(doc)),
           link=_link(doc), urgent=doc.is_urgent())

