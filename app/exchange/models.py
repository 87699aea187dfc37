"""Every edXML package that came in or went out (liên thông), one row each: what it was
about, for whom, what it did here. The unique key makes a package received twice a
duplicate at the database, whatever two processes do at the same moment."""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)

from app.core.audit import ACTION_LABELS
from app.core.timeutil import utcnow

DIRECTIONS = ("in", "out")
KINDS = ("document", "status")


class ExchangeMessage(Model):
    """One package: a document (new, revocation, update, replacement) or a status.

    ``document_id`` is the edXML DocumentId the package is about (for a status, its
    ``ResponseFor/DocumentId``); ``from_organ`` and ``to_organ`` the mã định danh of its
    sender and recipient. ``variant`` tells apart packages that may legitimately repeat
    the rest of the key (an update carries the same DocumentId each time: its variant is
    the package's SHA-256); it is empty otherwise, so that the same package twice is one
    row."""

    __tablename__ = "exchange_message"
    id = Column(Integer, primary_key=True)
    direction = Column(String(3), nullable=False)
    kind = Column(String(10), nullable=False)
    document_id = Column(String(120), nullable=False)
    from_organ = Column(String(50), nullable=False, default="")
    to_organ = Column(String(50), nullable=False, default="")
    business_type = Column(Integer, nullable=False, default=0)
    status_code = Column(String(2), nullable=False, default="")
    variant = Column(String(64), nullable=False, default="")
    sha256 = Column(String(64), nullable=False)
    # The envelope signature's verdict (app.exchange.signing.Verdict) and why.
    signature = Column(String(12))
    signature_reason = Column(String(40))
    incoming_id = Column(Integer, ForeignKey("incoming_document.id"), nullable=True,
                         index=True)
    outgoing_id = Column(Integer, ForeignKey("outgoing_document.id"), nullable=True,
                         index=True)
    recipient_id = Column(Integer, ForeignKey("outgoing_recipient.id"), nullable=True)
    # received, applied (to a document here), written (a package we made), pending (to send).
    state = Column(String(12), nullable=False)
    note = Column(Text)
    # The bytes of a status we send back, until the transport takes them.
    package = Column(LargeBinary)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        UniqueConstraint("direction", "kind", "document_id", "from_organ", "to_organ",
                         "business_type", "status_code", "variant",
                         name="uq_exchange_message"),
        Index("ix_exchange_message_document", "document_id", "direction", "kind"),
    )

    def __repr__(self) -> str:
        return f"{self.direction} {self.kind} {self.document_id}"


AUDIT_ACTIONS = {
    "exchange_received": _l("edXML package received"),
    "exchange_refused": _l("edXML package refused"),
    "exchange_applied": _l("edXML package applied"),
    "exchange_exported": _l("edXML packages written"),
}


def _register() -> None:
    ACTION_LABELS.update(AUDIT_ACTIONS)


_register()
