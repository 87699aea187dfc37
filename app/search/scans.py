"""Scanned files become text (docs/domain.md §5.2): every PDF stored with a document
(incoming, outgoing) that has no text layer is recognised in a background job after the
commit that stored it. The original bytes stay as they are; the searchable copy is stored
beside them (``ocr_scan``) and offered on the document page; the text goes into the file
rows, hence into the search index, and through the secrecy check (§2).

Also the intake form's pre-fill: the register fields read from the first page of a scan
the clerk chose, in a job the form polls."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core import registry, storage
from app.core.docviews import subject
from app.core.filecheck import SCAN_READER
from app.core.workflow import lock
from app.incoming.models import IncomingDocument, IncomingFile
from app.jobs import runner
from app.jobs.models import KIND_LABELS
from app.notifications.services import notify
from app.ocr import engine, quarantine
from app.ocr import services as ocr
from app.ocr.models import OcrScan, Quarantine, ScanState
from app.outgoing.models import OutgoingDocument, OutgoingFile
from app.reference.models import DocumentType
from app.security.permissions import ROLE_OFFICE
from app.security.services import users_with_role
from app.trust import secrecy

RECOGNISE_JOB = ocr.RECOGNISE_JOB
PREFILL_JOB = ocr.PREFILL_JOB
FILE_MODELS: tuple[type[Any], ...] = (IncomingFile, OutgoingFile)
_PENDING = "qlvb.ocr.pending"
PDF = "application/pdf"


def _is_scan(row: Any) -> bool:
    """A stored PDF whose text is too short for its pages (or whose first page OCR read
    at intake): a scan to recognise."""
    if row.mime != PDF or not row.sha256:
        return False
    try:
        report = json.loads(row.check_report or "{}")
    except ValueError:
        report = {}
    if isinstance(report, dict) and report.get("recognised_pages"):
        return True
    letters = sum(ch.isalnum() for ch in row.text_content or "")
    return letters < engine.MIN_TEXT * max(row.pages or 1, 1)


def _after_flush(session: Session, context: Any) -> None:
    for row in session.new:
        if isinstance(row, FILE_MODELS) and row.mime == PDF and row.sha256:
            pending = session.info.setdefault(_PENDING, {})
            pending[row.sha256] = pending.get(row.sha256, False) or _is_scan(row)


def _before_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    for sha256, scan in sorted((pending or {}).items()):
        if scan:
            queue(session, sha256)
            continue
        known = ocr.scan_of(session, sha256)  # bytes a marking was found in before
        if known is not None and known.marking:
            withhold(session, known)


def _forget(session: Session, *args: Any) -> None:
    session.info.pop(_PENDING, None)


def queue(session: Session, sha256: str, again: bool = False) -> OcrScan:
    """Queue the recognition of the stored file ``sha256`` in the caller's transaction (run
    after its commit); a file already recognised gets its text again (a new document with
    the same bytes). ``again`` queues a failed or unavailable one anew."""
    scan = ocr.scan_of(session, sha256, create=True)
    assert scan is not None
    if scan.state == ScanState.DONE.value:  # the same bytes stored again
        apply_text(session, scan)
        if scan.marking:
            withhold(session, scan)
        return scan
    if scan.state == ScanState.NOT_NEEDED.value:
        return scan
    if scan.state != ScanState.QUEUED.value and not again:
        return scan
    if not ocr.ocr_available():
        scan.state = ScanState.UNAVAILABLE.value
        return scan
    scan.state = ScanState.QUEUED.value
    runner.enqueue(session, RECOGNISE_JOB, {"sha256": sha256}, dedupe_key=f"ocr:{sha256}")
    return scan


def apply_text(session: Session, scan: OcrScan) -> None:
    """The recognised text into the rows of every file with these bytes (the search
    index follows them), and the secrecy marking it carries kept on the scan."""
    for model in FILE_MODELS:
        for row in session.scalars(select(model).where(model.sha256 == scan.sha256)):
            if row.text_content != scan.text:
                row.text_content = scan.text
    scan.marking = secrecy.find_marking(scan.text or "")


def recognise(session: Session, sha256: str) -> dict[str, Any]:
    """The job: recognise the stored file, then hand its text on (``apply_text``); a
    secrecy marking in it withholds every document holding the file at once."""
    scan = ocr.recognise_stored(session, sha256)
    if scan.state == ScanState.DONE.value:
        apply_text(session, scan)
        if scan.marking:
            withhold(session, scan)
    return {"state": scan.state, "pages": scan.pages, "marking": scan.marking}


def withhold(session: Session, scan: OcrScan) -> list[Quarantine]:
    """Withhold the documents holding the file ``scan`` found a secrecy marking in (each
    locked before it is checked), and tell their clerk and the office (docs/domain.md §2)."""
    held = []
    office = users_with_role(session, ROLE_OFFICE)
    kinds: tuple[tuple[str, Any, Any], ...] = (("in", IncomingFile, IncomingDocument),
                                               ("out", OutgoingFile, OutgoingDocument))
    for kind, file_model, doc_model in kinds:
        ids = sorted(set(session.scalars(select(file_model.document_id)
                                         .where(file_model.sha256 == scan.sha256))))
        for doc_id in ids:
            doc = session.get(doc_model, doc_id)
            if doc is None:
                continue
            lock(session, doc)
            hashes = session.scalars(select(file_model.sha256)
                                     .where(file_model.document_id == doc_id))
            label = (doc.number_label() if kind == "in" else doc.symbol) or ""
            label = f"{label} {subject(doc)}".strip()
            row = quarantine.hold(session, kind, doc_id, doc.unit_id, label,
                                  scan.marking or "", scan.sha256, hashes)
            if row is None:
                continue
            held.append(row)
            clerk = doc.registered_by if kind == "in" else doc.created_by
            notify(session, [clerk or doc.created_by, *office],
                   _l("%(doc)s was withheld: its scanned text carries the secrecy marking "
                      "“%(marking)s”. The office decides.", doc=label, marking=scan.marking),
                   urgent=True)
    return held


def queue_stored(session: Session, limit: int | None = None,
                 progress: Callable[[int, int], None] | None = None) -> int:
    """Queue every stored scan not yet recognised (files stored before OCR existed, or
    while it was unavailable, or whose recognition failed); the number queued. Each is
    queued in a commit of its own, so that without Redis each is recognised as it is
    queued; ``progress(done, total)`` hears each one."""
    pending = _stored_scans(session, limit)
    for done, sha256 in enumerate(pending, start=1):
        queue(session, sha256, again=True)
        session.commit()  # the job is handed on (or run, without Redis) after this commit
        if progress is not None:
            progress(done, len(pending))
    return len(pending)


def _stored_scans(session: Session, limit: int | None) -> list[str]:
    """The stored scans ``queue_stored`` queues, in the order they were stored."""
    known = {sha: state for sha, state in session.execute(select(OcrScan.sha256,
                                                                 OcrScan.state))}
    found: list[str] = []
    for model in FILE_MODELS:
        rows = session.execute(select(model.sha256, model.mime, model.pages,
                                      model.text_content, model.check_report)
                               .where(model.mime == PDF).order_by(model.id))
        for row in rows:
            if limit is not None and len(found) >= limit:
                break
            if known.get(row.sha256) in (ScanState.DONE.value, ScanState.NOT_NEEDED.value,
                                         ScanState.QUEUED.value) or not _is_scan(row):
                continue
            if not storage.exists(row.sha256):
                continue
            known[row.sha256] = ScanState.QUEUED.value
            found.append(row.sha256)
    return found


# -- the intake form's pre-fill ------------------------------------------------------------

def prefill(session: Session, sha256: str, user_id: int | None = None) -> dict[str, Any]:
    """The job: the register fields read from the first page of the stored scan, each
    null when not found, the document type as this installation's row, and the secrecy
    marking the page carries (the form says it will be refused)."""
    path = storage.path_for(sha256)
    text = ocr.first_page_text(path) or ocr.first_page_layer(path)
    if text is None:
        return {"fields": None, "marking": None, "available": ocr.ocr_available()}
    fields = ocr.register_fields(session, text)
    values = fields.as_dict()
    type_id = None
    if fields.document_type:
        type_id = session.scalars(select(DocumentType.id).where(
            DocumentType.abbreviation == fields.document_type,
            DocumentType.active.is_(True))).first()
    values["document_type_id"] = type_id
    return {"fields": values, "marking": secrecy.find_marking(text), "available": True}


def _scans(files: Any) -> dict[str, OcrScan]:
    """For the document page: the OCR rows of ``files``, by SHA-256 (the scans only)."""
    from app.extensions import db

    return ocr.scans_of(db.session, [f.sha256 for f in files if f.mime == PDF])


def _scan_reader(path: str) -> str | None:
    return ocr.first_page_text(path)


def init_app(app: Flask) -> None:
    registry.add_job(app, RECOGNISE_JOB, recognise)
    registry.add_job(app, PREFILL_JOB, prefill)
    registry.provide(app, SCAN_READER, _scan_reader)
    registry.provide(app, "searchable_copy", ocr.searchable_copy)
    registry.provide(app, "file_withheld", quarantine.withheld_message)
    app.jinja_env.globals["ocr_scans"] = _scans
    KIND_LABELS[RECOGNISE_JOB] = _l("Recognise the text of a scanned file (OCR)")
    KIND_LABELS[PREFILL_JOB] = _l("Read the register fields from a scan (intake form)")
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _forget)



