"""The rules of outgoing documents, as plain functions on a session (docs/domain.md §6): draft,
route (trình / trả lại), sign, number from the unit's series, attach the signed PDF,
issue (electronic delivery into each internal recipient's inbox, paper or e-mail for
others), follow each recipient's status, recall and replace."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit, numbering, registry, storage, workflow
from app.core.calendar import next_working_morning_deadline
from app.core.errors import DomainError
from app.core.storage import StoredFile
from app.core.timeutil import local_today, to_local, utcnow
from app.core.workflow import ConflictError, OutgoingState, RecipientStatus
from app.incoming import services as incoming
from app.incoming.models import IncomingDocument
from app.notifications.services import notify
from app.outgoing.models import (
    CHANNELS,
    EDITABLE_STATES,
    SIGNING_FORMS,
    CancelledNumber,
    NumberSeries,
    OutgoingDocument,
    OutgoingFile,
    Recipient,
    RouteStep,
)
from app.reference.models import DocumentType, Term
from app.security import permissions as P
from app.security.models import AppUser
from app.security.services import unit_users_who_can, user_can
from app.trust import agency
from app.trust import services as trust
from app.units.models import Unit

log = logging.getLogger(__name__)

URGENT_ISSUE_DELAY = timedelta(hours=1)  # Điều 6.5: Hỏa tốc and Khẩn go at once


def _link(doc: OutgoingDocument) -> str:
    return f"/outgoingview/show/{doc.id}"


def _can(user: AppUser | None, permission: str) -> bool:
    return user_can(user, permission, P.OUTGOING, as_member=True)


def _require_unit(user: AppUser | None, doc: OutgoingDocument) -> None:
    if user is None or user.unit_id != doc.unit_id:
        raise DomainError(_("Only the drafting unit can do this."))


def _step(session: Session, doc: OutgoingDocument, user: AppUser, action: str,
          to_user: AppUser | None = None, comment: str | None = None) -> RouteStep:
    draft = doc.current_draft()
    step = RouteStep(document=doc, action=action, from_user_id=user.id,
                     to_user_id=getattr(to_user, "id", None), comment=comment or None,
                     file_version=draft.version if draft else None)
    session.add(step)
    return step


def _add_file(session: Session, doc: OutgoingDocument, stored: StoredFile, kind: str,
              user: AppUser, version: int = 1) -> OutgoingFile:
    check = getattr(stored, "check", None)
    row = OutgoingFile(document=doc, kind=kind, version=version, name=stored.name,
                       sha256=stored.sha256, size=stored.size, mime=stored.mime,
                       pages=getattr(check, "pages", None),
                       text_content=getattr(check, "text", None) or None,
                       check_report=json.dumps(check.as_dict(), ensure_ascii=False)
                       if check else None, uploaded_by_id=user.id)
    trust.apply_check(row, check)
    session.add(row)
    return row


# -- drafting ----------------------------------------------------------------------------

# A mã định danh (QĐ 20/2020): groups of letters and digits separated by dots.
ORGAN_ID = re.compile(r"[0-9A-Za-z]{1,10}(\.[0-9A-Za-z]{1,10}){1,5}")

# Called as listener(session, document) when a document is issued or recalled, in that
# transaction: liên thông writes its packages for the recipients reached through it.
IssueListener = Callable[[Session, OutgoingDocument], None]
ISSUE_LISTENERS: list[IssueListener] = []
RECALL_LISTENERS: list[IssueListener] = []

@dataclass
class RecipientSpec:
    """An intended recipient: a unit of the system, or an outside body by name."""

    unit_id: int | None = None
    name: str = ""
    channel: str = "electronic"
    paper_copy: bool = False
    organ_id: str = ""


def _check_recipients(session: Session, doc: OutgoingDocument,
                      specs: Iterable[RecipientSpec]) -> list[Recipient]:
    seen: set[tuple[str, int | str]] = set()
    key: tuple[str, int | str]
    rows = []
    for spec in specs:
        if spec.channel not in CHANNELS:
            raise DomainError(_("Choose how each recipient receives the document."),
                              field="recipients")
        name = incoming.nfc(spec.name)
        if spec.unit_id is not None:
            unit = session.get(Unit, spec.unit_id)
            if unit is None or not unit.active:
                raise DomainError(_("Choose an active unit."), field="recipients")
            if unit.id == doc.unit_id:
                raise DomainError(_("A unit does not send a document to itself."),
                                  field="recipients")
            key = ("u", unit.id)
            name = unit.name
        else:
            if not name:
                raise DomainError(_("Name the outside recipient."), field="recipients")
            if spec.channel == "electronic":
                raise DomainError(_("Only units of the system receive electronically; send "
                                    "to an outside body on paper or by e-mail."),
                                  field="recipients")
            key = ("n", name.lower())
        organ_id = (spec.organ_id or "").strip()
        if spec.channel == "exchange":
            if spec.unit_id is not None or not ORGAN_ID.fullmatch(organ_id):
                raise DomainError(_("An outside body reached by liên thông needs its "
                                    "identifier code (mã định danh), like 000.00.00.H41: "
                                    "%(name)s.", name=name), field="recipients")
            key = ("o", organ_id)
        if key in seen:
            raise DomainError(_("A recipient appears twice."), field="recipients")
        seen.add(key)
        rows.append(Recipient(unit_id=spec.unit_id, name=name[:255], channel=spec.channel,
                              paper_copy=bool(spec.paper_copy),
                              organ_id=organ_id if spec.channel == "exchange" else None))
    return rows


def create_draft(session: Session, user: AppUser, document_type_id: int | None,
                 summary: str | None, urgency: int, draft_file: StoredFile | None,
                 recipients: Iterable[RecipientSpec] = (), signer_id: int | None = None,
                 attachments: Iterable[StoredFile] = (), reply_to_id: int | None = None,
                 replaces_id: int | None = None) -> OutgoingDocument:
    """An official drafts a document of their unit (docs/domain.md §6): type, trích yếu, độ khẩn,
    intended signer, recipients, the draft file; a reply links to its incoming document,
    a replacement to the document it replaces."""
    if not _can(user, P.DRAFT) or user.unit_id is None:
        raise DomainError(_("You cannot draft documents."))
    summary = incoming.nfc(summary)
    if not summary:
        raise DomainError(_("The summary (trích yếu) is required."), field="summary")
    if len(summary) > 2000:
        raise DomainError(_("At most %(max)d characters.", max=2000), field="summary")
    doc_type = session.get(DocumentType, document_type_id) if document_type_id else None
    if doc_type is None or not doc_type.active:
        raise DomainError(_("Choose the document type."), field="document_type_id")
    if urgency not in range(5):
        raise DomainError(_("Choose the urgency."), field="urgency")
    if draft_file is None:
        raise DomainError(_("Attach the draft file."), field="draft_file")
    doc = OutgoingDocument(unit_id=user.unit_id, state=str(OutgoingState.DRAFT),
                           document_type_id=doc_type.id,
                           summary=summary, urgency=urgency, created_by_id=user.id,
                           holder_id=user.id)
    if signer_id is not None:
        doc.signer_id = _signer(session, doc, signer_id).id
    if reply_to_id is not None:
        reply_to = session.get(IncomingDocument, reply_to_id)
        if reply_to is None or reply_to.unit_id != user.unit_id:
            raise DomainError(_("Reply only to an incoming document of your unit."),
                              field="reply_to_id")
        doc.reply_to_id = reply_to.id
    if replaces_id is not None:
        original = session.get(OutgoingDocument, replaces_id)
        if original is None or original.unit_id != user.unit_id or original.state not in (
                "issued", "recalled"):
            raise DomainError(_("Only an issued document of your unit can be replaced."),
                              field="replaces_id")
        doc.replaces_id = original.id
    doc.recipients = _check_recipients(session, doc, recipients)
    session.add(doc)
    _add_file(session, doc, draft_file, "draft", user, version=1)
    for stored in attachments:
        _add_file(session, doc, stored, "attachment", user)
    session.flush()
    audit.record(session, "outgoing_drafted", doc, user=user,
                 details={"summary": summary, "file": draft_file.sha256,
                          "reply_to": doc.reply_to_id, "replaces": doc.replaces_id})
    return doc


def _signer(session: Session, doc: OutgoingDocument, signer_id: int) -> AppUser:
    signer = session.get(AppUser, signer_id)
    if signer is None or not signer.is_active or signer.unit_id != doc.unit_id or not _can(
            signer, P.SIGN):
        raise DomainError(_("The signer must be a head of the unit."), field="signer_id")
    return signer


def _require_holder(user: AppUser, doc: OutgoingDocument) -> None:
    # Read under the document's lock: the holder moves with every step of the route, so a
    # repeated step finds it gone to the next person.
    if doc.holder_id != user.id:
        raise ConflictError(_("The document is not with you now."))


def set_recipients(session: Session, doc: OutgoingDocument, user: AppUser,
                   recipients: Iterable[RecipientSpec]) -> None:
    """Change the recipients while the document is being drafted or approved."""
    _require_unit(user, doc)
    workflow.lock(session, doc)
    if doc.state not in EDITABLE_STATES + ("signed", "numbered"):
        raise DomainError(_("An issued document cannot be changed."))
    if doc.state in EDITABLE_STATES:
        if not _can(user, P.DRAFT):
            raise DomainError(_("You cannot draft documents."))
        _require_holder(user, doc)
    elif not _can(user, P.ISSUE):
        raise DomainError(_("Once signed, only the clerk changes the recipients."))
    doc.recipients = _check_recipients(session, doc, recipients)
    audit.record(session, "outgoing_recipients", doc, user=user,
                 details={"recipients": [r.label() for r in doc.recipients]})


def add_version(session: Session, doc: OutgoingDocument, user: AppUser,
                stored: StoredFile) -> OutgoingFile:
    """A new version of the draft by its holder; old versions are kept (never
    overwritten)."""
    _require_unit(user, doc)
    workflow.transition(session, doc, "new_version")
    _require_holder(user, doc)
    version = max((f.version for f in doc.draft_files()), default=0) + 1
    row = _add_file(session, doc, stored, "draft", user, version=version)
    _step(session, doc, user, "new_version")
    session.flush()
    audit.record(session, "outgoing_draft_version", doc, user=user,
                 details={"version": version, "file": stored.sha256})
    return row


# -- the route -------------------------------------------------------------------------

def _route_target(session: Session, doc: OutgoingDocument, to_user_id: int | None,
                  user: AppUser) -> AppUser:
    target = session.get(AppUser, to_user_id) if to_user_id else None
    if (target is None or not target.is_active or target.unit_id != doc.unit_id
            or target.id == user.id or not (_can(target, P.DRAFT) or _can(target, P.SIGN))):
        raise DomainError(_("Send it to an active colleague of the unit who can process "
                            "or sign it."), field="to_user_id")
    return target


def submit(session: Session, doc: OutgoingDocument, user: AppUser, to_user_id: int | None,
           comment: str | None = "") -> OutgoingDocument:
    """The holder sends the draft to the next processor (trình), with a comment; the route
    keeps who, when, the comment and the draft version."""
    _require_unit(user, doc)
    rule = workflow.transition(session, doc, "submit")
    _require_holder(user, doc)
    target = _route_target(session, doc, to_user_id, user)
    action = "forward" if doc.state == OutgoingState.REVIEW else "submit"
    workflow.apply(doc, rule)
    doc.holder_id = target.id
    comment = incoming.nfc(comment)
    _step(session, doc, user, action, target, comment)
    session.flush()
    audit.record(session, f"outgoing_{'forwarded' if action == 'forward' else 'submitted'}",
                 doc, user=user, details={"to": target.username, "comment": comment})
    notify(session, [target], _l("Waiting for your approval: %(summary)s",
                                summary=doc.summary[:80]), link=_link(doc),
           urgent=doc.urgency >= 1)
    return doc


def return_draft(session: Session, doc: OutgoingDocument, user: AppUser,
                 comment: str | None) -> OutgoingDocument:
    """The holder returns the draft to whoever sent it, with a mandatory comment."""
    _require_unit(user, doc)
    rule = workflow.transition(session, doc, "return")
    _require_holder(user, doc)
    comment = incoming.nfc(comment)
    if not comment:
        raise DomainError(_("Write why the draft is returned."), field="comment")
    last = next((s for s in reversed(doc.steps) if s.to_user_id == user.id
                 and s.action in ("submit", "forward")), None)
    back_to = last.from_user if last is not None else doc.created_by
    workflow.apply(doc, rule)
    doc.holder_id = back_to.id
    _step(session, doc, user, "return", back_to, comment)
    session.flush()
    audit.record(session, "outgoing_returned", doc, user=user,
                 details={"to": back_to.username, "comment": comment})
    notify(session, [back_to], _l("Returned to you: %(summary)s", summary=doc.summary[:80]),
           link=_link(doc))
    return doc


def sign(session: Session, doc: OutgoingDocument, user: AppUser,
         signing_form: str = "") -> OutgoingDocument:
    """The competent signer approves (ký) with the form T/M, K/T, T/L or TUQ; the
    document then waits for the clerk's number."""
    _require_unit(user, doc)
    rule = workflow.transition(session, doc, "sign")
    _require_holder(user, doc)
    if not _can(user, P.SIGN):
        raise DomainError(_("Only a head of the unit can sign."))
    if doc.signer_id is not None and doc.signer_id != user.id:
        raise DomainError(_("This document is to be signed by %(name)s.",
                            name=doc.signer.get_full_name()))
    if signing_form not in SIGNING_FORMS:
        raise DomainError(_("Choose the form of signature."), field="signing_form")
    workflow.apply(doc, rule)
    doc.signing_form = signing_form
    doc.signed_by_id = user.id
    doc.signed_at = utcnow()
    doc.holder_id = None
    _step(session, doc, user, "sign", comment=signing_form or None)
    session.flush()
    audit.record(session, "outgoing_signed", doc, user=user,
                 details={"form": signing_form})
    notify(session, unit_users_who_can(session, doc.unit_id, P.ISSUE, P.OUTGOING),
           _l("Signed, to number and issue: %(summary)s", summary=doc.summary[:80]),
           link=_link(doc), urgent=doc.urgency >= 1)
    return doc


