"""The outbox of liên thông: every package this installation owes another system, written
in the same transaction as the business change that owes it, and handed to the transport
(app/exchange/transport.py) after the commit.

- Issuing an outgoing document writes one document package per recipient reached by
  liên thông (channel ``exchange``, with its mã định danh); a replacement carries
  BussinessDocType 3 (``export.document_fields``). Recalling it cancels a package not
  gone out yet and writes a revocation (BussinessDocType 1) for each recipient whose
  package went out.
- A document received by liên thông tells its sender where it stands: the statuses of
  docs/domain.md §4 (01 arrived, 02 refused with the reason, 03 registered, 04 assigned,
  05 in progress, 06 done), each once, and the answer to a revocation (15 accepted, 16
  refused with the reason).

Each row of the outbox is an ``exchange_message`` (direction ``out``) whose state is
``pending`` (waiting for the transport or for a peer serving its recipient), ``sent``
(the peer acknowledged the request), ``acknowledged`` (a document whose recipient's
status 01 came back), ``refused`` (the peer will not take it), ``cancelled`` (recalled
before it went out) or ``failed``; with its
attempts and last error. A peer added or changed, or the admin's "Thử lại", hands the
rows waiting for it to the transport again."""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit, workflow
from app.core.errors import DomainError
from app.core.timeutil import to_local, utcnow
from app.core.workflow import RecipientStatus
from app.exchange import codec, export, fields, signing, transport
from app.exchange.models import ExchangeMessage
from app.incoming.models import IncomingDocument
from app.outgoing.models import OutgoingDocument, Recipient
from app.security.models import AppUser

log = logging.getLogger(__name__)

# The states of an outbound row the transport may still take.
WAITING = ("pending", "failed")
STATES = ("written", "pending", "sent", "acknowledged", "refused", "failed", "cancelled")
# The states of a document package that has not gone out: a recall cancels it.
NOT_GONE = ("pending", "failed")
RECEIVED_TYPES = (int(codec.BusinessType.NEW), int(codec.BusinessType.REPLACE))


