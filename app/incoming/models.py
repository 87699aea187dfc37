"""Incoming documents (văn bản đến) and what happens to them: files, refusals, assignments,
progress notes, the status codes sent back to an internal sender (docs/domain.md §4–5)."""

from flask_appbuilder import Model
from flask_appbuilder.models.decorators import renders
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
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.core.audit import ACTION_LABELS
from app.core.storage import register_reference
from app.core.timeutil import fmt_date, local_today, utcnow
from app.trust.models import VerifiedFileMixin, short_badge, status_label

# Độ khẩn (docs/domain.md §4); levels 2–4 need the hour of arrival.
URGENCY = {
    0: _l("Normal"),
    1: _l("Urgent (Khẩn)"),
    2: _l("Very urgent (Thượng khẩn)"),
    3: _l("Express (Hỏa tốc)"),
    4: _l("Express with set time (Hỏa tốc hẹn giờ)"),
}
URGENCY_NEEDS_TIME = 2

SECRECY_NONE = "Không mật"

CHANNELS = {
    "electronic": _l("Electronic, from a unit of the system"),
    "paper": _l("Paper, scanned to PDF"),
    "external": _l("Electronic, from outside the system"),
    "exchange": _l("Liên thông (edXML), from another system"),
}

STATES = {
    "pending": _l("Waiting to be received"),
    "refused": _l("Refused"),
    "registered": _l("Waiting for assignment"),
    "assigned": _l("Assigned"),
    "in_progress": _l("In progress"),
    "done": _l("Completed"),
    "cancelled": _l("Registration cancelled"),
    "recalled": _l("Recalled by the sender"),
    "replaced": _l("Replaced by a newer document"),
}
OPEN_STATES = ("registered", "assigned", "in_progress")

# Exchange status codes a sender sees (edXML, docs/domain.md §4).
EXCHANGE_STATUS = {
    "01": _l("Arrived"),
    "02": _l("Refused"),
    "03": _l("Registered"),
    "04": _l("Assigned"),
    "05": _l("In progress"),
    "06": _l("Completed"),
}

ASSIGNMENT_ROLES = {
    "lead": _l("Lead (chủ trì)"),
    "cooperate": _l("Cooperating (phối hợp)"),
    "inform": _l("For information (để biết)"),
}

FILE_ROLES = {
    "main": _l("Document"),
    "attachment": _l("Attachment"),
    "result": _l("Result"),
}

NOTE_KINDS = {
    "progress": _l("Progress"),
    "opinion": _l("Opinion"),
    "read": _l("Read"),
    "completion": _l("Completion"),
}