# -- number and register -----------------------------------------------------------------

def series_for(session: Session, unit_id: int,
               document_type: DocumentType) -> tuple[str, str]:
    """The series a document of ``document_type`` takes in ``unit_id``: the unit's series
    for that type, else its series for every other type, else the Party default (one
    series per type, counted per term: Hướng dẫn 36-HD/VPTW)."""
    rows = session.execute(
        select(NumberSeries).where(NumberSeries.unit_id == unit_id,
                                   NumberSeries.active.is_(True))).scalars().all()
    own = next((s for s in rows if s.document_type_id == document_type.id), None)
    shared = next((s for s in rows if s.document_type_id is None), None)
    if own is not None:
        return f"type:{document_type.id}", own.scope
    if shared is not None:
        return "shared", shared.scope
    return f"type:{document_type.id}", "term"


def period_for(session: Session, scope: str, day: date) -> str:
    """The counting period of ``day``: its year, or the term that contains it."""
    if scope == "year":
        return str(day.year)
    term = session.execute(
        select(Term).where(Term.start_date <= day, Term.end_date >= day)
        .order_by(Term.start_date.desc())).scalars().first()
    if term is None:
        raise DomainError(_("No term covers %(d)s: the administrator must enter the current "
                            "term before documents are numbered.",
                            d=day.strftime("%d/%m/%Y")))
    return f"term:{term.id}"


