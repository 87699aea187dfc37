"""OCR in the app: the register fields of a recognised page (with the document types of
this installation's reference data), the recognition of stored scans kept in ``ocr_scan``
(their text and searchable copy, docs/domain.md §5.2) and the first page read at intake."""

from __future__ import annotations

import hashlib
import io
import logging
import unicodedata
from collections.abc import Iterable
from functools import cache
from typing import Any, cast

from flask import current_app, has_app_context
from pypdf import PdfReader
from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, defer

from app.core import storage
from app.core.workflow import lock
from app.ocr import engine
from app.ocr.engine import OcrError
from app.ocr.fields import Fields, read_fields
from app.ocr.models import OcrScan, ScanState
from app.reference.models import DocumentType

log = logging.getLogger(__name__)

RECOGNISE_JOB = "ocr.recognise"
PREFILL_JOB = "ocr.prefill"


def document_types(session: Session) -> dict[str, str]:
    """Name → abbreviation of the active document types (empty when the reference data
    cannot be read, e.g. an installation not yet migrated)."""
    try:
        rows = session.execute(select(DocumentType.name, DocumentType.abbreviation)
                               .where(DocumentType.active.is_(True))).all()
    except SQLAlchemyError:
        session.rollback()
        return {}
    return {name: abbreviation for name, abbreviation in rows}


def register_fields(session: Session, text: str) -> Fields:
    """The register fields read from ``text``, the type given as this
    installation's code for it."""
    return read_fields(text, document_types(session))


# -- stored files ------------------------------------------------------------------------

_available: dict[str, bool] = {}


def ocr_available() -> bool:
    """Whether OCR runs here: ``OCR_ENABLED`` (on by default) and ``engine.available()``,
    asked once per process (it runs ``tesseract``)."""
    if has_app_context() and not current_app.config.get("OCR_ENABLED", True):
        return False
    if "ok" not in _available:
        _available["ok"] = engine.available()
    return _available["ok"]


def scan_of(session: Session, sha256: str, create: bool = False) -> OcrScan | None:
    """The OCR row of the stored file ``sha256`` (made, queued, when ``create``)."""
    scan = session.scalars(select(OcrScan).where(OcrScan.sha256 == sha256)).first()
    if scan is None and create:
        scan = OcrScan(sha256=sha256, state=ScanState.QUEUED.value)
        session.add(scan)
        session.flush()
    return scan


def scans_of(session: Session, hashes: Iterable[str]) -> dict[str, OcrScan]:
    """The OCR rows of these stored files, by SHA-256."""
    hashes = [h for h in hashes if h]
    if not hashes:
        return {}
    return {s.sha256: s for s in session.scalars(_scans_statement(), {"hashes": hashes})}


@cache
def _scans_statement() -> Select[Any]:
    """The OCR rows of a list of hashes, built once (it keeps its cache key), without the
    recognised text (loaded on first use)."""
    return select(OcrScan).where(OcrScan.sha256.in_(bindparam("hashes", expanding=True))) \
        .options(defer(cast(Any, OcrScan.text)))


def searchable_copy(session: Session, sha256: str) -> str | None:
    """The SHA-256 of the searchable copy of the stored file ``sha256``, when there is one
    in the store."""
    scan = scan_of(session, sha256)
    if scan is None or scan.state != ScanState.DONE.value or not scan.searchable_sha256:
        return None
    return scan.searchable_sha256 if storage.exists(scan.searchable_sha256) else None


def recognise_stored(session: Session, sha256: str) -> OcrScan:
    """Recognise the stored file ``sha256`` (its bytes are only read): the text of every
    page and the searchable copy, stored beside it under its own SHA-256. The row is
    locked before its state is read, and again before the result is written; the engine
    runs between two commits, holding no lock. A file already recognised is left as it
    is (the job may be delivered twice); a file the engine cannot read ends ``failed``
    with the reason."""
    scan = scan_of(session, sha256, create=True)
    assert scan is not None
    lock(session, scan)
    if scan.state in (ScanState.DONE.value, ScanState.NOT_NEEDED.value):
        return scan
    if not ocr_available():
        scan.state = ScanState.UNAVAILABLE.value
        return scan
    with open(storage.path_for(sha256), "rb") as fh:
        data = fh.read()
    scan.state = ScanState.QUEUED.value
    session.commit()  # no lock is held while the engine runs
    result: engine.Result | None = None
    error: str | None = None
    try:
        if engine.needs_ocr(data):
            result = engine.recognise(data)
    except OcrError as failure:
        error = str(failure)[:4000]
        log.warning("ocr: %s not recognised: %s", sha256[:12], error)
    stored = (storage.store(io.BytesIO(result.searchable_pdf_bytes), f"{sha256}.pdf")
              if result is not None else None)
    lock(session, scan)
    if scan.state in (ScanState.DONE.value, ScanState.NOT_NEEDED.value):
        return scan  # recognised meanwhile by another delivery of the job
    if error is not None:
        scan.state, scan.error = ScanState.FAILED.value, error
    elif result is None or stored is None:
        scan.state = ScanState.NOT_NEEDED.value
    else:
        scan.pages, scan.text = result.pages, result.text
        scan.searchable_sha256, scan.searchable_size = stored.sha256, stored.size
        scan.error = None
        scan.state = ScanState.DONE.value
        log.info("ocr: %s recognised (%d pages), searchable copy %s", sha256[:12],
                 result.pages, stored.sha256[:12])
    return scan


def first_page_text(path: str) -> str | None:
    """The recognised text of the first page of the PDF at ``path`` when it has no text
    layer (what intake checks for a secrecy marking before the file is stored), or None
    when there is nothing to recognise or no engine to do it."""
    if not ocr_available():
        return None
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        key = hashlib.sha256(data).hexdigest()
        if key in _first_pages:  # the pre-fill read it; the form then sends the same file
            return _first_pages[key]
        if engine.page_has_text(data)[:1] != [False]:
            return None
        text = engine.recognise(data, first_pages=1).page_texts[0]
    except (OcrError, OSError):
        log.warning("ocr: first page of %s not recognised", path, exc_info=True)
        return None
    while len(_first_pages) >= 16:
        _first_pages.pop(next(iter(_first_pages)))
    _first_pages[key] = text
    return text


_first_pages: dict[str, str] = {}


def first_page_layer(path: str) -> str | None:
    """The text layer of the first page of the PDF at ``path`` (a born-digital PDF), or
    None."""
    try:
        reader = PdfReader(path)
        text = reader.pages[0].extract_text(extraction_mode="layout") or ""
    except Exception:  # pypdf raises many kinds on a broken file
        log.warning("ocr: no text layer read from %s", path, exc_info=True)
        return None
    return unicodedata.normalize("NFC", text) if text.strip() else None
