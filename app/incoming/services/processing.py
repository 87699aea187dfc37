"""The work on an incoming document once directed (docs/domain.md §5.5–5.6): progress notes and
opinions, the informed parties' reading, and the lead's completion."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core import audit, workflow
from app.core.errors import DomainError
from app.core.storage import StoredFile
from app.core.timeutil import local_today, utcnow
from app.core.workflow import ConflictError
from app.incoming.models import Assignment, IncomingDocument, ProgressNote
from app.incoming.policy import can_complete, is_unit_head
from app.incoming.services.common import _link, _title, nfc, send_status
from app.incoming.services.entry import _add_file
from app.notifications.services import notify
from app.security.models import AppUser


def my_assignments(doc: IncomingDocument, user: AppUser) -> list[Assignment]:
    """The active assignments through which ``user`` works on ``doc``: in their own name,
    or as a head of an assigned unit."""
    out = []
    for a in doc.assignments:
        if not a.active:
            continue
        if a.user_id == user.id or (a.unit_id is not None and is_unit_head(user, a.unit_id)):
            out.append(a)
    return out


def _start(session: Session, doc: IncomingDocument, user: AppUser) -> None:
    if workflow.allows(doc, "start"):
        rule = workflow.transition(session, doc, "start")
        workflow.apply(doc, rule)
        doc.started_at = utcnow()
        if rule.exchange:
            send_status(session, doc, rule.exchange, user)


def _refuse_repeated_note(session: Session, doc: IncomingDocument, user: AppUser, kind: str,
                          text: str, files: Sequence[StoredFile]) -> None:
    """The same note twice in a row by the same person (a double click, a retry) is kept
    once."""
    last = session.execute(
        select(ProgressNote).where(ProgressNote.document_id == doc.id,
                                   ProgressNote.user_id == user.id)
        .order_by(ProgressNote.id.desc()).limit(1)).scalars().first()
    if last is None or last.kind != kind or (last.text or "") != text:
        return
    kept = sorted(f.sha256 for f in doc.files if f.note_id == last.id)
    if kept == sorted(f.sha256 for f in files):
        raise ConflictError(_("This note was already added."))



def add_note(session: Session, doc: IncomingDocument, user: AppUser, text: str,
             files: Sequence[StoredFile] = ()) -> ProgressNote:
    """A progress note (lead) or an opinion (cooperating party), with result files; the
    first one starts the processing (status 05)."""
    workflow.lock(session, doc)
    mine = [a for a in my_assignments(doc, user) if a.role in ("lead", "cooperate")]
    if not mine:
        raise DomainError(_("Only the lead and cooperating parties can add notes."))
    workflow.transition(session, doc, "note")
    text = nfc(text)
    if not text and not files:
        raise DomainError(_("Write the note or attach a file."), field="text")
    if len(text) > 5000:
        raise DomainError(_("At most %(max)d characters.", max=5000), field="text")
    assignment = next((a for a in mine if a.role == "lead"), mine[0])
    kind = "progress" if assignment.role == "lead" else "opinion"
    _refuse_repeated_note(session, doc, user, kind, text, files)
    note = ProgressNote(document=doc, assignment=assignment, user_id=user.id, kind=kind,
                        text=text)
    session.add(note)
    session.flush()
    for stored in files:
        _add_file(session, doc, stored, "result", user, note=note)
    if assignment.started_at is None:
        assignment.started_at = utcnow()
    _start(session, doc, user)
    audit.record(session, "incoming_note", doc, user=user,
                 details={"kind": kind, "files": [f.sha256 for f in files]})
    return note


def mark_read(session: Session, doc: IncomingDocument, user: AppUser) -> list[Assignment]:
    """An informed party (để biết) confirms reading."""
    workflow.lock(session, doc)
    informed = [a for a in my_assignments(doc, user) if a.role == "inform"]
    mine = [a for a in informed if a.read_at is None]
    if not mine:
        raise (ConflictError if informed else DomainError)(
            _("There is nothing for you to confirm on this document."))
    now = utcnow()
    for a in mine:
        a.read_at = now
    session.add(ProgressNote(document=doc, assignment=mine[0], user_id=user.id, kind="read",
                             text=""))
    audit.record(session, "incoming_read", doc, user=user)
    return mine


def complete(session: Session, doc: IncomingDocument, user: AppUser, result: str,
             files: Sequence[StoredFile] = ()) -> IncomingDocument:
    """Only the lead completes (docs/domain.md §5.5–5.6); past the deadline it is recorded as
    late. Sends status 06."""
    workflow.lock(session, doc)
    if not can_complete(doc, user):
        raise DomainError(_("Only the lead (chủ trì) can complete this document."))
    rule = workflow.transition(session, doc, "complete")
    result = nfc(result)
    if not result:
        raise DomainError(_("Write the result of the processing."), field="result")
    if len(result) > 5000:
        raise DomainError(_("At most %(max)d characters.", max=5000), field="result")
    lead = doc.lead()
    note = ProgressNote(document=doc, assignment=lead, user_id=user.id, kind="completion",
                        text=result)
    session.add(note)
    session.flush()
    for stored in files:
        _add_file(session, doc, stored, "result", user, note=note)
    _start(session, doc, user)
    now = utcnow()
    today = local_today()
    workflow.apply(doc, rule)
    doc.completed_at = now
    doc.completed_late = bool(doc.deadline and today > doc.deadline)
    doc.result_summary = result
    for a in doc.assignments:
        if a.active and a.role != "inform" and a.completed_at is None:
            a.completed_at = now
    audit.record(session, "incoming_completed", doc, user=user,
                 details={"late": doc.completed_late})
    if rule.exchange:
        send_status(session, doc, rule.exchange, user)
    if doc.directed_by_id and doc.directed_by_id != user.id:
        notify(session, [session.get(AppUser, doc.directed_by_id)],
               _l("Completed: %(number)s %(title)s", number=doc.number_label(),
                 title=_title(doc)), link=_link(doc))
    return doc