def render_symbol(number: int, document_type: DocumentType, unit: Unit) -> str:
    """Số và ký hiệu in the Party form: ``19-QC/HU``, ``45-CV/VPHU``."""
    return f"{number}-{document_type.abbreviation}/{unit.abbreviation}"


def assign_number(session: Session, doc: OutgoingDocument, user: AppUser,
                  document_date: date | None = None) -> OutgoingDocument:
    """The clerk gives the signed document the next number of its series and registers it
    in the outgoing register (gap-free and concurrency-safe, like số đến)."""
    _require_unit(user, doc)
    if not _can(user, P.ISSUE):
        raise DomainError(_("Only the clerk numbers documents."))
    rule = workflow.transition(session, doc, "number")
    day = document_date or local_today()
    if day > local_today():
        raise DomainError(_("The document date cannot be in the future."),
                          field="document_date")
    if doc.signed_at is not None and day < to_local(doc.signed_at).date():
        raise DomainError(_("The document date cannot be before its signature."),
                          field="document_date")
    series_key, scope = series_for(session, doc.unit_id, doc.document_type)
    period = period_for(session, scope, day)
    number = numbering.next_number(session, f"out:{series_key}", doc.unit_id, period)
    doc.series_key, doc.number_period, doc.number = series_key, period, number
    doc.symbol = render_symbol(number, doc.document_type, doc.unit)
    doc.document_date = day
    workflow.apply(doc, rule)
    doc.numbered_at = utcnow()
    doc.numbered_by_id = user.id
    _step(session, doc, user, "number", comment=doc.symbol)
    session.flush()
    audit.record(session, "outgoing_numbered", doc, user=user,
                 details={"symbol": doc.symbol, "period": period})
    return doc


