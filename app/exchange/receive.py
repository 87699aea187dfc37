"""Receiving an edXML package (liên thông): the one service behind
``flask qlvb exchange import`` and, later, the HTTP inbox.

A document package is routed by ``To/OrganId`` to the unit whose ``code`` (mã định danh)
it is, goes through the checks of any e-document (the secrecy of its number and symbol,
the PDF's safety scan, secrecy markings and signatures, app/trust) and waits in the
unit's "Chờ tiếp nhận" inbox like an electronic delivery; status 01 is written back as a
status package for the transport. The envelope signature's verdict is kept, whatever it
is: the clerk decides. A revocation marks the document received as asked back, an update
changes its fields, a replacement arrives as a new document that takes the old one's
place. A status package moves our outgoing document's recipient.

Exactly once: each package is one ``exchange_message`` row whose unique key is
(direction, kind, DocumentId, organs, business type, status code, variant); the row is
written first, so that a second delivery of the same package, even at the same moment
from another process, waits for the first and then finds it: ``duplicate``."""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from app.core import audit, workflow
from app.core.errors import DomainError
from app.core.filecheck import check_attachment
from app.core.timeutil import utcnow
from app.core.workflow import RecipientStatus
from app.exchange import codec, errors, fields, outbox, signing
from app.exchange.models import ExchangeMessage
from app.incoming import services as incoming
from app.incoming.models import IncomingDocument
from app.outgoing.models import Recipient
from app.reference.models import DocumentType
from app.trust import services as trust
from app.trust.signatures import Anchors
from app.units.models import Unit

log = logging.getLogger(__name__)

RESULTS = ("received", "duplicate", "revocation", "update", "replacement", "status",
           "refused")
# The incoming fields an update package may change (docs: README "Liên thông").
UPDATABLE = ("symbol", "document_date", "summary", "urgency", "page_count", "signer_name",
             "reply_deadline")
# States whose document an update or a revocation no longer touches.
_CLOSED = ("refused", "cancelled", "recalled", "replaced")


@dataclass
class Outcome:
    """What one package did: ``result`` (one of RESULTS), the DocumentId it was about, the
    incoming document it made or changed, why it was refused, the envelope's verdict."""

    result: str
    document_id: str = ""
    incoming_id: int | None = None
    reason: str | None = None
    signature: str | None = None
    incoming_ids: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"result": self.result, "document_id": self.document_id}
        if self.incoming_id is not None:
            out["incoming_id"] = self.incoming_id
        if len(self.incoming_ids) > 1:
            out["incoming_ids"] = self.incoming_ids
        if self.reason is not None:
            out["reason"] = self.reason
        if self.signature is not None:
            out["signature"] = self.signature
        return out


class Refused(DomainError):
    """The package cannot be taken; nothing of it is stored."""


def receive(session: Session, data: bytes, *, anchors: Anchors, now: datetime) -> Outcome:
    """Take one package: received, duplicate, revocation, update,
    replacement, status, or refused with the reason. Commits its own work; a refusal
    leaves only an audit event. ``now`` is the moment the envelope signature is judged
    at (naive means UTC)."""
    sha = hashlib.sha256(data).hexdigest()
    document_id = ""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    try:
        kind, ours = fields.read(data)
        document_id = _document_id(kind, ours)
        verdict = signing.verify(data, anchors, moment=now)
        for attempt in (1, 2):
            try:
                if kind == "status":
                    outcome = _status(session, ours, sha, verdict, now)
                else:
                    outcome = _document(session, ours, sha, verdict, now)
                break
            except _Again:
                session.rollback()
                if attempt == 2:
                    raise
        outcome.document_id = document_id
        session.commit()
        return outcome
    except (errors.ExchangeError, DomainError) as error:
        session.rollback()
        reason = str(error)
    audit.record(session, "exchange_refused", user=None, details={
        "sha256": sha, "document_id": document_id, "reason": reason})
    session.commit()
    log.warning("exchange: package %s refused: %s", sha[:12], reason)
    return Outcome("refused", document_id=document_id, reason=reason)


