"""Every edXML package that came in or went out (liên thông), one row each: what it was
about, for whom, what it did here. The unique key makes a package received twice a
duplicate at the database, whatever two processes do at the same moment."""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
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
# BussinessDocType (QCVN 102:2016).
BUSINESS_LABELS = {0: _l("Document"), 1: _l("Revocation"), 2: _l("Update"),
                   3: _l("Replacement")}
STATE_LABELS = {
    "received": _l("Received"), "applied": _l("Applied"), "written": _l("Written to a file"),
    "pending": _l("Waiting to be sent"), "sent": _l("Sent"),
    "acknowledged": _l("Acknowledged (01)"), "refused": _l("Refused by the peer"),
    "failed": _l("Failed"), "cancelled": _l("Cancelled (recalled before it was sent)"),
}
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
    # received, applied (to a document here), written (a package we made), pending (to
    # send), then sent, refused or failed (app/exchange/transport.py).
    state = Column(String(12), nullable=False)
    note = Column(Text)
    # The bytes of a package to send (state ``pending``), until the transport takes them;
    # then ``sent`` (the peer acknowledged it), ``refused`` (the peer will not take it) or
    # ``failed`` (no peer serves the recipient).
    package = Column(LargeBinary)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    # The transport's tries (app/exchange/transport.py).
    attempts = Column(Integer, nullable=False, default=0, server_default="0")
    last_error = Column(Text)
    sent_at = Column(DateTime)
    # The X-Exchange-Timestamp (Unix seconds) of the last request carrying the package: a
    # retry is signed with a later one, so the peer never takes it for a replay.
    last_stamp = Column(Integer)

    __table_args__ = (
        UniqueConstraint("direction", "kind", "document_id", "from_organ", "to_organ",
                         "business_type", "status_code", "variant",
                         name="uq_exchange_message"),
        Index("ix_exchange_message_document", "document_id", "direction", "kind"),
    )

    def kind_label(self) -> str:
        if self.kind == "status":
            return str(_l("Status %(code)s", code=self.status_code))
        return str(BUSINESS_LABELS.get(int(self.business_type or 0), self.business_type))

    def state_label(self) -> str:
        return str(STATE_LABELS.get(str(self.state), self.state))

    def __repr__(self) -> str:
        return f"{self.direction} {self.kind} {self.document_id}"


class ExchangePeer(Model):
    """Another installation or an axis we exchange with over HTTP (*Quản trị → Liên
    thông*): where it answers, the mã định danh (OrganId) of the bodies it serves, and the
    secret both sides share. ``name`` is the connection's key: both installations register
    the connection under the same name and the same secret, and the sender names it in the
    ``X-Exchange-Peer`` header."""

    __tablename__ = "exchange_peer"
    id = Column(Integer, primary_key=True)
    name = Column(String(100), nullable=False, unique=True)
    base_url = Column(String(300), nullable=False)
    # The OrganIds served, separated by commas.
    organ_ids = Column(Text, nullable=False, default="")
    secret = Column(String(200), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    def organs(self) -> list[str]:
        return split_organs(self.organ_ids)

    def serves(self, organ_id: str) -> bool:
        return organ_id in self.organs()

    def secret_hint(self) -> str:
        """What the screens show of the secret: that there is one, never the secret."""
        return "••••••••" if self.secret else ""

    def __repr__(self) -> str:
        return str(self.name)


def split_organs(text: str | None) -> list[str]:
    """The OrganIds of a comma-separated list, blanks dropped."""
    return [o.strip() for o in (text or "").split(",") if o.strip()]


class SeenSignature(Model):
    """The request signatures the HTTP inbox accepted within the replay window: a second
    request with the same signature is a replay. Rows older than the window are deleted
    as new ones come."""

    __tablename__ = "exchange_seen_signature"
    signature = Column(String(64), primary_key=True)
    seen_at = Column(DateTime, nullable=False, index=True)


AUDIT_ACTIONS = {
    "exchange_received": _l("edXML package received"),
    "exchange_refused": _l("edXML package refused"),
    "exchange_applied": _l("edXML package applied"),
    "exchange_exported": _l("edXML packages written"),
    "exchange_retried": _l("edXML package sent again"),
}


def _register() -> None:
    ACTION_LABELS.update(AUDIT_ACTIONS)


_register()
