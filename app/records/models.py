"""Hồ sơ công việc (docs/domain.md §9): the retention schedule, the yearly file plan
(danh mục hồ sơ) with its headings and entries, the work files and what they hold, and the
transfers to the agency archive (đợt nộp lưu)."""

from __future__ import annotations

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BigInteger,
    Boolean,
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

NOTATION_MAX = 20     # số và ký hiệu hồ sơ (FileNotation)
TITLE_MAX = 500       # tiêu đề hồ sơ (Title)

RETENTION_KINDS = {
    "permanent": _l("Permanent"),
    "years": _l("A number of years"),
    "event": _l("Years after an event"),
}
PLAN_STATES = {"draft": _l("Draft"), "approved": _l("Approved")}
NUMBERING_MODES = {
    "plan": _l("Numbered through the plan"),
    "heading": _l("Numbered within each main heading"),
}
FILE_STATES = {
    "open": _l("Open"),
    "closed": _l("Closed"),
    "submitted": _l("Submitted to the archive"),
    "archived": _l("In the archive's custody"),
}
ITEM_KINDS = {
    "incoming": _l("Incoming document"),
    "outgoing": _l("Outgoing document"),
    "internal": _l("Internal paper"),
}
LEFT_OUT_REASONS = {"draft": _l("Draft"), "duplicate": _l("Duplicate")}
LINE_RESULTS = {
    "pending": _l("Waiting for the check"),
    "accepted": _l("Accepted"),
    "returned": _l("Returned"),
}
TRANSFER_STATES = {"sent": _l("Sent to the archive"), "done": _l("Checked")}


class RetentionRule(Model):
    """One line of the retention schedule: permanent, N years, or N years after an event,
    with the text it comes from (docs/domain.md §9.1)."""

    __tablename__ = "retention_rule"
    id = Column(Integer, primary_key=True)
    code = Column(String(20), nullable=False, unique=True)
    label = Column(String(255), nullable=False)
    kind = Column(String(10), nullable=False, default="years")
    years = Column(Integer)
    event = Column(String(255))
    source = Column(String(255), nullable=False, default="")
    example = Column(Boolean, nullable=False, default=False)

    def is_permanent(self) -> bool:
        return self.kind == "permanent"

    def text(self) -> str:
        """How the forms write it: "Vĩnh viễn", "20 năm", "5 năm sau khi …"."""
        if self.kind == "permanent":
            return str(_l("Permanent"))
        if self.kind == "event":
            return str(_l("%(years)s years after %(event)s", years=self.years,
                          event=self.event or ""))
        return str(_l("%(years)s years", years=self.years))

    def __repr__(self) -> str:
        return f"{self.code} — {self.text()}"


class FilePlan(Model):
    """Danh mục hồ sơ of one agency for one year (docs/domain.md §9.2)."""

    __tablename__ = "file_plan"
    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    unit = relationship("Unit", lazy="joined")
    year = Column(Integer, nullable=False)
    numbering = Column(String(10), nullable=False, default="plan")
    state = Column(String(10), nullable=False, default="draft")
    decision_number = Column(String(50))
    decision_date = Column(Date)
    approved_by_id = Column(Integer, ForeignKey("ab_user.id"))
    approved_by = relationship("AppUser", foreign_keys=[approved_by_id])
    approved_at = Column(DateTime)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    headings = relationship("PlanHeading", order_by="PlanHeading.position",
                            back_populates="plan", cascade="all, delete-orphan")
    entries = relationship("PlanEntry", order_by="PlanEntry.position", back_populates="plan",
                           cascade="all, delete-orphan")

    __table_args__ = (UniqueConstraint("unit_id", "year", name="uq_file_plan_unit_year"),)

    def state_label(self) -> str:
        return str(PLAN_STATES.get(self.state, self.state))

    def __repr__(self) -> str:
        return f"{self.year}"


