"""Documents withheld for a secrecy marking found in their recognised text (docs/domain.md
§2: secret documents never enter the system). A marking found after intake (a re-run, a
document stored before OCR existed) withholds the document at once: the scope filters of
the lists, pages, downloads, the API and the search leave it out (``visible_clause``) and
its files are answered 410 (``withheld_message``). The office then confirms it is not
secret (the document is shown again) or destroys its stored bytes (the register keeps the
number, with the reason). Every decision locks the row before checking its state and is
audited."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from app.core import audit, storage
from app.core.errors import DomainError
from app.core.scope import current_unit_id, sees_all_units
from app.core.timeutil import utcnow
from app.core.workflow import lock
from app.ocr.models import HIDDEN_STATES, KIND_LABELS, HoldState, OcrScan, Quarantine

log = logging.getLogger(__name__)

def visible_clause(kind: str, id_column: Any) -> ColumnElement[bool]:
    """The documents of ``kind`` ("in", "out") not withheld, as a condition on
    ``id_column`` (the document's id, or the column of a row standing for it)."""
    return ~exists().where(Quarantine.kind == kind, Quarantine.document_id == id_column,
                           Quarantine.state.in_(HIDDEN_STATES))


def held_for(session: Session, kind: str, document_id: int) -> Quarantine | None:
    """The hold of a document still withheld or destroyed, if any."""
    return session.scalars(select(Quarantine).where(
        Quarantine.kind == kind, Quarantine.document_id == document_id,
        Quarantine.state.in_(HIDDEN_STATES)).order_by(Quarantine.id.desc())).first()


def hold(session: Session, kind: str, document_id: int, unit_id: int, label: str,
         marking: str, sha256: str, hashes: Iterable[str]) -> Quarantine | None:
    """Withhold the document (the caller has locked its row); None when it already is, or
    when the office confirmed this file of it is not secret."""
    if held_for(session, kind, document_id) is not None:
        return None
    released = session.scalars(select(Quarantine.id).where(
        Quarantine.kind == kind, Quarantine.document_id == document_id,
        Quarantine.sha256 == sha256, Quarantine.state == HoldState.RELEASED.value)).first()
    if released is not None:
        return None
    row = Quarantine(kind=kind, document_id=document_id, unit_id=unit_id, label=label[:255],
                     marking=marking, sha256=sha256, hashes=sorted(set(hashes)),
                     state=HoldState.HELD.value, found_at=utcnow())
    session.add(row)
    session.flush()
    audit.record(session, "document_quarantined", row, user=None, username="system",
                 details={"kind": kind, "document_id": document_id, "label": label,
                          "marking": marking, "sha256": sha256})
    log.warning("ocr: %s %s withheld: secrecy marking %s in %s", kind, document_id, marking,
                sha256[:12])
    return row


def _decide(session: Session, row: Quarantine, user: Any, state: HoldState,
            reason: str | None) -> None:
    lock(session, row)
    if row.state != HoldState.HELD.value:
        raise DomainError(_("This document is no longer withheld: it was decided on %(when)s.",
                            when=row.decided_at.strftime("%d/%m/%Y") if row.decided_at
                            else "?"))
    row.state = state.value
    row.decided_at = utcnow()
    row.decided_by_id = getattr(user, "id", None)
    row.reason = reason or None


def release(session: Session, row: Quarantine, user: Any, reason: str | None = None) -> None:
    """The office confirms the document is not secret: it is shown again."""
    _decide(session, row, user, HoldState.RELEASED, reason)
    audit.record(session, "quarantine_released", row, user=user,
                 details={"kind": row.kind, "document_id": row.document_id,
                          "marking": row.marking, "reason": row.reason})


def purge(session: Session, row: Quarantine, user: Any, reason: str | None) -> list[str]:
    """The office destroys the document's stored bytes (originals and searchable copies);
    the document's row, hence its number in the register, stays, with ``reason``. The
    hashes removed."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Write the reason the files are destroyed."), field="reason")
    if len(reason) > 2000:
        raise DomainError(_("At most %(max)d characters.", max=2000), field="reason")
    _decide(session, row, user, HoldState.PURGED, reason)
    hashes = list(row.hashes or [])
    hashes += [sha for sha in session.scalars(select(OcrScan.searchable_sha256).where(
        OcrScan.sha256.in_(hashes))) if sha]
    removed = _remove(hashes)
    audit.record(session, "quarantine_purged", row, user=user,
                 details={"kind": row.kind, "document_id": row.document_id,
                          "marking": row.marking, "reason": reason, "removed": removed})
    return removed


def _remove(hashes: Sequence[str]) -> list[str]:
    removed = []
    for sha in dict.fromkeys(hashes):
        path = storage.path_for(sha)
        try:
            os.unlink(path)
        except FileNotFoundError:
            continue
        removed.append(sha)
    return removed


def destroyed_reasons(session: Session, kind: str, document_ids: Iterable[int]
                      ) -> dict[int, str]:
    """``document id → reason`` for the documents of ``kind`` among ``document_ids`` whose
    files the office destroyed: the register keeps their number and shows the reason."""
    ids = sorted(set(document_ids))
    if not ids:
        return {}
    rows = session.execute(select(Quarantine.document_id, Quarantine.reason).where(
        Quarantine.kind == kind, Quarantine.document_id.in_(ids),
        Quarantine.state == HoldState.PURGED.value).order_by(Quarantine.id))
    return {doc_id: reason or "" for doc_id, reason in rows}


def destroyed_hashes(session: Session) -> set[str]:
    """The stored files the office destroyed (their documents' rows still point at them):
    `flask qlvb storage verify` reports them as destroyed, not missing."""
    found: set[str] = set()
    for hashes, in session.execute(select(Quarantine.hashes).where(
            Quarantine.state == HoldState.PURGED.value)):
        found.update(hashes or [])
    if found:
        found.update(sha for sha in session.scalars(select(OcrScan.searchable_sha256).where(
            OcrScan.sha256.in_(sorted(found)))) if sha)
    return found


def withheld_message(session: Session, sha256: str) -> str | None:
    """Why a stored file is not served (its document is withheld or its bytes destroyed),
    said to the users of the document's unit and those who see every unit; None when it
    is served, or for another unit's user (who learns nothing of it)."""
    rows = session.scalars(select(Quarantine).where(Quarantine.state.in_(HIDDEN_STATES)))
    unit_id, every = current_unit_id(), sees_all_units()
    for row in rows:
        if sha256 in (row.hashes or []) and (every or row.unit_id == unit_id):
            if row.state == HoldState.PURGED.value:
                return _("This file was destroyed: its document carries the secrecy marking "
                         "“%(marking)s” (Quy chế Điều 1).", marking=row.marking)
            return _("This file is withheld: its document carries the secrecy marking "
                     "“%(marking)s” and waits for the office's decision.",
                     marking=row.marking)
    return None


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


storage.register_destroyed(destroyed_hashes)