def cancel_number(session: Session, doc: OutgoingDocument, user: AppUser,
                  reason: str | None) -> OutgoingDocument:
    """A number given in error is cancelled: it stays in the register as "đã hủy" and the
    document waits for a new one."""
    _require_unit(user, doc)
    if not _can(user, P.ISSUE):
        raise DomainError(_("Only the clerk numbers documents."))
    rule = workflow.transition(session, doc, "cancel_number")
    reason = incoming.nfc(reason)
    if not reason:
        raise DomainError(_("Write the reason for the cancellation."), field="reason")
    session.add(CancelledNumber(unit_id=doc.unit_id, series_key=doc.series_key,
                                number_period=doc.number_period, number=doc.number,
                                symbol=doc.symbol, document_id=doc.id, reason=reason,
                                cancelled_by_id=user.id))
    old = doc.symbol
    doc.series_key = doc.number_period = doc.number = doc.symbol = None
    workflow.apply(doc, rule)
    _step(session, doc, user, "cancel_number", comment=reason)
    session.flush()
    audit.record(session, "outgoing_number_cancelled", doc, user=user,
                 details={"symbol": old, "reason": reason})
    return doc


def attach_final(session: Session, doc: OutgoingDocument, user: AppUser,
                 stored: StoredFile) -> OutgoingFile:
    """The clerk attaches the final signed PDF (it passed the intake safety check)."""
    _require_unit(user, doc)
    if not _can(user, P.ISSUE):
        raise DomainError(_("Only the clerk attaches the signed file."))
    workflow.transition(session, doc, "final")
    if stored.mime != "application/pdf":
        raise DomainError(_("The signed file must be a PDF."), field="final_file")
    current = doc.final_file()
    if current is not None and current.sha256 == stored.sha256:
        raise ConflictError(_("This signed file is already attached."))
    row = _add_file(session, doc, stored, "final", user,
                    version=len([f for f in doc.files if f.kind == "final"]) + 1)
    doc.page_count = row.pages or doc.page_count
    _step(session, doc, user, "final_file")
    session.flush()
    trust.record_verdict(session, row, user)
    audit.record(session, "outgoing_final_file", doc, user=user,
                 details={"file": stored.sha256})
    return row