class PlanHeading(Model):
    """A heading of the plan: main ones (Roman numerals, an abbreviation), sub-headings
    under them (Arabic numerals, restarting in each main heading)."""

    __tablename__ = "plan_heading"
    id = Column(Integer, primary_key=True)
    plan_id = Column(Integer, ForeignKey("file_plan.id", ondelete="CASCADE"), nullable=False,
                     index=True)
    plan = relationship("FilePlan", back_populates="headings")
    parent_id = Column(Integer, ForeignKey("plan_heading.id"), nullable=True)
    parent = relationship("PlanHeading", remote_side=[id])
    position = Column(Integer, nullable=False)
    abbreviation = Column(String(12), nullable=False, default="")
    title = Column(String(500), nullable=False)


class PlanEntry(Model):
    """A file foreseen by the plan: số và ký hiệu, title, retention, who keeps it."""

    __tablename__ = "plan_entry"
    id = Column(Integer, primary_key=True)
    plan_id = Column(Integer, ForeignKey("file_plan.id", ondelete="CASCADE"), nullable=False)
    plan = relationship("FilePlan", back_populates="entries")
    heading_id = Column(Integer, ForeignKey("plan_heading.id"), nullable=False, index=True)
    heading = relationship("PlanHeading")
    position = Column(Integer, nullable=False)
    notation = Column(String(NOTATION_MAX), nullable=False)
    title = Column(String(TITLE_MAX), nullable=False)
    retention_id = Column(Integer, ForeignKey("retention_rule.id"), nullable=False,
                          index=True)
    retention = relationship("RetentionRule", lazy="joined")
    owner_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    owner = relationship("AppUser", foreign_keys=[owner_id])
    note = Column(String(500))

    __table_args__ = (UniqueConstraint("plan_id", "notation", name="uq_plan_entry_notation"),)


class WorkFile(Model):
    """Hồ sơ: a file of the documents of one piece of work (docs/domain.md §9.3–9.6)."""

    __tablename__ = "work_file"
    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    unit = relationship("Unit", lazy="joined")
    entry_id = Column(Integer, ForeignKey("plan_entry.id"), nullable=True, index=True)
    year = Column(Integer, nullable=False)
    notation = Column(String(NOTATION_MAX), nullable=False)
    code = Column(String(60), nullable=False, unique=True)
    title = Column(String(TITLE_MAX), nullable=False)
    retention_id = Column(Integer, ForeignKey("retention_rule.id"), nullable=False,
                          index=True)
    retention = relationship("RetentionRule", lazy="joined")
    owner_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    owner = relationship("AppUser", foreign_keys=[owner_id], lazy="joined")
    state = Column(String(12), nullable=False, default="open")
    start_date = Column(Date, nullable=False)
    end_date = Column(Date)
    doc_total = Column(Integer, nullable=False, default=0)
    page_total = Column(Integer, nullable=False, default=0)
    language = Column(String(50), nullable=False, default="Tiếng Việt")
    description = Column(String(500))
    closed_at = Column(DateTime)
    due_date = Column(Date, index=True)
    # Retention counted from an event ("khi hết hiệu lực"): its date, once recorded.
    event_date = Column(Date)
    due_notified = Column(Boolean, nullable=False, default=False)
    keep_back_ref = Column(String(255))
    keep_back_until = Column(Date)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    items = relationship("FileItem", order_by="FileItem.ordinal", back_populates="file")

    __table_args__ = (Index("ix_work_file_state_unit", "state", "unit_id"),)

    def state_label(self) -> str:
        return str(FILE_STATES.get(self.state, self.state))

    def __repr__(self) -> str:
        return self.code


class FileItem(Model):
    """A document in a file: a link to an incoming or outgoing document (never a copy), or
    an internal paper uploaded into the file. Its ordinal is dense from 1 in date order
    among the items kept; drafts and duplicates are marked left out, never deleted once
    the file is closed."""

    __tablename__ = "file_item"
    id = Column(Integer, primary_key=True)
    file_id = Column(Integer, ForeignKey("work_file.id"), nullable=False)
    file = relationship("WorkFile", back_populates="items")
    kind = Column(String(10), nullable=False)
    incoming_id = Column(Integer, ForeignKey("incoming_document.id"), nullable=True,
                         index=True)
    incoming = relationship("IncomingDocument")
    outgoing_id = Column(Integer, ForeignKey("outgoing_document.id"), nullable=True,
                         index=True)
    outgoing = relationship("OutgoingDocument")
    # An internal paper's own metadata and file (the documents' come from them).
    symbol = Column(String(100))
    doc_date = Column(Date)
    author = Column(String(255))
    subject = Column(Text)
    type_name = Column(String(100))
    pages = Column(Integer)
    file_name = Column(String(255))
    file_sha256 = Column(String(64), index=True)
    file_size = Column(BigInteger)
    ordinal = Column(Integer)
    left_out = Column(String(10))
    added_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    added_at = Column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        UniqueConstraint("file_id", "incoming_id", name="uq_file_item_incoming"),
        UniqueConstraint("file_id", "outgoing_id", name="uq_file_item_outgoing"),
        Index("ix_file_item_file_ordinal", "file_id", "ordinal"),
    )