def _stored(moment: datetime) -> datetime:
    """``moment`` as the columns store it: naive UTC."""
    return moment.astimezone(UTC).replace(tzinfo=None)


def _document_id(kind: str, ours: fields.Ours) -> str:
    if kind == "status":
        return str((ours.get("document") or {}).get("document_id") or "")
    return str(ours.get("document_id") or "")


def _our_units(session: Session, ours: fields.Ours) -> list[Unit]:
    codes = [r.get("code") for r in ours.get("recipients") or [] if r.get("code")]
    units = [session.execute(select(Unit).where(Unit.code == code)).scalars().first()
             for code in dict.fromkeys(codes)]
    found = [u for u in units if u is not None and u.active]
    if not found:
        raise Refused(_("No unit here has the identifier code (mã định danh) %(codes)s.",
                        codes=", ".join(c for c in codes if c) or "—"))
    return found


def _claim(session: Session, row: ExchangeMessage) -> bool:
    """Write ``row``, the package's place in the exchange: False when the same package is
    already there (found, or written by another process that committed first; the unique
    key makes the second writer wait for the first)."""
    key = {c: getattr(row, c) for c in ("direction", "kind", "document_id", "from_organ",
                                       "to_organ", "business_type", "status_code", "variant")}
    if session.execute(select(ExchangeMessage.id).filter_by(**key)).first() is not None:
        return False
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Another process wrote the same package a moment ago and committed: this
        # transaction is spoilt; ``receive`` starts again and finds it.
        raise _Again() from None
    return True


class _Again(Exception):
    """The package's row was written by someone else meanwhile: take it again."""


def _message(ours: fields.Ours, unit: Unit, sha: str, verdict: signing.SignatureVerdict,
             now: datetime, business: int, variant: str = "") -> ExchangeMessage:
    return ExchangeMessage(
        direction="in", kind="document", document_id=ours.get("document_id") or "",
        from_organ=(ours.get("sender") or {}).get("code") or "", to_organ=unit.code or "",
        business_type=business, status_code="", variant=variant, sha256=sha,
        signature=str(verdict.status), signature_reason=verdict.reason, state="received",
        created_at=_stored(now))


def _document(session: Session, ours: fields.Ours, sha: str,
              verdict: signing.SignatureVerdict, now: datetime) -> Outcome:
    business = int(ours.get("business_type") or 0)
    units = _our_units(session, ours)
    # A secret number and symbol never enters (Quy chế Điều 1); the refusal is audited.
    trust.refuse_secret_symbol(session, None, ours.get("symbol") or "")
    if business == codec.BusinessType.REVOKE:
        return _revoke(session, ours, units, sha, verdict, now)
    if business == codec.BusinessType.UPDATE:
        return _update(session, ours, units, sha, verdict, now)
    claimed = [(u, m) for u in units
               if _claim(session, m := _message(ours, u, sha, verdict, now, business))]
    if not claimed:
        return Outcome("duplicate", signature=str(verdict.status))
    files = _store_files(session, ours)
    made = []
    for unit, message in claimed:
        doc = incoming.deliver(session, unit.id, None, _entry(session, ours), files)
        doc.channel = "exchange"  # the registers and lists mark it: received by liên thông
        message.incoming_id = doc.id
        made.append(doc)
        _status_back(session, ours, unit, doc, message)
        if business == codec.BusinessType.REPLACE:
            _replace(session, ours, unit, doc)
        session.flush()
        audit.record(session, "exchange_received", doc, user=None, details={
            "document_id": message.document_id, "from": message.from_organ,
            "to": message.to_organ, "business_type": business, "sha256": sha,
            "signature": message.signature, "signature_reason": message.signature_reason})
    result = "replacement" if business == codec.BusinessType.REPLACE else "received"
    return Outcome(result, incoming_id=made[0].id, incoming_ids=[d.id for d in made],
                   signature=str(verdict.status))