# -- issuing ---------------------------------------------------------------------------

def issue_deadline(session: Session, doc: OutgoingDocument) -> datetime | None:
    """The latest moment to issue without being late (Điều 6.4–6.5): an hour after signing
    for Khẩn and above, else the end of the next working day's morning."""
    if doc.signed_at is None:
        return None
    signed = to_local(doc.signed_at)
    if doc.urgency >= 1:
        return signed + URGENT_ISSUE_DELAY
    return next_working_morning_deadline(session, signed)


def set_sensitive(session: Session, doc: OutgoingDocument, user: AppUser, sensitive: bool,
                  paper_copy: bool = False) -> None:
    """A head decides the document is not sent through the software (Điều 6.1) or that a
    paper copy goes with the electronic one (Điều 6.2)."""
    _require_unit(user, doc)
    if not _can(user, P.SIGN):
        raise DomainError(_("Only a head of the unit decides this."))
    workflow.lock(session, doc)
    if doc.state in (OutgoingState.ISSUED, OutgoingState.RECALLED):
        raise DomainError(_("An issued document cannot be changed."))
    if (doc.sensitive, doc.paper_copy_approved) == (bool(sensitive), bool(paper_copy)):
        return
    doc.sensitive = bool(sensitive)
    doc.paper_copy_approved = bool(paper_copy)
    audit.record(session, "outgoing_channel_decided", doc, user=user,
                 details={"sensitive": doc.sensitive, "paper_copy": doc.paper_copy_approved})


def _delivery_entry(doc: OutgoingDocument) -> incoming.Entry:
    return incoming.Entry(symbol=doc.symbol or "", document_date=doc.document_date,
                          document_type_id=doc.document_type_id, summary=doc.summary,
                          urgency=doc.urgency, page_count=doc.page_count,
                          signer_name=doc.signed_by.get_full_name() if doc.signed_by else "")


def apply_agency_signature(session: Session, doc: OutgoingDocument,
                           user: AppUser) -> OutgoingFile:
    """The clerk applies the agency's digital signature to the final PDF when issuing
    (docs/domain.md §8: it replaces the seal): the signed copy becomes the final file, the one every
    recipient receives, verified here like any PDF that enters."""
    from io import BytesIO

    if not agency.configured():
        raise DomainError(_("No agency signing certificate is configured; issue without the "
                            "agency signature or ask the administrator."), field="agency_sign")
    final = doc.final_file()
    with open(storage.path_for(final.sha256), "rb") as fh:
        signed = agency.sign(fh.read(), doc.unit.name if doc.unit else "")
    stored = storage.store(BytesIO(signed), final.name, check=trust.intake_check(session))
    try:
        row = _add_file(session, doc, stored, "final", user, version=final.version + 1)
        session.flush()
        trust.record_verdict(session, row, user)
        audit.record(session, "outgoing_agency_signed", doc, user=user,
                     details={"from": final.sha256, "file": stored.sha256,
                              "status": row.signature_status})
    except BaseException:
        session.rollback()
        storage.discard(session, [stored])
        raise
    return row


