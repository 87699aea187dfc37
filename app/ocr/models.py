"""What OCR made of a stored file, one row per original (by its SHA-256, the file store's
key): where the recognition stands, the text of every page, the searchable copy stored
beside the original (its own SHA-256 in the file store) and the secrecy marking the text
carries, if any (docs/domain.md §2 "Nothing secret")."""

from __future__ import annotations

import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Column, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import relationship

from app.core.audit import ACTION_LABELS
from app.core.storage import register_reference
from app.core.timeutil import utcnow


class ScanState(enum.StrEnum):
    QUEUED = "queued"  # a job will recognise it
    DONE = "done"  # text and searchable copy stored
    FAILED = "failed"  # the engine failed (the job's error says why)
    UNAVAILABLE = "unavailable"  # no Tesseract on this machine when it was stored
    NOT_NEEDED = "not_needed"  # every page already had a text layer


STATE_LABELS = {
    ScanState.QUEUED: _l("Recognising text…"),
    ScanState.DONE: _l("Text recognised"),
    ScanState.FAILED: _l("Text recognition failed"),
    ScanState.UNAVAILABLE: _l("OCR is unavailable on this server"),
    ScanState.NOT_NEEDED: _l("The file already holds text"),
}


class OcrScan(Model):
    """The recognition of one stored PDF without a text layer."""

    __tablename__ = "ocr_scan"
    id = Column(Integer, primary_key=True)
    sha256 = Column(String(64), nullable=False, unique=True)
    state = Column(String(12), nullable=False, default=ScanState.QUEUED.value)
    pages = Column(Integer)
    text = Column(Text)
    searchable_sha256 = Column(String(64), index=True)
    searchable_size = Column(BigInteger)
    marking = Column(String(20))
    error = Column(Text)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def state_label(self) -> str:
        return str(STATE_LABELS.get(ScanState(self.state), self.state))

    def __repr__(self) -> str:
        return f"OCR {self.sha256[:12]}"


register_reference(OcrScan.searchable_sha256)


class HoldState(enum.StrEnum):
    HELD = "held"  # withheld until the office decides
    RELEASED = "released"  # the office confirmed it is not secret: shown again
    PURGED = "purged"  # the office destroyed the stored bytes; the register keeps the number


HOLD_LABELS = {
    HoldState.HELD: _l("Withheld: secrecy marking found"),
    HoldState.RELEASED: _l("Confirmed not secret"),
    HoldState.PURGED: _l("Files destroyed"),
}
HIDDEN_STATES = (HoldState.HELD.value, HoldState.PURGED.value)
KIND_LABELS = {"in": _l("Incoming document"), "out": _l("Outgoing document")}


class Quarantine(Model):
    """A stored document whose recognised text carries a secrecy marking (docs/domain.md
    §8): withheld from every list, search and download at once, until the office confirms
    it is not secret or destroys its files."""

    __tablename__ = "ocr_quarantine"
    id = Column(Integer, primary_key=True)
    kind = Column(String(3), nullable=False)  # "in" / "out"
    document_id = Column(Integer, nullable=False, index=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    unit = relationship("Unit", lazy="joined")
    label = Column(String(255), nullable=False, default="")  # number and symbol, as found
    marking = Column(String(20), nullable=False)
    sha256 = Column(String(64), nullable=False)  # the file whose text carries it
    hashes = Column(JSON, nullable=False, default=list)  # every stored file of the document
    state = Column(String(10), nullable=False, default=HoldState.HELD.value, index=True)
    found_at = Column(DateTime, nullable=False, default=utcnow)
    decided_at = Column(DateTime)
    decided_by_id = Column(Integer, ForeignKey("ab_user.id"))
    decided_by = relationship("AppUser", lazy="joined")
    reason = Column(Text)

    def state_label(self) -> str:
        return str(HOLD_LABELS.get(HoldState(self.state), self.state))

    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    def __repr__(self) -> str:
        return f"{self.kind_label()} {self.label or self.document_id}"


AUDIT_ACTIONS = {
    "document_quarantined": _l("Withheld: secrecy marking found in the recognised text"),
    "quarantine_released": _l("Withheld document confirmed not secret"),
    "quarantine_purged": _l("Files of a withheld document destroyed"),
}


def _register() -> None:
    ACTION_LABELS.update(AUDIT_ACTIONS)


_register()