def _entry(session: Session, ours: fields.Ours) -> incoming.Entry:
    type_name = ours.get("document_type_name") or ""
    type_id = session.execute(select(DocumentType.id).where(
        DocumentType.name == type_name)).scalars().first() if type_name else None
    urgency = ours.get("urgency")
    urgency = urgency if isinstance(urgency, int) and 0 <= urgency <= 4 else 0
    return incoming.Entry(
        author_name=(ours.get("sender") or {}).get("name") or "",
        symbol=ours.get("symbol") or "", document_date=ours.get("document_date"),
        document_type_id=type_id, summary=ours.get("summary") or "",
        urgency=urgency, page_count=ours.get("page_count"),
        signer_name=ours.get("signer_name") or "", reply_deadline=ours.get("reply_deadline"))


def _is_pdf(item: fields.Ours) -> bool:
    return bool(item.get("content_type") == "application/pdf"
                or str(item.get("name") or "").lower().endswith(".pdf"))


def _store_files(session: Session, ours: fields.Ours) -> list[Any]:
    """The package's files in the store, the PDF document first, through the checks of
    every file that enters (app/trust for the PDF, the attachment check for the rest); a
    refused file undoes the files stored before it."""
    items = list(ours.get("files") or [])
    main = next((f for f in items if _is_pdf(f)), None)
    if main is None:
        raise Refused(_("The package carries no PDF document."))
    uploads = incoming.Uploads(session)
    try:
        stored = [uploads.add(_upload(main), trust.intake_check(session))]
        for item in items:
            if item is not main:
                stored.append(uploads.add(_upload(item), check_attachment))
    except DomainError:
        uploads.undo()
        raise
    return stored


def _upload(item: fields.Ours) -> FileStorage:
    name = item.get("name") or "tệp"
    return FileStorage(stream=io.BytesIO(item["data"]), filename=name,
                       content_type=item.get("content_type") or mimetypes.guess_type(name)[0])


def _status_back(session: Session, ours: fields.Ours, unit: Unit, doc: IncomingDocument,
                 message: ExchangeMessage) -> None:
    """Status 01 (arrived) for the sender, pending for the transport (app/exchange/outbox.py)."""
    if (ours.get("sender") or {}).get("code"):
        outbox.status_to_sender(session, message, doc, "01",
                                document_date=ours.get("document_date"))


def _received(session: Session, document_id: str, unit: Unit) -> IncomingDocument | None:
    """The incoming document that the package ``document_id`` made in ``unit``."""
    incoming_id = session.execute(
        select(ExchangeMessage.incoming_id).where(
            ExchangeMessage.direction == "in", ExchangeMessage.kind == "document",
            ExchangeMessage.document_id == document_id, ExchangeMessage.to_organ == unit.code,
            ExchangeMessage.business_type.in_((codec.BusinessType.NEW,
                                               codec.BusinessType.REPLACE)),
            ExchangeMessage.incoming_id.is_not(None))
        .order_by(ExchangeMessage.id.desc())).scalars().first()
    return session.get(IncomingDocument, incoming_id) if incoming_id else None


def _target(session: Session, ours: fields.Ours, unit: Unit) -> IncomingDocument:
    target_id = ours.get("business_document_id") or ours.get("document_id") or ""
    doc = _received(session, target_id, unit)
    if doc is None:
        raise Refused(_("No document received here has the DocumentId %(id)s.", id=target_id))
    workflow.lock(session, doc)
    return doc