def issue(session: Session, doc: OutgoingDocument, user: AppUser, late_reason: str | None = "",
          agency_sign: bool = False) -> OutgoingDocument:
    """Issue (phát hành): each unit of the system receives the final PDF, byte-identical,
    in its "Chờ tiếp nhận" inbox; outside bodies are recorded with their channel. All the
    deliveries happen in this transaction: all of them or none."""
    _require_unit(user, doc)
    if not _can(user, P.ISSUE):
        raise DomainError(_("Only the clerk issues documents."))
    workflow.lock(session, doc)
    if doc.state == OutgoingState.ISSUED:
        raise ConflictError(_("This document was already issued."))
    rule = workflow.transition(session, doc, "issue")
    # The incoming documents this one replaces are locked now, before the deliveries
    # write to the audit chain (documents first, then the chain).
    replaced = _replaced(session, doc)
    workflow.lock_all(session, replaced.values())
    final = doc.final_file()
    if final is None:
        raise DomainError(_("Attach the final signed PDF before issuing."), field="final_file")
    if not doc.recipients:
        raise DomainError(_("The document has no recipients."), field="recipients")
    electronic = [r for r in doc.recipients if r.channel == "electronic"]
    if doc.sensitive and (electronic or any(r.channel == "exchange" for r in doc.recipients)):
        raise DomainError(_("This document is not to be sent through the software (Điều 6.1): "
                            "send it to every recipient on paper."), field="recipients")
    inactive = [r.label() for r in electronic if not r.unit.active]
    if inactive:
        raise DomainError(_("These recipients are no longer active units: %(names)s.",
                            names=", ".join(inactive)), field="recipients")
    if doc.paper_copy_approved:
        for r in electronic:
            r.paper_copy = True  # the head approved "gửi kèm bản giấy" for all of them
    if any(r.paper_copy for r in electronic) and not doc.paper_copy_approved:
        raise DomainError(_("A recipient that receives it electronically gets no paper copy "
                            "unless a head approved \"gửi kèm bản giấy\" (Điều 6.2)."),
                          field="recipients")
    now = utcnow()
    deadline = issue_deadline(session, doc)
    late = _is_late(now, deadline)
    late_reason = incoming.nfc(late_reason)
    if late and not late_reason:
        # Late means there is a deadline (the type checker cannot see it).
        raise DomainError(_("The document is issued late (after %(d)s): write the reason.",
                            d=deadline.strftime("%d/%m/%Y %H:%M")),  # type: ignore[union-attr]
                          field="late_reason")
    if agency_sign:
        final = apply_agency_signature(session, doc, user)
    files = [StoredFile(sha256=f.sha256, size=f.size, mime=f.mime, name=f.name,
                        check=_KnownCheck(f))
             for f in [final] + [f for f in doc.files if f.kind == "attachment"]]
    for recipient in doc.recipients:
        if recipient.channel == "electronic":
            # Delivered once: a recipient already holding its copy does not get another.
            step = workflow.transition(session, recipient, "delivered", locked=False)
            received = incoming.deliver(session, recipient.unit_id, doc.unit_id,
                                        _delivery_entry(doc), files, sender_user=user,
                                        delivery_id=recipient.id)
            recipient.incoming_document_id = received.id
            workflow.apply(recipient, step)
            _supersede(session, replaced.get(recipient.unit_id), received)
        elif recipient.channel == "exchange":
            # Sent as a package (the listeners below); its status comes back from outside.
            recipient.status_at = now
        else:
            workflow.apply(recipient, workflow.transition(session, recipient, "paper",
                                                          locked=False))
            recipient.status_at = now
    workflow.apply(doc, rule)
    doc.issued_at = now
    doc.issued_by_id = user.id
    doc.late = late
    doc.late_reason = late_reason or None
    _step(session, doc, user, "issue", comment=late_reason or None)
    session.flush()
    for listener in ISSUE_LISTENERS:
        listener(session, doc)
    audit.record(session, "outgoing_issued", doc, user=user, details={
        "symbol": doc.symbol, "late": late, "file": final.sha256,
        "recipients": [{"unit": r.unit_id, "name": r.name, "channel": r.channel,
                        **({"organ_id": r.organ_id} if r.organ_id else {})}
                       for r in doc.recipients]})
    return doc


