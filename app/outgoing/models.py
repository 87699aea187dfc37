"""Outgoing documents (văn bản đi): the draft and its versions, the route through the
unit, signing, the number from its series, issuing, and each recipient's status
(docs/domain.md §3, §4, §6)."""

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.core.audit import ACTION_LABELS
from app.core.storage import register_reference
from app.core.timeutil import utcnow
from app.incoming.models import URGENCY
from app.trust.models import VerifiedFileMixin

STATES = {
    "draft": _l("Draft"),
    "review": _l("Submitted for approval"),
    "returned": _l("Returned"),
    "signed": _l("Signed, waiting for a number"),
    "numbered": _l("Numbered, waiting to be issued"),
    "issued": _l("Issued"),
    "recalled": _l("Recalled"),
}
EDITABLE_STATES = ("draft", "review", "returned")

# T/M (thay mặt), K/T (ký thay), T/L (thừa lệnh), TUQ (thừa ủy quyền), or in one's own name.
SIGNING_FORMS = {
    "": _l("In own name"),
    "T/M": _l("T/M (on behalf of the collective)"),
    "K/T": _l("K/T (signing for the head)"),
    "T/L": _l("T/L (by order)"),
    "TUQ": _l("TUQ (by authorisation)"),
}

SERIES_SCOPES = {
    "term": _l("Per term (from 01 in each term)"),
    "year": _l("Per year (from 01 each January)"),
}

CHANNELS = {
    "electronic": _l("Electronic (in the system)"),
    "paper": _l("Paper"),
    "email": _l("E-mail"),
    "paper_email": _l("Paper and e-mail"),
    "exchange": _l("Exchange (edXML)"),
}

ROUTE_ACTIONS = {
    "submit": _l("Submitted"),
    "forward": _l("Approved and forwarded"),
    "return": _l("Returned"),
    "sign": _l("Signed"),
    "new_version": _l("New version of the draft"),
    "number": _l("Numbered and registered"),
    "cancel_number": _l("Number cancelled"),
    "final_file": _l("Final signed file attached"),
    "issue": _l("Issued"),
    "recall": _l("Recall requested"),
}

# Recipient status codes (docs/domain.md §4): the incoming side's 01–06, and recall 13/15/16.
RECIPIENT_STATUS = {
    "00": _l("Not sent yet"),
    "01": _l("Arrived"),
    "02": _l("Refused"),
    "03": _l("Registered"),
    "04": _l("Assigned"),
    "05": _l("In progress"),
    "06": _l("Completed"),
    "13": _l("Recall requested"),
    "15": _l("Recall accepted"),
    "16": _l("Recall refused"),
    "P": _l("Sent on paper / e-mail"),
}


class NumberSeries(Model):
    """A numbering series of a unit: for one document type or, with no type, for the
    types that have no series of their own; counted per term (Party rule, Hướng dẫn
    36-HD/VPTW) or per year."""

    __tablename__ = "number_series"
    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    unit = relationship("Unit", lazy="joined")
    document_type_id = Column(Integer, ForeignKey("document_type.id"), nullable=True)
    document_type = relationship("DocumentType", lazy="joined")
    scope = Column(String(10), nullable=False, default="term")
    active = Column(Boolean, nullable=False, default=True)

    __table_args__ = (
        UniqueConstraint("unit_id", "document_type_id", name="uq_number_series_unit_type"),
        CheckConstraint("scope IN ('term', 'year')", name="ck_number_series_scope"),
    )

    def scope_label(self):
        return str(SERIES_SCOPES.get(self.scope, self.scope))

    def __repr__(self):
        kind = self.document_type.abbreviation if self.document_type else "*"
        return f"{self.unit.abbreviation if self.unit else ''} {kind} ({self.scope})"


