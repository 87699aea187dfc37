"""What OCR made of a stored file, one row per original (by its SHA-256, the file store's
key): where the recognition stands, the text of every page, the searchable copy stored
beside the original (its own SHA-256 in the file store) and the secrecy marking the text
carries, if any (docs/domain.md §8: secret documents never enter the system)."""

from __future__ import annotations

import enum

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Column, DateTime, Integer, String, Text

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