class _KnownCheck:
    """What the intake check found in a file we already hold, passed on with its bytes
    (pages, text for search, the check report) so the recipient's copy keeps them."""

    def __init__(self, row: OutgoingFile) -> None:
        self.pages = row.pages
        self.text = row.text_content or ""
        self._report = json.loads(row.check_report) if row.check_report else None

    def as_dict(self) -> dict[str, Any]:
        return self._report or {}


def _is_late(now_utc: datetime, deadline: datetime | None) -> bool:
    """``now_utc`` (naive UTC, as stored) is past the aware ``deadline``."""
    if deadline is None:
        return False
    return now_utc > deadline.astimezone(UTC).replace(tzinfo=None)


def _replaced(session: Session, doc: OutgoingDocument) -> dict[int, IncomingDocument]:
    """The incoming documents (by recipient unit) that ``doc``, a replacement, takes the
    place of."""
    if doc.replaces_id is None:
        return {}
    out = {}
    for old in session.execute(
            select(Recipient).where(Recipient.document_id == doc.replaces_id,
                                    Recipient.incoming_document_id.is_not(None))).scalars():
        previous = session.get(IncomingDocument, old.incoming_document_id)
        if previous is not None and old.unit_id not in out:
            out[old.unit_id] = previous
    return out


def _supersede(session: Session, previous: IncomingDocument | None,
               received: IncomingDocument) -> None:
    """A replacement takes the place of the original in the recipient's lists (the
    original is locked by ``issue``)."""
    if previous is not None and workflow.allows(previous, "replace"):
        workflow.apply(previous, workflow.transition(session, previous, "replace"))
        previous.replaced_by_id = received.id


def on_incoming_status(session: Session, incoming_doc: IncomingDocument, code: str,
                       note: str | None) -> None:
    """The recipient's side moved (01–06): the drafting unit sees it on its recipient."""
    if incoming_doc.delivery_id is None:
        return
    # The incoming document is locked (its step is a transition): it guards its recipient.
    recipient = session.get(Recipient, incoming_doc.delivery_id)
    if recipient is None or not workflow.allows(recipient, "status"):
        return  # a pending or accepted recall is what the sender must see
    workflow.apply(recipient, workflow.rule(workflow.RECIPIENT, "status"), RecipientStatus(code))
    recipient.status_note = note
    recipient.status_at = utcnow()



# -- recall ----------------------------------------------------------------------------

def request_recall(session: Session, doc: OutgoingDocument, user: AppUser,
                   reason: str | None) -> OutgoingDocument:
    """The issuer asks for an issued document back (13); each internal recipient answers."""
    _require_unit(user, doc)
    if not _can(user, P.ISSUE):
        raise DomainError(_("Only the clerk recalls documents."))
    rule = workflow.transition(session, doc, "recall")
    reason = incoming.nfc(reason)
    if not reason:
        raise DomainError(_("Write the reason for the recall."), field="reason")
    # The copies delivered are locked too (they guard their recipients' statuses): a
    # recipient registering or refusing its copy at this moment goes first or after.
    received_docs = {r.id: session.get(IncomingDocument, r.incoming_document_id)
                     for r in doc.recipients if r.incoming_document_id is not None}
    workflow.lock_all(session, [d for d in received_docs.values() if d is not None])
    now = utcnow()
    workflow.apply(doc, rule)
    doc.recall_requested_at = now
    doc.recall_reason = reason
    for recipient in doc.recipients:
        received = received_docs.get(recipient.id)
        if received is None or not workflow.allows(recipient, "recall"):
            continue
        received.recall_requested_at = now
        received.recall_reason = reason
        workflow.apply(recipient, workflow.rule(workflow.RECIPIENT, "recall"))
        recipient.status_note, recipient.status_at = reason, now
        notify(session, unit_users_who_can(session, recipient.unit_id, P.INTAKE, P.INCOMING),
               _l("%(unit)s asks for its document %(symbol)s back: %(reason)s",
                 unit=doc.unit.name, symbol=doc.symbol, reason=reason),
               link=f"/incomingview/show/{received.id}", urgent=True)
    _step(session, doc, user, "recall", comment=reason)
    session.flush()
    for listener in RECALL_LISTENERS:
        listener(session, doc)
    audit.record(session, "outgoing_recall_requested", doc, user=user,
                 details={"reason": reason})
    return doc