def _stored(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _key() -> signing.SigningKey | None:
    """The agency's signing key when one is configured (QLVB_AGENCY_P12)."""
    if not current_app.config.get("QLVB_AGENCY_P12"):
        return None
    return signing.agency_key(current_app.config)


# -- documents we send -------------------------------------------------------------------

def exchange_recipients(doc: OutgoingDocument) -> list[Recipient]:
    return [r for r in doc.recipients if r.channel == "exchange" and r.organ_id]


def on_issued(session: Session, doc: OutgoingDocument) -> None:
    """``doc`` is being issued (its transaction): one package per recipient reached by
    liên thông, pending for the transport."""
    recipients = exchange_recipients(doc)
    if not recipients:
        return
    if not doc.unit.code:
        raise DomainError(_("The unit %(unit)s has no identifier code (mã định danh): it "
                            "cannot send by liên thông.", unit=doc.unit.name),
                          field="recipients")
    now = datetime.now(UTC)
    key = _key()
    for recipient in recipients:
        ours, data = export.package_for(session, doc, recipient, key, now)
        export.record(session, doc, recipient, ours, data, now, send=True)


def sent_document(session: Session, recipient: Recipient) -> ExchangeMessage | None:
    """The last document package (new or replacement) written for ``recipient``."""
    return session.execute(select(ExchangeMessage).where(
        ExchangeMessage.direction == "out", ExchangeMessage.kind == "document",
        ExchangeMessage.recipient_id == recipient.id,
        ExchangeMessage.business_type.in_(RECEIVED_TYPES))
        .order_by(ExchangeMessage.id.desc())).scalars().first()


def on_recalled(session: Session, doc: OutgoingDocument) -> None:
    """``doc`` is being recalled (its transaction, the document locked), for each recipient
    reached by liên thông (docs/domain.md §4, recall): a package that has not gone out yet
    is cancelled (nothing is sent, the recipient stays at 00); a package that went out
    (sent, written to a file, acknowledged) is followed by a revocation (BussinessDocType
    1, with the reason) and the recipient waits for its answer (15 or 16)."""
    now = datetime.now(UTC)
    key = _key()
    for recipient in exchange_recipients(doc):
        sent = sent_document(session, recipient)
        if sent is None:
            continue
        workflow.lock(session, sent)  # the transport records its answer under this lock
        if sent.state in NOT_GONE:
            sent.state = "cancelled"
            recipient.status_note = _("Recalled before it was sent: %(reason)s",
                                      reason=doc.recall_reason or "")
            recipient.status_at = utcnow()
            continue
        if sent.state == "refused":
            continue  # the peer never took it: there is nothing to revoke
        revoke(session, doc, recipient, sent, now, key)


def revoke(session: Session, doc: OutgoingDocument, recipient: Recipient,
           sent: ExchangeMessage, now: datetime, key: signing.SigningKey | None = None
           ) -> ExchangeMessage | None:
    """The revocation of the package ``sent`` to ``recipient`` (``doc`` recalled and
    locked), pending for the transport; the recipient moves to 13 — from 00 too, a
    package sent whose 01 has not come back yet. None when it was already written."""
    ours = export.document_fields(session, doc, export.recipient_organ(recipient), now)
    ours.update(business_type=int(codec.BusinessType.REVOKE),
                business_document_id=sent.document_id, document_id=sent.document_id,
                business_reason=doc.recall_reason or "", replacements=[])
    data = fields.build_document(ours)
    if key is not None:
        data = signing.sign(data, key)
    row = ExchangeMessage(
        direction="out", kind="document", document_id=sent.document_id,
        from_organ=sent.from_organ, to_organ=sent.to_organ,
        business_type=int(codec.BusinessType.REVOKE), status_code="", variant="",
        sha256=hashlib.sha256(data).hexdigest(), outgoing_id=doc.id,
        recipient_id=recipient.id, state="pending", package=data,
        created_at=_stored(now))
    if not _write(session, row):
        return None
    recall = workflow.rule(workflow.RECIPIENT, "recall")
    if workflow.allows(recipient, "recall") or recipient.status == RecipientStatus.NOT_SENT:
        workflow.apply(recipient, recall)
    recipient.status_note, recipient.status_at = doc.recall_reason, utcnow()
    return row


def sent_after_cancel(session: Session, message: ExchangeMessage) -> None:
    """The transport delivered ``message`` (locked, with its document) although the
    recall cancelled it meanwhile (it was on its way): the revocation follows it."""
    doc = session.get(OutgoingDocument, message.outgoing_id)
    recipient = session.get(Recipient, message.recipient_id)
    if doc is None or recipient is None:
        return
    message.state = "sent"
    revoke(session, doc, recipient, message, datetime.now(UTC), _key())


def _write(session: Session, row: ExchangeMessage) -> bool:
    """Write the outbound package ``row`` and queue it for the transport (after the
    commit); False, writing nothing, when the same package was written before."""
    if _exists(session, row):
        return False
    session.add(row)
    session.flush()
    transport.queue_send(session, row)
    return True


def _exists(session: Session, row: ExchangeMessage) -> bool:
    key = {c: getattr(row, c) for c in ("direction", "kind", "document_id", "from_organ",
                                       "to_organ", "business_type", "status_code", "variant")}
    return session.execute(select(ExchangeMessage.id).filter_by(**key)).first() is not None


# -- statuses we owe ---------------------------------------------------------------------

def received_by_exchange(session: Session, doc_id: int) -> ExchangeMessage | None:
    """The package (new or replacement) that made the incoming document ``doc_id``."""
    return session.execute(select(ExchangeMessage).where(
        ExchangeMessage.direction == "in", ExchangeMessage.kind == "document",
        ExchangeMessage.incoming_id == doc_id,
        ExchangeMessage.business_type.in_(RECEIVED_TYPES))
        .order_by(ExchangeMessage.id.desc())).scalars().first()


def status_to_sender(session: Session, came: ExchangeMessage, doc: IncomingDocument,
                     code: str, note: str | None = None,
                     document_date: date | None = None) -> ExchangeMessage | None:
    """The status ``code`` of ``doc`` for the outside sender of the package ``came``,
    pending for the transport; None when that status was already written (each code
    goes once)."""
    now = datetime.now(UTC)
    package = fields.build_status({
        "sender": {"code": came.to_organ, "name": doc.unit.name if doc.unit else ""},
        "document": {"code": came.from_organ, "symbol": doc.symbol or "",
                     "document_date": document_date or doc.document_date,
                     "document_id": came.document_id},
        "code": code, "note": note or "",
        "timestamp": to_local(now).replace(tzinfo=None, microsecond=0)})
    row = ExchangeMessage(
        direction="out", kind="status", document_id=came.document_id,
        from_organ=came.to_organ, to_organ=came.from_organ, business_type=0,
        status_code=code, variant="", sha256=hashlib.sha256(package).hexdigest(),
        incoming_id=doc.id, state="pending", package=package, note=note or None,
        created_at=_stored(now))
    return row if _write(session, row) else None


def on_incoming_status(session: Session, doc: IncomingDocument, code: str,
                       note: str | None) -> None:
    """An incoming document moved (docs/domain.md §4): a document received by liên thông
    tells its sender (the document is locked by its step)."""
    if doc.sender_unit_id is not None or doc.delivery_id is not None:
        return
    came = received_by_exchange(session, doc.id)
    if came is not None:
        status_to_sender(session, came, doc, code, note)


def answer_revocation(session: Session, received: IncomingDocument, user: AppUser | None,
                      accept: bool, reason: str | None = "") -> IncomingDocument:
    """The clerk answers a revocation received by liên thông: accepted (15: the document
    leaves the active lists, kept with its history) or refused (16, with the reason);
    the answer goes back to the sender."""
    from app.incoming import services as incoming

    unit_id = getattr(user, "unit_id", None)
    if user is None or unit_id != received.unit_id or not incoming.is_unit_clerk(
            user, received.unit_id):
        raise DomainError(_("Only the receiving unit's clerk answers a recall."))
    workflow.lock(session, received)
    came = received_by_exchange(session, received.id)
    if received.recall_requested_at is None or came is None:
        raise DomainError(_("No recall was asked for this document."))
    reason = incoming.nfc(reason)
    if not accept and not reason:
        raise DomainError(_("Write why the recall is refused."), field="reason")
    action = "recall_accept" if accept else "recall_refuse"
    code = "15" if accept else "16"
    if _answered(session, came):
        raise workflow.ConflictError(_("This recall was already answered."))
    workflow.apply(received, workflow.transition(session, received, action))
    if accept:
        for a in received.assignments:
            a.active = False
    status_to_sender(session, came, received, code, reason)
    audit.record(session, "outgoing_recall_answered", received, user=user, details={
        "accepted": bool(accept), "reason": reason, "document_id": came.document_id})
    return received


def _answered(session: Session, came: ExchangeMessage) -> bool:
    return session.execute(select(ExchangeMessage.id).where(
        ExchangeMessage.direction == "out", ExchangeMessage.kind == "status",
        ExchangeMessage.document_id == came.document_id,
        ExchangeMessage.to_organ == came.from_organ,
        ExchangeMessage.status_code.in_(("15", "16")))).first() is not None


# -- handing rows to the transport again -------------------------------------------------

def requeue(session: Session, organs: list[str] | None = None) -> int:
    """Hand the rows still waiting (pending, or failed for want of a peer) whose recipient
    a peer serves to the transport, after the caller's commit; only those for ``organs``
    when given. How many were queued."""
    rows = session.execute(select(ExchangeMessage).where(
        ExchangeMessage.direction == "out", ExchangeMessage.state.in_(WAITING),
        ExchangeMessage.package.is_not(None)).order_by(ExchangeMessage.id)).scalars().all()
    queued = 0
    for row in rows:
        if organs is not None and row.to_organ not in organs:
            continue
        if row.state == "failed":
            workflow.lock(session, row)
            if row.state != "failed":
                continue
            row.state = "pending"
        queued += transport.queue_send(session, row)
    return queued


def retry(session: Session, message_id: int, user: object) -> bool:
    """The admin's "Thử lại" on one outbound row: a row not yet delivered (pending, failed,
    refused) is handed to the transport again. False when it has nothing to retry or no
    peer serves its recipient."""
    row = session.get(ExchangeMessage, message_id)
    if row is None or row.direction != "out" or not row.package:
        return False
    workflow.lock(session, row)
    if row.state not in ("pending", "failed", "refused"):
        return False
    row.state = "pending"
    queued = transport.queue_send(session, row)
    audit.record(session, "exchange_retried", None, user=user, details={
        "message_id": row.id, "document_id": row.document_id, "to": row.to_organ,
        "queued": queued})
    return queued


def recipient_states(session: Session, recipient_ids: list[int]) -> dict[int, dict[str, object]]:
    """For the outgoing document's page: the state of the last document package of each
    recipient (label, state, attempts, last error), by recipient id."""
    from app.exchange.models import STATE_LABELS

    out: dict[int, dict[str, object]] = {}
    for row in session.execute(select(ExchangeMessage).where(
            ExchangeMessage.direction == "out", ExchangeMessage.kind == "document",
            ExchangeMessage.recipient_id.in_(recipient_ids)).order_by(ExchangeMessage.id)
    ).scalars():
        out[int(row.recipient_id)] = {
            "state": row.state, "label": str(STATE_LABELS.get(row.state, row.state)),
            "attempts": row.attempts or 0, "last_error": (row.last_error or "")[:200]}
    return out