class TransferBatch(Model):
    """Đợt nộp lưu: a unit's closed files handed to the agency archive, with the index of
    the files and the minutes of hand-over (docs/domain.md §9.7)."""

    __tablename__ = "transfer_batch"
    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    unit = relationship("Unit", lazy="joined")
    year = Column(Integer, nullable=False)
    state = Column(String(10), nullable=False, default="sent")
    giver_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False)
    giver = relationship("AppUser", foreign_keys=[giver_id])
    receiver_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    receiver = relationship("AppUser", foreign_keys=[receiver_id])
    condition = Column(String(500), nullable=False, default="")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    checked_at = Column(DateTime)
    lines = relationship("TransferLine", order_by="TransferLine.position",
                         back_populates="batch")

    def state_label(self) -> str:
        return str(TRANSFER_STATES.get(self.state, self.state))


class TransferLine(Model):
    """One file of a transfer and the archive's answer on it."""

    __tablename__ = "transfer_line"
    id = Column(Integer, primary_key=True)
    batch_id = Column(Integer, ForeignKey("transfer_batch.id"), nullable=False, index=True)
    batch = relationship("TransferBatch", back_populates="lines")
    file_id = Column(Integer, ForeignKey("work_file.id"), nullable=False, index=True)
    file = relationship("WorkFile", lazy="joined")
    position = Column(Integer, nullable=False)
    result = Column(String(10), nullable=False, default="pending")
    reason = Column(Text)
    report = Column(Text)
    checked_by_id = Column(Integer, ForeignKey("ab_user.id"))
    checked_at = Column(DateTime)

    def result_label(self) -> str:
        return str(LINE_RESULTS.get(self.result, self.result))


AUDIT_ACTIONS = {
    "retention_rule_added": _l("Retention rule added"),
    "retention_rule_deleted": _l("Retention rule deleted"),
    "file_plan_created": _l("File plan created"),
    "file_plan_copied": _l("File plan copied from last year"),
    "file_plan_heading_added": _l("File plan: heading added"),
    "file_plan_entry_added": _l("File plan: entry added"),
    "file_plan_heading_edited": _l("File plan: heading corrected"),
    "file_plan_heading_deleted": _l("File plan: heading deleted"),
    "file_plan_entry_edited": _l("File plan: entry corrected"),
    "file_plan_entry_deleted": _l("File plan: entry deleted"),
    "file_plan_approved": _l("File plan approved"),
    "work_file_opened": _l("Work file opened"),
    "work_file_edited": _l("Work file corrected"),
    "work_file_event_recorded": _l("Work file: date of the retention event recorded"),
    "work_file_deleted": _l("Empty work file deleted"),
    "work_file_item_added": _l("Document put in a work file"),
    "work_file_item_removed": _l("Document taken out of an open work file"),
    "work_file_item_left_out": _l("Document of a work file marked left out"),
    "work_file_closed": _l("Work file closed"),
    "work_file_reopened": _l("Work file reopened"),
    "work_file_kept_back": _l("Work file kept back at the unit"),
    "work_file_index_printed": _l("Index of a work file printed"),
    "work_file_exported": _l("Work file exported for the archive"),
    "transfer_sent": _l("Work files sent to the archive"),
    "transfer_file_accepted": _l("Work file accepted by the archive"),
    "transfer_file_returned": _l("Work file returned by the archive"),
}


def _register() -> None:
    register_reference(FileItem.file_sha256)
    ACTION_LABELS.update(AUDIT_ACTIONS)


_register()