def _revoke(session: Session, ours: fields.Ours, units: Sequence[Unit], sha: str,
            verdict: signing.SignatureVerdict, now: datetime) -> Outcome:
    """The sender asks its document back (BussinessDocType 1, status 13): the document
    received is marked as asked back, with the reason, for the clerk to answer."""
    targets = [(u, _target(session, ours, u)) for u in units]
    claimed = [(u, d, m) for u, d in targets
               if _claim(session, m := _message(ours, u, sha, verdict, now, 1))]
    if not claimed:
        return Outcome("duplicate", signature=str(verdict.status))
    reason = incoming.nfc(ours.get("business_reason")) or _("Asked back by the sender.")
    for _unit, doc, message in claimed:
        if doc.state in _CLOSED:
            raise Refused(_("The document %(symbol)s can no longer be asked back.",
                            symbol=doc.symbol))
        doc.recall_requested_at = utcnow()
        doc.recall_reason = reason
        message.incoming_id, message.state = doc.id, "applied"
        audit.record(session, "exchange_applied", doc, user=None, details={
            "document_id": message.document_id, "business_type": 1, "reason": reason,
            "sha256": sha, "signature": message.signature})
    first = claimed[0][1]
    return Outcome("revocation", incoming_id=first.id,
                   incoming_ids=[d.id for _u, d, _m in claimed], signature=str(verdict.status))


def _update(session: Session, ours: fields.Ours, units: Sequence[Unit], sha: str,
            verdict: signing.SignatureVerdict, now: datetime) -> Outcome:
    """The sender corrects its document (BussinessDocType 2): the fields of the document
    received change, before and after kept in the audit trail."""
    targets = [(u, _target(session, ours, u)) for u in units]
    claimed = [(u, d, m) for u, d in targets
               if _claim(session, m := _message(ours, u, sha, verdict, now, 2, variant=sha))]
    if not claimed:
        return Outcome("duplicate", signature=str(verdict.status))
    entry = _entry(session, ours)
    for _unit, doc, message in claimed:
        if doc.state in _CLOSED:
            raise Refused(_("The document %(symbol)s can no longer be updated.",
                            symbol=doc.symbol))
        changes = _apply_update(doc, entry)
        message.incoming_id, message.state = doc.id, "applied"
        audit.record(session, "exchange_applied", doc, user=None, details={
            "document_id": message.document_id, "business_type": 2, "changes": changes,
            "sha256": sha, "signature": message.signature})
    first = claimed[0][1]
    return Outcome("update", incoming_id=first.id,
                   incoming_ids=[d.id for _u, d, _m in claimed], signature=str(verdict.status))


def _apply_update(doc: IncomingDocument, entry: incoming.Entry) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name in UPDATABLE:
        new = getattr(entry, name)
        if isinstance(new, str):
            new = incoming.nfc(new) or None
        if new is None or new == getattr(doc, name):
            continue
        old = getattr(doc, name)
        changes[name] = [_plain(old), _plain(new)]
        setattr(doc, name, new)
    if "symbol" in changes:
        doc.symbol_number, doc.symbol_type, doc.symbol_agency = incoming.parse_symbol(
            doc.symbol)
    return changes


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _replace(session: Session, ours: fields.Ours, unit: Unit, new: IncomingDocument) -> None:
    """A replacement (BussinessDocType 3) takes the place of each document it names that
    ``unit`` received: that one leaves the lists, linked to the new one."""
    for item in ours.get("replacements") or []:
        codes = item.get("codes") or []
        if codes and unit.code not in codes:
            continue
        old = _received(session, item.get("document_id") or "", unit)
        if old is None or old.id == new.id:
            continue
        workflow.lock(session, old)
        if workflow.allows(old, "replace"):
            workflow.apply(old, workflow.transition(session, old, "replace"))
            old.replaced_by_id = new.id


# -- statuses ------------------------------------------------------------------------------

# What a status code does to our recipient row: the codes 01–06 through "status", the
# answers to a recall through their own steps.
_STATUS_STEPS = {"15": "recall_accept", "16": "recall_refuse"}
# What a recipient reports of its own steps (13 is the sender's: not from a recipient).
_RECIPIENT_CODES = ("01", "02", "03", "04", "05", "06")