class OutgoingDocument(Model):
    """A document a unit drafts, routes, signs, numbers and issues."""

    __tablename__ = "outgoing_document"
    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    unit = relationship("Unit", lazy="joined")
    state = Column(String(20), nullable=False, default="draft")
    document_type_id = Column(Integer, ForeignKey("document_type.id"), nullable=False)
    document_type = relationship("DocumentType", lazy="joined")
    summary = Column(Text, nullable=False)
    urgency = Column(Integer, nullable=False, default=0)
    signer_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    signer = relationship("AppUser", foreign_keys=[signer_id], lazy="joined")
    holder_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    holder = relationship("AppUser", foreign_keys=[holder_id], lazy="joined")
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    created_by = relationship("AppUser", foreign_keys=[created_by_id])
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # Signing.
    signing_form = Column(String(5), nullable=False, default="")
    signed_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    signed_by = relationship("AppUser", foreign_keys=[signed_by_id])
    signed_at = Column(DateTime)
    # Number and register entry.
    series_key = Column(String(50))
    number_period = Column(String(20))
    number = Column(Integer)
    symbol = Column(String(100))
    document_date = Column(Date)
    numbered_at = Column(DateTime)
    numbered_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    page_count = Column(Integer)
    copies = Column(Integer)
    # Issuing (Điều 6).
    sensitive = Column(Boolean, nullable=False, default=False)
    paper_copy_approved = Column(Boolean, nullable=False, default=False)
    issued_at = Column(DateTime)
    issued_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    late = Column(Boolean, nullable=False, default=False)
    late_reason = Column(Text)
    recall_requested_at = Column(DateTime)
    recall_reason = Column(Text)
    # Links.
    reply_to_id = Column(Integer, ForeignKey("incoming_document.id"), nullable=True,
                         index=True)
    reply_to = relationship("IncomingDocument", foreign_keys=[reply_to_id], backref="replies")
    replaces_id = Column(Integer, ForeignKey("outgoing_document.id"), nullable=True,
                         index=True)
    replaces = relationship("OutgoingDocument", remote_side=[id])

    files = relationship("OutgoingFile", back_populates="document", order_by="OutgoingFile.id",
                         cascade="all, delete-orphan")
    steps = relationship("RouteStep", back_populates="document", order_by="RouteStep.id",
                         cascade="all, delete-orphan")
    recipients = relationship("Recipient", back_populates="document",
                              order_by="Recipient.id", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("unit_id", "series_key", "number_period", "number",
                         name="uq_outgoing_number"),
        CheckConstraint("urgency BETWEEN 0 AND 4", name="ck_outgoing_urgency"),
        Index("ix_outgoing_unit_state", "unit_id", "state", "urgency", "updated_at"),
        Index("ix_outgoing_holder", "holder_id", "state"),
        # The lists' orders and filters (issue "Search and scale").
        Index("ix_outgoing_order", "urgency", "updated_at", "id"),
        Index("ix_outgoing_unit_order", "unit_id", "urgency", "updated_at", "id"),
        Index("ix_outgoing_symbol", "symbol", "id"),
        Index("ix_outgoing_document_date", "document_date", "id"),
        Index("ix_outgoing_type", "document_type_id", "urgency", "updated_at", "id"),
    )

    def state_label(self):
        return str(STATES.get(self.state, self.state))

    def urgency_label(self):
        return str(URGENCY.get(self.urgency, self.urgency))

    def draft_files(self):
        return [f for f in self.files if f.kind == "draft"]

    def current_draft(self):
        drafts = self.draft_files()
        return drafts[-1] if drafts else None

    def final_file(self):
        return next((f for f in reversed(self.files) if f.kind == "final"), None)

    def __repr__(self):
        return self.symbol or (self.summary or "")[:60]


class OutgoingFile(VerifiedFileMixin, Model):
    """A file of an outgoing document: each draft version, the final signed PDF, and the
    attachments; a new version never overwrites an old one."""

    __tablename__ = "outgoing_file"
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("outgoing_document.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    document = relationship("OutgoingDocument", back_populates="files")
    kind = Column(String(12), nullable=False, default="draft")
    version = Column(Integer, nullable=False, default=1)
    name = Column(String(255), nullable=False)
    sha256 = Column(String(64), nullable=False, index=True)
    size = Column(BigInteger, nullable=False)
    mime = Column(String(100), nullable=False)
    pages = Column(Integer)
    text_content = Column(Text)
    check_report = Column(Text)
    uploaded_at = Column(DateTime, nullable=False, default=utcnow)
    uploaded_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)

    __table_args__ = (CheckConstraint("kind IN ('draft', 'final', 'attachment')",
                                      name="ck_outgoing_file_kind"),)

    def is_pdf(self):
        return self.mime == "application/pdf"


