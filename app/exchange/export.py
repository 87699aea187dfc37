"""Writing the edXML packages of an outgoing document (liên thông): one
package per recipient that has a mã định danh, through the field map
(``fields.build_document``), signed with the agency's certificate when one is configured.

The recipients that get a package are the outside bodies reached by liên thông (channel
``exchange``, with their mã định danh) and the units with a ``code``, those of this
installation included (the packages then go between two units of one installation, as
the round-trip test does). Each package written is an ``exchange_message`` row (out,
document), which is where a status coming back finds its recipient."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit, storage
from app.core.errors import DomainError
from app.core.timeutil import to_local
from app.exchange import codec, fields, signing, transport
from app.exchange.models import ExchangeMessage
from app.outgoing.models import OutgoingDocument, OutgoingFile, Recipient
from app.units.models import Unit

EXPORTABLE = ("numbered", "issued")


@dataclass
class Written:
    """One package written: where, for whom, its DocumentId and SHA-256."""

    path: str
    organ_id: str
    document_id: str
    sha256: str
    signed: bool

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.path, "organ_id": self.organ_id, "document_id": self.document_id,
                "sha256": self.sha256, "signed": self.signed}


def organ(unit: Unit) -> fields.Ours:
    """A unit as a ``From``/``To`` body of the field map."""
    parent = unit.parent if getattr(unit, "parent", None) is not None else None
    return {"code": unit.code or "", "name": unit.name, "address": unit.address or "",
            "phone": unit.phone or "", "email": unit.email or "",
            "in_charge": parent.name if parent is not None else ""}


def _read(row: OutgoingFile) -> bytes:
    with open(storage.path_for(row.sha256), "rb") as fh:
        return fh.read()


def _replaced_id(session: Session, doc: OutgoingDocument, code: str) -> str | None:
    """The DocumentId under which the document ``doc`` replaces was sent to ``code``."""
    if doc.replaces_id is None:
        return None
    return session.execute(select(ExchangeMessage.document_id).where(
        ExchangeMessage.direction == "out", ExchangeMessage.kind == "document",
        ExchangeMessage.outgoing_id == doc.replaces_id, ExchangeMessage.to_organ == code)
    ).scalars().first()


def recipient_organ(recipient: Recipient) -> fields.Ours:
    """A recipient as a ``To`` body: its unit, or the outside body by its mã định danh."""
    if recipient.unit is not None:
        return organ(recipient.unit)
    return {"code": recipient.organ_id or "", "name": recipient.name or ""}


def targets(doc: OutgoingDocument) -> list[Recipient]:
    """The recipients of ``doc`` a package goes to (see the module's docstring)."""
    return [r for r in doc.recipients
            if (r.channel == "exchange" and r.organ_id)
            or (r.unit is not None and r.unit.code)]


def document_fields(session: Session, doc: OutgoingDocument, to: fields.Ours,
                    now: datetime) -> fields.Ours:
    """Our field dict of ``doc`` for one recipient ``to`` (a ``To`` body; the table in
    ``fields``)."""
    final = doc.final_file()
    if final is None:
        raise DomainError(_("Attach the final signed PDF first."), field="final_file")
    files = [final] + [f for f in doc.files if f.kind == "attachment"]
    sender = organ(doc.unit)
    ours: fields.Ours = {
        "sender": sender, "recipients": [to], "symbol": doc.symbol or "",
        "document_date": doc.document_date, "summary": doc.summary or "",
        "document_type_name": doc.document_type.name if doc.document_type else "",
        "urgency": doc.urgency or 0, "page_count": doc.page_count, "copies": doc.copies,
        "signing_form": doc.signing_form or "",
        "signer_name": doc.signed_by.get_full_name() if doc.signed_by else "",
        "signer_position": (doc.signed_by.position or "") if doc.signed_by else "",
        "trace": [{"code": sender["code"],
                   "timestamp": to_local(now).replace(tzinfo=None, microsecond=0)}],
        "business_type": int(codec.BusinessType.NEW), "paper_copy": False,
        "files": [{"name": f.name, "content_type": f.mime, "data": _read(f)} for f in files],
    }
    replaced = _replaced_id(session, doc, to.get("code") or "")
    if replaced:
        ours.update(business_type=int(codec.BusinessType.REPLACE),
                    business_document_id=replaced,
                    replacements=[{"document_id": replaced, "codes": [to.get("code")]}])
    return ours


def _file_name(document_id: str, code: str) -> str:
    safe = re.sub(r"[^0-9A-Za-z._-]+", "_", f"{document_id}_{code}").strip("_")
    return f"{safe}.edxml"


def export(session: Session, outgoing_id: int, out_dir: str, *,
           key: signing.SigningKey | None, now: datetime) -> list[Written]:
    """Write one package per recipient unit with a mã định danh into ``out_dir``, signed
    with ``key`` when given, and record each as sent. Commits."""
    doc = session.get(OutgoingDocument, outgoing_id)
    if doc is None:
        raise DomainError(_("No outgoing document has the id %(id)s.", id=outgoing_id))
    if doc.state not in EXPORTABLE:
        raise DomainError(_("Only a numbered or issued document can be sent as a package."))
    if not doc.unit.code:
        raise DomainError(_("The unit %(unit)s has no identifier code (mã định danh).",
                            unit=doc.unit.name))
    if doc.sensitive:
        raise DomainError(_("This document is not to be sent through the software (Điều "
                            "6.1): send it to every recipient on paper."))
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    chosen = targets(doc)
    if not chosen:
        raise DomainError(_("No recipient of this document has an identifier code (mã "
                            "định danh)."))
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for recipient in chosen:
        written.append(_write_one(session, doc, recipient, out_dir, key, now))
    audit.record(session, "exchange_exported", doc, user=None, details={
        "packages": [w.as_dict() for w in written]})
    session.commit()
    return written


def package_for(session: Session, doc: OutgoingDocument, recipient: Recipient,
                key: signing.SigningKey | None, now: datetime) -> tuple[fields.Ours, bytes]:
    """The field dict and the (signed, when ``key``) package of ``doc`` for
    ``recipient``."""
    ours = document_fields(session, doc, recipient_organ(recipient), now)
    data = fields.build_document(ours)
    if key is not None:
        data = signing.sign(data, key)
    return ours, data


def record(session: Session, doc: OutgoingDocument, recipient: Recipient, ours: fields.Ours,
           data: bytes, now: datetime, *, send: bool) -> ExchangeMessage:
    """The outbound row of the package ``data`` of ``doc`` for ``recipient``, found or
    written; when ``send``, or when a peer serves the recipient, it waits for the transport
    (state ``pending``, queued after the commit). A row already sent keeps its state."""
    code = str(recipient_organ(recipient)["code"])
    key_columns = {"direction": "out", "kind": "document",
                   "document_id": fields.to_package(ours).header.document_id,
                   "from_organ": doc.unit.code, "to_organ": code,
                   "business_type": int(ours["business_type"]), "status_code": "",
                   "variant": ""}
    row = session.execute(select(ExchangeMessage).filter_by(**key_columns)).scalars().first()
    sha = hashlib.sha256(data).hexdigest()
    if row is None:
        row = ExchangeMessage(**key_columns, state="written", sha256=sha,
                              created_at=now.astimezone(UTC).replace(tzinfo=None))
        session.add(row)
    row.outgoing_id, row.recipient_id = doc.id, recipient.id
    if row.state in ("written", "pending") and (send or transport.peer_for(session, code)):
        row.package, row.state, row.sha256 = data, "pending", sha
    elif row.state == "written":
        row.sha256 = sha
    session.flush()
    if row.state == "pending":
        transport.queue_send(session, row)
    return row


def _write_one(session: Session, doc: OutgoingDocument, recipient: Recipient, out_dir: str,
               key: signing.SigningKey | None, now: datetime) -> Written:
    ours, data = package_for(session, doc, recipient, key, now)
    code = str(recipient_organ(recipient)["code"])
    document_id = fields.to_package(ours).header.document_id
    sha = hashlib.sha256(data).hexdigest()
    path = os.path.join(out_dir, _file_name(document_id, code))
    tmp = path + ".part"
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    record(session, doc, recipient, ours, data, now, send=False)
    return Written(path=path, organ_id=code, document_id=document_id,
                   sha256=sha, signed=key is not None)