class IncomingDocument(Model):
    """A document received by a unit: its register entry and where it stands."""

    __tablename__ = "incoming_document"
    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    unit = relationship("Unit", foreign_keys=[unit_id], lazy="joined")
    state = Column(String(20), nullable=False, default="pending")
    channel = Column(String(20), nullable=False)
    # Register entry (vào sổ).
    arrival_year = Column(Integer)
    arrival_number = Column(Integer)
    arrival_date = Column(Date)
    arrival_time = Column(Time)
    sender_unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    sender_unit = relationship("Unit", foreign_keys=[sender_unit_id], lazy="joined")
    author_name = Column(String(255), nullable=False, default="")
    symbol = Column(String(100), nullable=False, default="")
    symbol_number = Column(Integer)
    symbol_type = Column(String(20))
    symbol_agency = Column(String(60))
    document_date = Column(Date)
    document_type_id = Column(Integer, ForeignKey("document_type.id"), nullable=True)
    document_type = relationship("DocumentType", lazy="joined")
    summary = Column(Text, nullable=False, default="")
    urgency = Column(Integer, nullable=False, default=0)
    page_count = Column(Integer)
    signer_name = Column(String(255))
    reply_deadline = Column(Date)
    secrecy = Column(String(20), nullable=False, default=SECRECY_NONE)
    notes = Column(Text)
    duplicate_note = Column(String(500))
    # Why an e-document without a valid signature was registered anyway (Điều 8).
    trust_reason = Column(Text)
    received_at = Column(DateTime, nullable=False, default=utcnow)
    registered_at = Column(DateTime)
    registered_by_id = Column(Integer, ForeignKey("ab_user.id"))
    registered_by = relationship("AppUser", foreign_keys=[registered_by_id])
    # Direction (phân công).
    direction = Column(Text)
    directed_at = Column(DateTime)
    directed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    directed_by = relationship("AppUser", foreign_keys=[directed_by_id])
    deadline = Column(Date)
    # Processing.
    started_at = Column(DateTime)
    completed_at = Column(DateTime)
    completed_late = Column(Boolean)
    result_summary = Column(Text)
    cancelled_at = Column(DateTime)
    cancel_reason = Column(String(500))
    exchange_status = Column(String(2))
    # Set by the outgoing side when the document came from one of its recipients.
    delivery_id = Column(Integer, nullable=True, index=True)
    recall_requested_at = Column(DateTime)
    recall_reason = Column(Text)
    replaced_by_id = Column(Integer, ForeignKey("incoming_document.id",
                                                name="fk_incoming_replaced_by"), nullable=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    created_by = relationship("AppUser", foreign_keys=[created_by_id])
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    files = relationship("IncomingFile", back_populates="document", order_by="IncomingFile.id",
                         cascade="all, delete-orphan")
    assignments = relationship("Assignment", back_populates="document",
                               order_by="Assignment.id", cascade="all, delete-orphan")
    notes_list = relationship("ProgressNote", back_populates="document",
                              order_by="ProgressNote.id", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("unit_id", "arrival_year", "arrival_number",
                         name="uq_incoming_number"),
        CheckConstraint("urgency BETWEEN 0 AND 4", name="ck_incoming_urgency"),
        Index("ix_incoming_unit_state", "unit_id", "state", "urgency", "received_at"),
        Index("ix_incoming_unit_arrival", "unit_id", "arrival_date"),
        Index("ix_incoming_deadline", "state", "deadline"),
        Index("ix_incoming_dup", "unit_id", "symbol", "document_date"),
        # The lists' orders and filters (issue "Search and scale").
        # The unit last: a deep page of a unit's list is found in the index alone (0022).
        Index("ix_incoming_order", "urgency", "received_at", "id", "unit_id"),
        Index("ix_incoming_unit_order", "unit_id", "urgency", "received_at", "id"),
        Index("ix_incoming_arrival", "arrival_date", "id"),
        Index("ix_incoming_arrival_number", "arrival_number", "id"),
        Index("ix_incoming_author", "author_name", "id"),
        Index("ix_incoming_symbol", "symbol", "id"),
        Index("ix_incoming_deadline_only", "deadline", "id"),
        Index("ix_incoming_type", "document_type_id", "urgency", "received_at", "id"),
        Index("ix_incoming_type_arrival", "document_type_id", "arrival_date", "unit_id"),
        Index("ix_incoming_document_date", "document_date"),
    )

    # -- labels for the screens ---------------------------------------------------
    def state_label(self):
        return str(STATES.get(self.state, self.state))

    def urgency_label(self):
        return str(URGENCY.get(self.urgency, self.urgency))

    def channel_label(self):
        return str(CHANNELS.get(self.channel, self.channel))

    @renders("arrival_number")
    def number_label(self):
        if self.arrival_number is None:
            return ""
        return f"{self.arrival_number}/{self.arrival_year}"

    def author_label(self):
        return self.author_name or (self.sender_unit.name if self.sender_unit else "")

    def main_file(self):
        return next((f for f in self.files if f.role == "main"), None)

    def main_status(self):
        """(whether the document has a main file, that file's signature status): as a
        list read it with its row (``views.main_signature_expression``), else from the
        files."""
        read = self.__dict__.get("_list_main_status")
        if read is not None:
            return read
        main = self.main_file()
        return main is not None, (main.signature_status if main is not None else None)

    def lead(self):
        return next((a for a in self.assignments
                     if a.active and a.role == "lead" and a.parent_id is None), None)

    @renders("deadline")
    def deadline_cell(self):
        """The deadline, flagged when an open document is past it or was completed late."""
        from markupsafe import Markup

        if self.deadline is None:
            return ""
        text = fmt_date(self.deadline)
        today = local_today()
        if self.state in OPEN_STATES and self.deadline < today:
            return Markup('<span class="text-danger qlvb-overdue">{} ({})</span>').format(
                text, _l("%(n)d days overdue", n=(today - self.deadline).days))
        if self.state == "done" and self.completed_late:
            return Markup('<span class="text-warning">{} ({})</span>').format(
                text, _l("completed late"))
        return text

    @renders("trust_reason")
    def trust_mark(self):
        """For lists and registers: the e-document was registered without a valid
        signature (it has no legal value as such), with the clerk's reason; else ""."""
        if not self.trust_reason:
            return ""
        has_main, signature = self.main_status()
        status = status_label(signature) if has_main else ""
        return f"{status}: {self.trust_reason}" if status else self.trust_reason

    def signature_cell(self):
        """For lists: the main file's verdict as a one-word badge, the details (and the
        clerk's reason when registered without a valid signature) in its title."""
        has_main, signature = self.main_status()
        if not has_main:
            return ""
        return short_badge(signature, self.trust_mark())

    def is_urgent(self):
        return (self.urgency or 0) >= 1

    def __repr__(self):
        label = self.number_label()
        return f"{label} {self.symbol}".strip() or (self.summary or "")[:60]


class IncomingFile(VerifiedFileMixin, Model):
    """A file of an incoming document (the document itself, an attachment or a result),
    stored in the file store by its SHA-256; the bytes are never modified."""

    __tablename__ = "incoming_file"
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("incoming_document.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    document = relationship("IncomingDocument", back_populates="files")
    note_id = Column(Integer, ForeignKey("progress_note.id"), nullable=True)
    role = Column(String(20), nullable=False, default="main")
    name = Column(String(255), nullable=False)
    sha256 = Column(String(64), nullable=False, index=True)
    size = Column(BigInteger, nullable=False)
    mime = Column(String(100), nullable=False)
    pages = Column(Integer)
    text_content = Column(Text)
    check_report = Column(Text)
    uploaded_at = Column(DateTime, nullable=False, default=utcnow)
    uploaded_by_id = Column(Integer, ForeignKey("ab_user.id"))

    def role_label(self):
        return str(FILE_ROLES.get(self.role, self.role))

    def is_pdf(self):
        return self.mime == "application/pdf"

    def __repr__(self):
        return self.name


class Rejection(Model):
    """A refusal (từ chối) of a received document, with its mandatory reason (Điều 6.3)."""

    __tablename__ = "incoming_rejection"
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("incoming_document.id"), nullable=False,
                         unique=True)
    document = relationship("IncomingDocument", lazy="joined")
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    unit = relationship("Unit", foreign_keys=[unit_id], lazy="joined")
    sender_unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    sender_unit = relationship("Unit", foreign_keys=[sender_unit_id], lazy="joined")
    author_name = Column(String(255), nullable=False, default="")
    symbol = Column(String(100), nullable=False, default="")
    summary = Column(Text, nullable=False, default="")
    reason = Column(Text, nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow, index=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    created_by = relationship("AppUser", lazy="joined")

    def __repr__(self):
        return f"{self.symbol} — {self.reason[:60]}"


class Assignment(Model):
    """One party of a direction: the lead (chủ trì), a cooperating party (phối hợp) or an
    informed one (để biết); a unit or an official; sub-assignments point at their parent."""

    __tablename__ = "incoming_assignment"
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("incoming_document.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    document = relationship("IncomingDocument", back_populates="assignments")
    parent_id = Column(Integer, ForeignKey("incoming_assignment.id"), nullable=True)
    parent = relationship("Assignment", remote_side=[id])
    role = Column(String(10), nullable=False)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True)
    unit = relationship("Unit", lazy="joined")
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    user = relationship("AppUser", foreign_keys=[user_id], lazy="joined")
    deadline = Column(Date)
    instruction = Column(Text)
    active = Column(Boolean, nullable=False, default=True)
    assigned_at = Column(DateTime, nullable=False, default=utcnow)
    assigned_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    assigned_by = relationship("AppUser", foreign_keys=[assigned_by_id])
    started_at = Column(DateTime)
    read_at = Column(DateTime)
    completed_at = Column(DateTime)

    __table_args__ = (
        CheckConstraint("(unit_id IS NULL) <> (user_id IS NULL)",
                        name="ck_assignment_one_party"),
        Index("ix_assignment_user_open", "user_id", "active", "completed_at"),
        Index("ix_assignment_unit_open", "unit_id", "active", "completed_at"),
    )

    def role_label(self):
        return str(ASSIGNMENT_ROLES.get(self.role, self.role))

    def party_label(self):
        if self.user is not None:
            return self.user.get_full_name()
        return self.unit.name if self.unit else ""

    def __repr__(self):
        return f"{self.role_label()}: {self.party_label()}"


class ProgressNote(Model):
    """A progress note, an opinion, a read receipt or the completion of an assignee;
    notes never touch the original file (docs/domain.md §5.6)."""

    __tablename__ = "progress_note"
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("incoming_document.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    document = relationship("IncomingDocument", back_populates="notes_list")
    assignment_id = Column(Integer, ForeignKey("incoming_assignment.id"), nullable=True)
    assignment = relationship("Assignment")
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    user = relationship("AppUser", lazy="joined")
    kind = Column(String(20), nullable=False, default="progress")
    text = Column(Text, nullable=False, default="")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    files = relationship("IncomingFile", foreign_keys=[IncomingFile.note_id])

    def kind_label(self):
        return str(NOTE_KINDS.get(self.kind, self.kind))


class ExchangeStatus(Model):
    """A status code sent back to the internal sender of a document (01–06, docs/domain.md §4)."""

    __tablename__ = "exchange_status"
    id = Column(Integer, primary_key=True)
    document_id = Column(Integer, ForeignKey("incoming_document.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    delivery_id = Column(Integer, nullable=True, index=True)
    sender_unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    code = Column(String(2), nullable=False)
    note = Column(Text)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)

    def label(self):
        return str(EXCHANGE_STATUS.get(self.code, self.code))


class ReaderGrant(Model):
    """A head lets one official of the unit see all of the unit's incoming documents."""

    __tablename__ = "incoming_reader_grant"
    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    unit = relationship("Unit", lazy="joined")
    user_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, unique=True)
    user = relationship("AppUser", foreign_keys=[user_id], lazy="joined")
    granted_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    granted_at = Column(DateTime, nullable=False, default=utcnow)

    def __repr__(self):
        return self.user.get_full_name() if self.user else ""


AUDIT_ACTIONS = {
    "incoming_delivered": _l("Arrived in the inbox"),
    "incoming_received": _l("Received"),
    "incoming_registered": _l("Registered"),
    "incoming_refused": _l("Refused"),
    "incoming_cancelled": _l("Registration cancelled"),
    "incoming_assigned": _l("Assigned"),
    "incoming_sub_assigned": _l("Sub-assigned"),
    "incoming_note": _l("Progress note"),
    "incoming_read": _l("Read"),
    "incoming_completed": _l("Completed"),
    "file_downloaded": _l("File downloaded"),
    "file_previewed": _l("File opened"),
    "file_refused": _l("File refused at intake"),
}


def _register_files():
    register_reference(IncomingFile.sha256)
    ACTION_LABELS.update(AUDIT_ACTIONS)


_register_files()