class RouteStep(Model):
    """One step of the route (trình duyệt): who, to whom, what, when, with which draft."""

    __tablename__ = "outgoing_route_step"
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("outgoing_document.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    document = relationship("OutgoingDocument", back_populates="steps")
    action = Column(String(20), nullable=False)
    from_user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    from_user = relationship("AppUser", foreign_keys=[from_user_id], lazy="joined")
    to_user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    to_user = relationship("AppUser", foreign_keys=[to_user_id], lazy="joined")
    comment = Column(Text)
    file_version = Column(Integer)
    created_at = Column(DateTime, nullable=False, default=utcnow)

    def action_label(self):
        return str(ROUTE_ACTIONS.get(self.action, self.action))


class Recipient(Model):
    """A recipient of an outgoing document: a unit of the system (delivered into its inbox)
    or an outside body (paper / e-mail), with the status it reported."""

    __tablename__ = "outgoing_recipient"
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("outgoing_document.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    document = relationship("OutgoingDocument", back_populates="recipients")
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    unit = relationship("Unit", lazy="joined")
    name = Column(String(255), nullable=False, default="")
    channel = Column(String(12), nullable=False, default="electronic")
    paper_copy = Column(Boolean, nullable=False, default=False)
    status = Column(String(2), nullable=False, default="00")
    status_note = Column(Text)
    status_at = Column(DateTime)
    incoming_document_id = Column(Integer, ForeignKey("incoming_document.id"), nullable=True)
    # The mã định danh (edXML OrganId) of an outside body reached by liên thông.
    organ_id = Column(String(50))

    __table_args__ = (
        CheckConstraint("channel IN ('electronic', 'paper', 'email', 'paper_email', "
                        "'exchange')", name="ck_recipient_channel"),
        CheckConstraint("channel <> 'electronic' OR unit_id IS NOT NULL",
                        name="ck_recipient_electronic_unit"),
        CheckConstraint("channel <> 'exchange' OR organ_id IS NOT NULL",
                        name="ck_recipient_exchange_organ"),
        Index("ix_recipient_status", "status"),
    )

    def status_label(self):
        return str(RECIPIENT_STATUS.get(self.status, self.status))

    def channel_label(self):
        return str(CHANNELS.get(self.channel, self.channel))

    def label(self):
        return self.unit.name if self.unit is not None else self.name

    def __repr__(self):
        return self.label()


class CancelledNumber(Model):
    """A number given and then cancelled: it stays in the register as "đã hủy" and is never
    given again (docs/domain.md §3)."""

    __tablename__ = "outgoing_cancelled_number"
    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    series_key = Column(String(50), nullable=False)
    number_period = Column(String(20), nullable=False)
    number = Column(Integer, nullable=False)
    symbol = Column(String(100), nullable=False)
    document_id = Column(Integer, ForeignKey("outgoing_document.id"), nullable=False)
    reason = Column(Text, nullable=False)
    cancelled_at = Column(DateTime, nullable=False, default=utcnow)
    cancelled_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)

    __table_args__ = (UniqueConstraint("unit_id", "series_key", "number_period", "number",
                                       name="uq_cancelled_number"),)


AUDIT_ACTIONS = {
    "outgoing_drafted": _l("Draft created"),
    "outgoing_draft_version": _l("New version of the draft"),
    "outgoing_recipients": _l("Recipients changed"),
    "outgoing_channel_decided": _l("Decided how it is sent (paper only / paper copy)"),
    "outgoing_submitted": _l("Submitted"),
    "outgoing_forwarded": _l("Approved and forwarded"),
    "outgoing_returned": _l("Returned"),
    "outgoing_signed": _l("Signed"),
    "outgoing_numbered": _l("Numbered and registered"),
    "outgoing_number_cancelled": _l("Number cancelled"),
    "outgoing_final_file": _l("Final signed file attached"),
    "outgoing_issued": _l("Issued"),
    "outgoing_recall_requested": _l("Recall requested"),
    "outgoing_recall_answered": _l("Recall answered"),
}


def _register():
    register_reference(OutgoingFile.sha256)
    ACTION_LABELS.update(AUDIT_ACTIONS)


_register()