def answer_recall(session: Session, received: IncomingDocument, user: AppUser | None,
                  accept: bool, reason: str | None = "") -> Recipient:
    """The recipient's clerk accepts a recall (15: the document leaves the active lists and
    stays in history) or refuses it (16) with a reason."""
    if user is None or user.unit_id != received.unit_id or not incoming.is_unit_clerk(
            user, received.unit_id):
        raise DomainError(_("Only the receiving unit's clerk answers a recall."))
    workflow.lock(session, received)  # it guards its recipient's status
    if received.recall_requested_at is None or received.delivery_id is None:
        raise DomainError(_("No recall was asked for this document."))
    recipient = session.get(Recipient, received.delivery_id)
    if recipient is None:
        raise DomainError(_("No recall was asked for this document."))
    action = "recall_accept" if accept else "recall_refuse"
    answer = workflow.transition(session, recipient, action, locked=False)
    state = workflow.transition(session, received, action)
    reason = incoming.nfc(reason)
    if not accept and not reason:
        raise DomainError(_("Write why the recall is refused."), field="reason")
    workflow.apply(recipient, answer)
    recipient.status_note = reason or None
    recipient.status_at = utcnow()
    workflow.apply(received, state)
    if accept:
        for a in received.assignments:
            a.active = False
    audit.record(session, "outgoing_recall_answered", received, user=user,
                 details={"accepted": bool(accept), "reason": reason})
    notify(session, unit_users_who_can(session, recipient.document.unit_id, P.ISSUE,
                                       P.OUTGOING),
           _l("%(unit)s %(answer)s the recall of %(symbol)s", unit=received.unit.name,
             answer=_l("accepted") if accept else _l("refused"),
             symbol=recipient.document.symbol),
           link=_link(recipient.document), urgent=not accept)
    return recipient


def overdue_to_issue(session: Session, doc: Any, now: datetime | None = None) -> bool:
    """Whether a signed document is past the moment it had to be issued (shown to the
    clerk; Hỏa tốc and Khẩn within the hour). ``doc`` is an OutgoingDocument or a row of
    its state, urgency and signed_at."""
    if doc.state not in ("signed", "numbered"):
        return False
    deadline = issue_deadline(session, doc)
    return _is_late(now or utcnow(), deadline)



def counts_for(session: Session, user: AppUser | None) -> dict[str, int]:
    """The top bar's outgoing work for ``user`` (Điều 5.1): drafts waiting for their
    approval, drafts returned to them, and for the clerk what waits to be numbered or
    issued and how much of it is past the moment it had to go out."""
    from sqlalchemy import func

    if user is None or user.unit_id is None:
        return {}

    def count(*conds: Any) -> int:
        return session.execute(select(func.count(OutgoingDocument.id)).where(*conds)) \
            .scalar_one()

    out = {}
    if _can(user, P.DRAFT) or _can(user, P.SIGN):
        out["approve"] = count(OutgoingDocument.holder_id == user.id,
                               OutgoingDocument.state == "review")
        out["returned"] = count(OutgoingDocument.holder_id == user.id,
                                OutgoingDocument.state == "returned")
    if _can(user, P.ISSUE):
        # Only the columns the deadline needs (rows read like documents here), not whole
        # documents with their related rows: a unit may have hundreds waiting.
        waiting = session.execute(select(
            OutgoingDocument.state, OutgoingDocument.urgency, OutgoingDocument.signed_at).where(
            OutgoingDocument.unit_id == user.unit_id,
            OutgoingDocument.state.in_(("signed", "numbered")))).all()
        out["to_number"] = sum(1 for d in waiting if d.state == "signed")
        out["to_issue"] = sum(1 for d in waiting if d.state == "numbered")
        out["issue_overdue"] = sum(1 for d in waiting if overdue_to_issue(session, d))
    return out


def init_app(app: Flask) -> None:
    """The user's outgoing work in the top bar; the statuses the recipients send back; the
    answer to a recall, given on the incoming document's screen."""
    registry.add_top_bar(app, "outgoing", counts_for)
    if on_incoming_status not in incoming.STATUS_LISTENERS:
        incoming.STATUS_LISTENERS.append(on_incoming_status)
    registry.provide(app, "answer_recall", answer_recall)