def _status(session: Session, ours: fields.Ours, sha: str,
            verdict: signing.SignatureVerdict, now: datetime) -> Outcome:
    """A recipient outside tells where our document stands: its recipient row moves."""
    about = ours.get("document") or {}
    document_id = about.get("document_id") or ""
    sender = (ours.get("sender") or {}).get("code") or ""
    code = str(ours.get("code") or "")
    sent = session.execute(select(ExchangeMessage).where(
        ExchangeMessage.direction == "out", ExchangeMessage.kind == "document",
        ExchangeMessage.document_id == document_id, ExchangeMessage.to_organ == sender,
        ExchangeMessage.recipient_id.is_not(None))
        .order_by(ExchangeMessage.id.desc())).scalars().first()
    if sent is None:
        raise Refused(_("The status answers the DocumentId %(id)s, which was not sent from "
                        "here to %(organ)s.", id=document_id or "—", organ=sender or "—"))
    message = ExchangeMessage(
        direction="in", kind="status", document_id=document_id, from_organ=sender,
        to_organ=sent.from_organ, business_type=0, status_code=code, variant="", sha256=sha,
        signature=str(verdict.status), signature_reason=verdict.reason,
        outgoing_id=sent.outgoing_id, recipient_id=sent.recipient_id, state="received",
        note=ours.get("note") or None, created_at=_stored(now))
    if not _claim(session, message):
        return Outcome("duplicate", signature=str(verdict.status))
    recipient = session.get(Recipient, sent.recipient_id)
    if recipient is None:
        raise Refused(_("The recipient of this status no longer exists."))
    if code not in _STATUS_STEPS and code not in _RECIPIENT_CODES:
        raise Refused(_("The status code %(code)s does not apply to a document sent.",
                        code=code))
    workflow.lock(session, recipient.document)
    if code == "01":
        _acknowledged(session, document_id, sender)
    action = _STATUS_STEPS.get(code, "status")
    why_not = _not_applicable(recipient, action, code)
    if why_not:
        # Kept, not applied: statuses may arrive late or out of their order.
        message.note = why_not
        log.info("exchange: status %s for %s kept, not applied: %s", code, document_id,
                 why_not)
        return Outcome("status", reason=why_not, signature=str(verdict.status))
    step = workflow.transition(session, recipient, action, locked=False)
    workflow.apply(recipient, step, RecipientStatus(code) if action == "status" else None)
    recipient.status_note = ours.get("note") or None
    recipient.status_at = utcnow()
    message.state = "applied"
    audit.record(session, "exchange_applied", recipient.document, user=None, details={
        "document_id": document_id, "from": sender, "status": code, "sha256": sha,
        "signature": message.signature})
    return Outcome("status", signature=str(verdict.status))


def _not_applicable(recipient: Recipient, action: str, code: str) -> str | None:
    """Why the status ``code`` no longer moves ``recipient`` (None when it does): a step
    the recipient's state does not allow, or a status 01–06 behind the one it reported."""
    if not workflow.allows(recipient, action):
        return _("not applied: the recipient stands at %(status)s",
                 status=recipient.status)
    current = str(recipient.status or "00")
    if action == "status" and current in _RECIPIENT_CODES and code <= current:
        return _("not applied: the recipient already reported %(status)s", status=current)
    return None


def _acknowledged(session: Session, document_id: str, sender: str) -> None:
    """The recipient's 01: the document packages we sent it are acknowledged."""
    for row in session.execute(select(ExchangeMessage).where(
            ExchangeMessage.direction == "out", ExchangeMessage.kind == "document",
            ExchangeMessage.document_id == document_id, ExchangeMessage.to_organ == sender,
            ExchangeMessage.business_type.in_(outbox.RECEIVED_TYPES),
            ExchangeMessage.state.in_(("pending", "sent", "failed")))).scalars().all():
        workflow.lock(session, row)
        if row.state in ("pending", "sent", "failed"):
            row.state = "acknowledged"
