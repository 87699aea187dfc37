"""The rules of hồ sơ công việc (docs/domain.md §9): the retention schedule, the file plan,
opening, filling and closing work files, the files due for transfer and keeping them
back, and the transfers checked by the agency archive.

Every change of a work file or a transfer goes through ``app.core.workflow.transition``
(the row locked, then its state checked); the plan is locked the same way before it is
changed. A broken rule raises ``DomainError`` (``ConflictError`` when the state refuses
the step) before anything is written."""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, selectinload

from app.core import audit, storage, workflow
from app.core.errors import DomainError
from app.core.scope import ScopeSettings
from app.core.timeutil import local_today, utcnow
from app.core.workflow import ConflictError, FileState
from app.incoming.models import IncomingDocument
from app.notifications.services import notify
from app.outgoing.models import OutgoingDocument
from app.records import policy
from app.records.models import (
    NOTATION_MAX,
    RETENTION_KINDS,
    TITLE_MAX,
    FileItem,
    FilePlan,
    PlanEntry,
    PlanHeading,
    RetentionRule,
    TransferBatch,
    TransferLine,
    WorkFile,
)
from app.security.models import AppUser
from app.security.services import unit_users_who_can
from app.units.models import Unit

TRANSFER_MIN_YEARS = 5       # files kept 5 years or more go to the archive
DUE_AFTER_MONTHS = 12        # … within 12 months of the end of the work
NOTIFY_DAYS = 30             # owners and heads are told 30 days before
KEEP_BACK_MAX_YEARS = 2      # a file kept back stays at most 2 years past its due date
_NOTATION = re.compile(r"^[0-9A-Za-zĐđ.\-/]+$")


def _text(value: str | None) -> str:
    return (value or "").strip()


def _refuse_if(condition: bool, message: str, field: str | None = None) -> None:
    if condition:
        raise DomainError(message, field=field)


# -- the retention schedule (docs/domain.md §9.1) ------------------------------------------

def add_rule(session: Session, user: AppUser, code: str, label: str, kind: str,
             years: int | None = None, event: str | None = None, source: str = "",
             example: bool = False) -> RetentionRule:
    code, label = _text(code), _text(label)
    _refuse_if(not code or len(code) > 20, _("The code is required (at most 20 characters)."),
               "code")
    _refuse_if(not label or len(label) > 255,
               _("The name is required (at most 255 characters)."), "label")
    _refuse_if(kind not in RETENTION_KINDS, _("Choose the kind of retention."), "kind")
    if kind == "permanent":
        years = None
    else:
        _refuse_if(years is None or not (1 <= years <= 100),
                   _("Give the number of years (1 to 100)."), "years")
    _refuse_if(kind == "event" and not _text(event), _("Name the event the years count from."),
               "event")
    _refuse_if(session.scalar(select(RetentionRule.id).where(RetentionRule.code == code))
               is not None, _("A retention rule with this code already exists."), "code")
    rule = RetentionRule(code=code, label=label, kind=kind, years=years,
                         event=_text(event) or None, source=_text(source)[:255],
                         example=example)
    session.add(rule)
    session.flush()
    audit.record(session, "retention_rule_added", rule, user=user,
                 details={"code": code, "text": rule.text()})
    return rule


def rule_in_use(session: Session, rule: RetentionRule) -> bool:
    return (session.scalar(select(PlanEntry.id).where(PlanEntry.retention_id == rule.id)
                           .limit(1)) is not None
            or session.scalar(select(WorkFile.id).where(WorkFile.retention_id == rule.id)
                              .limit(1)) is not None)


def delete_rule(session: Session, user: AppUser, rule: RetentionRule) -> None:
    """A rule that a plan entry or a file uses is never deleted."""
    workflow.lock(session, rule)
    if rule_in_use(session, rule):
        raise ConflictError(_("This retention rule is in use by a plan or a file: it cannot "
                              "be deleted."))
    audit.record(session, "retention_rule_deleted", rule, user=user,
                 details={"code": rule.code})
    session.delete(rule)


def transfers_to_archive(rule: RetentionRule) -> bool:
    """Files kept permanently or 5 years or more are transferred (docs/domain.md §9.6)."""
    return rule.kind == "permanent" or (rule.years or 0) >= TRANSFER_MIN_YEARS


# -- the file plan (docs/domain.md §9.2) ----------------------------------------------------

def create_plan(session: Session, user: AppUser, unit_id: int, year: int,
                numbering: str = "plan") -> FilePlan:
    _refuse_if(not policy.can_prepare_plan(user, None, unit_id),
               _("You may not prepare this unit's file plan."))
    _refuse_if(not (2000 <= year <= 2100), _("Choose a valid year."), "year")
    _refuse_if(numbering not in ("plan", "heading"), _("Choose how entries are numbered."),
               "numbering")
    _refuse_if(session.scalar(select(FilePlan.id).where(FilePlan.unit_id == unit_id,
                                                        FilePlan.year == year)) is not None,
               _("This unit already has a file plan for %(year)s.", year=year), "year")
    plan = FilePlan(unit_id=unit_id, year=year, numbering=numbering, state="draft",
                    created_by_id=user.id)
    session.add(plan)
    session.flush()
    audit.record(session, "file_plan_created", plan, user=user, details={"year": year})
    return plan


def _editable_plan(session: Session, user: AppUser, plan: FilePlan) -> None:
    workflow.lock(session, plan)
    _refuse_if(not policy.can_prepare_plan(user, plan),
               _("You may not prepare this unit's file plan."))
    if plan.state != "draft":
        raise ConflictError(_("An approved plan can no longer be changed."))


def copy_plan(session: Session, user: AppUser, source: FilePlan, year: int) -> FilePlan:
    """Next year's draft from ``source`` in one step: the headings and the entries with
    their numbers, titles, retention and owners."""
    plan = create_plan(session, user, source.unit_id, year, source.numbering)
    mapping: dict[int, PlanHeading] = {}
    for h in sorted(source.headings, key=lambda h: (h.parent_id is not None, h.position)):
        copy = PlanHeading(plan=plan, position=h.position, abbreviation=h.abbreviation,
                           title=h.title,
                           parent=mapping.get(h.parent_id) if h.parent_id else None)
        session.add(copy)
        mapping[h.id] = copy
    for e in source.entries:
        session.add(PlanEntry(plan=plan, heading=mapping[e.heading_id], position=e.position,
                              notation=e.notation, title=e.title, retention_id=e.retention_id,
                              owner_id=e.owner_id, note=e.note))
    session.flush()
    audit.record(session, "file_plan_copied", plan, user=user,
                 details={"from": source.year, "entries": len(source.entries)})
    return plan


def add_heading(session: Session, user: AppUser, plan: FilePlan, title: str,
                abbreviation: str = "", parent: PlanHeading | None = None) -> PlanHeading:
    """A main heading (Roman numeral, an abbreviation used in the entries' numbers) or a
    sub-heading of one (Arabic numeral)."""
    _editable_plan(session, user, plan)
    title, abbreviation = _text(title), _text(abbreviation).upper()
    _refuse_if(not title or len(title) > TITLE_MAX,
               _("The title is required (at most %(n)s characters).", n=TITLE_MAX), "title")
    if parent is None:
        _refuse_if(not abbreviation or len(abbreviation) > 12
                   or not _NOTATION.match(abbreviation),
                   _("A main heading needs an abbreviation of at most 12 letters or digits."),
                   "abbreviation")
    else:
        _refuse_if(parent.plan_id != plan.id or parent.parent_id is not None,
                   _("Choose a main heading of this plan."), "parent")
    siblings = [h for h in plan.headings if h.parent_id == (parent.id if parent else None)]
    heading = PlanHeading(plan=plan, parent=parent, title=title,
                          abbreviation=abbreviation if parent is None else "",
                          position=max((h.position for h in siblings), default=0) + 1)
    session.add(heading)
    session.flush()
    audit.record(session, "file_plan_heading_added", plan, user=user,
                 details={"title": title})
    return heading


def main_heading(heading: PlanHeading) -> PlanHeading:
    return heading.parent if heading.parent is not None else heading


def roman(n: int) -> str:
    out = ""
    for value, letters in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                           (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"),
                           (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + letters, n - value
    return out


def heading_number(heading: PlanHeading) -> str:
    return roman(heading.position) if heading.parent_id is None else str(heading.position)


def next_notation(plan: FilePlan, heading: PlanHeading) -> str:
    """The next số và ký hiệu: the next number (through the plan, or within the main
    heading, as the plan says) and the main heading's abbreviation, e.g. ``01.TCCB``."""
    main = main_heading(heading)
    if plan.numbering == "heading":
        same = [e for e in plan.entries if main_heading(e.heading).id == main.id]
    else:
        same = list(plan.entries)
    numbers = [int(m.group(1)) for e in same if (m := re.match(r"^(\d+)\.", e.notation))]
    return f"{max(numbers, default=0) + 1:02d}.{main.abbreviation}"


def check_notation(session: Session, plan: FilePlan, notation: str,
                   entry: PlanEntry | None = None) -> str:
    notation = _text(notation)
    _refuse_if(not notation, _("The number and symbol of the file is required."), "notation")
    _refuse_if(len(notation) > NOTATION_MAX,
               _("The number and symbol of the file is at most %(n)s characters.",
                 n=NOTATION_MAX), "notation")
    _refuse_if(not _NOTATION.match(notation),
               _("The number and symbol of the file holds letters, digits, dots and dashes "
                 "only."), "notation")
    taken = session.scalar(select(PlanEntry.id).where(PlanEntry.plan_id == plan.id,
                                                      PlanEntry.notation == notation))
    _refuse_if(taken is not None and (entry is None or taken != entry.id),
               _("The number and symbol %(n)s is already used in this plan.", n=notation),
               "notation")
    return notation


def check_title(title: str | None) -> str:
    title = _text(title)
    _refuse_if(not title, _("The title of the file is required."), "title")
    _refuse_if(len(title) > TITLE_MAX,
               _("The title of the file is at most %(n)s characters.", n=TITLE_MAX), "title")
    return title


def add_entry(session: Session, user: AppUser, plan: FilePlan, heading: PlanHeading,
              title: str, retention: RetentionRule | None, owner: AppUser | None = None,
              note: str = "", notation: str | None = None) -> PlanEntry:
    _editable_plan(session, user, plan)
    _refuse_if(heading.plan_id != plan.id, _("Choose a heading of this plan."), "heading")
    _refuse_if(retention is None, _("Choose the retention."), "retention")
    assert retention is not None
    title = check_title(title)
    notation = check_notation(session, plan, notation or next_notation(plan, heading))
    entry = PlanEntry(plan=plan, heading=heading, title=title, notation=notation,
                      retention_id=retention.id, owner_id=owner.id if owner else None,
                      note=_text(note)[:500] or None,
                      position=max((e.position for e in plan.entries), default=0) + 1)
    session.add(entry)
    session.flush()
    audit.record(session, "file_plan_entry_added", plan, user=user,
                 details={"notation": notation, "title": title})
    return entry


def _repack(items: Sequence[PlanHeading | PlanEntry]) -> None:
    """Number ``items`` 1, 2, 3 … in their order, with no gap (after a deletion)."""
    for n, item in enumerate(sorted(items, key=lambda i: i.position), 1):
        if item.position != n:
            item.position = n


def update_heading(session: Session, user: AppUser, plan: FilePlan, heading: PlanHeading,
                   title: str, abbreviation: str = "") -> PlanHeading:
    """While the plan is a draft, a heading's title (and a main heading's abbreviation)
    are corrected; an approved plan refuses it (409)."""
    _editable_plan(session, user, plan)
    if heading.plan_id != plan.id:
        raise LookupError(heading.id)
    title, abbreviation = _text(title), _text(abbreviation).upper()
    _refuse_if(not title or len(title) > TITLE_MAX,
               _("The title is required (at most %(n)s characters).", n=TITLE_MAX), "title")
    if heading.parent_id is None:
        _refuse_if(not abbreviation or len(abbreviation) > 12
                   or not _NOTATION.match(abbreviation),
                   _("A main heading needs an abbreviation of at most 12 letters or digits."),
                   "abbreviation")
        heading.abbreviation = abbreviation
    before = heading.title
    heading.title = title
    audit.record(session, "file_plan_heading_edited", plan, user=user,
                 details={"heading": heading.id, "before": before, "title": title})
    return heading


def delete_heading(session: Session, user: AppUser, plan: FilePlan,
                   heading: PlanHeading) -> None:
    """While the plan is a draft, an empty heading is deleted and its siblings renumbered;
    one that holds entries or sub-headings is refused."""
    _editable_plan(session, user, plan)
    if heading.plan_id != plan.id:
        raise LookupError(heading.id)
    _refuse_if(any(e.heading_id == heading.id for e in plan.entries)
               or any(h.parent_id == heading.id for h in plan.headings),
               _("This heading holds entries or sub-headings: delete them first."))
    plan.headings.remove(heading)
    session.delete(heading)
    _repack([h for h in plan.headings if h.parent_id == heading.parent_id])
    audit.record(session, "file_plan_heading_deleted", plan, user=user,
                 details={"heading": heading.id, "title": heading.title})


def update_entry(session: Session, user: AppUser, plan: FilePlan, entry: PlanEntry,
                 heading: PlanHeading | None, title: str, retention: RetentionRule | None,
                 owner: AppUser | None, note: str, notation: str) -> PlanEntry:
    """While the plan is a draft, an entry's heading, number, title, retention, owner and
    note are corrected; an approved plan refuses it (409)."""
    _editable_plan(session, user, plan)
    if entry.plan_id != plan.id:
        raise LookupError(entry.id)
    _refuse_if(heading is None or heading.plan_id != plan.id,
               _("Choose a heading of this plan."), "heading")
    _refuse_if(retention is None, _("Choose the retention."), "retention")
    assert heading is not None and retention is not None
    title = check_title(title)
    notation = check_notation(session, plan, notation, entry)
    before = {"notation": entry.notation, "title": entry.title,
              "retention": entry.retention_id, "owner": entry.owner_id}
    entry.heading, entry.title, entry.notation = heading, title, notation
    entry.retention_id, entry.retention = retention.id, retention
    entry.owner_id = owner.id if owner else None
    entry.note = _text(note)[:500] or None
    audit.record(session, "file_plan_entry_edited", plan, user=user, details={
        "entry": entry.id, "before": before,
        "after": {"notation": notation, "title": title, "retention": retention.id,
                  "owner": entry.owner_id}})
    return entry


def delete_entry(session: Session, user: AppUser, plan: FilePlan, entry: PlanEntry) -> None:
    """While the plan is a draft, an entry is deleted (no file is opened from a draft)."""
    _editable_plan(session, user, plan)
    if entry.plan_id != plan.id:
        raise LookupError(entry.id)
    plan.entries.remove(entry)
    session.delete(entry)
    _repack(plan.entries)
    audit.record(session, "file_plan_entry_deleted", plan, user=user,
                 details={"entry": entry.id, "notation": entry.notation,
                          "title": entry.title})


def approve_plan(session: Session, user: AppUser, plan: FilePlan, decision_number: str,
                 decision_date: date | None) -> FilePlan:
    """The head approves the plan with the number and date of the decision."""
    workflow.lock(session, plan)
    _refuse_if(not policy.can_approve_plan(user, plan),
               _("Only a head of the unit approves its file plan."))
    if plan.state != "draft":
        raise ConflictError(_("This plan is already approved."))
    decision_number = _text(decision_number)
    _refuse_if(not decision_number or len(decision_number) > 50,
               _("The number of the decision is required (at most 50 characters)."),
               "decision_number")
    _refuse_if(decision_date is None, _("The date of the decision is required."),
               "decision_date")
    _refuse_if(not plan.entries, _("A plan without entries cannot be approved."))
    plan.state, plan.decision_number, plan.decision_date = "approved", decision_number, \
        decision_date
    plan.approved_by_id, plan.approved_at = user.id, utcnow()
    audit.record(session, "file_plan_approved", plan, user=user,
                 details={"decision": decision_number, "entries": len(plan.entries)})
    return plan


def plan_totals(plan: FilePlan) -> tuple[int, int, int]:
    """(entries, permanent, time-limited): the footer of the printed plan."""
    permanent = sum(1 for e in plan.entries if e.retention.is_permanent())
    return len(plan.entries), permanent, len(plan.entries) - permanent


# -- work files (docs/domain.md §9.3–9.4) --------------------------------------------------

def organ_code(unit: Unit) -> str:
    """The agency's code (mã định danh) in a file code: that of the top unit."""
    top = unit
    while top.parent is not None:
        top = top.parent
    return top.code or top.abbreviation


def file_code(unit: Unit, year: int, notation: str) -> str:
    return f"{organ_code(unit)}.{year}.{notation}"


def open_file(session: Session, user: AppUser, entry: PlanEntry | None = None, *,
              title: str | None = None, notation: str | None = None,
              retention: RetentionRule | None = None, start_date: date | None = None,
              owner: AppUser | None = None, description: str | None = None) -> WorkFile:
    """Open a file from an entry of an approved plan (its data copied), or ad hoc (title,
    number and symbol, retention, owner and start date required)."""
    _refuse_if(not policy.can_open_file(user), _("You may not open work files."))
    owner = owner or user
    _refuse_if(owner.unit_id != user.unit_id, _("The owner must be of your unit."), "owner")
    start = start_date or local_today()
    if entry is not None:
        _refuse_if(entry.plan.state != "approved",
                   _("Files are opened from an approved plan only."), "entry")
        title = _text(title) or entry.title
        notation = entry.notation
        retention = retention or entry.retention
        year = entry.plan.year
    else:
        _refuse_if(start_date is None, _("The start date is required."), "start_date")
        _refuse_if(retention is None, _("Choose the retention."), "retention")
        year = start.year
    title = check_title(title)
    notation = _text(notation)
    _refuse_if(not notation or len(notation) > NOTATION_MAX or not _NOTATION.match(notation),
               _("The number and symbol of the file is required: at most %(n)s letters, "
                 "digits, dots or dashes.", n=NOTATION_MAX), "notation")
    assert retention is not None and owner.unit is not None
    code = file_code(owner.unit, year, notation)
    _refuse_if(session.scalar(select(WorkFile.id).where(WorkFile.code == code)) is not None,
               _("A file with the code %(code)s already exists.", code=code), "notation")
    f = WorkFile(unit_id=owner.unit_id, entry_id=entry.id if entry else None, year=year,
                 notation=notation, code=code, title=title, retention_id=retention.id,
                 owner_id=owner.id, state=FileState.OPEN, start_date=start,
                 description=_text(description)[:500] or None)
    session.add(f)
    session.flush()
    audit.record(session, "work_file_opened", f, user=user,
                 details={"code": code, "title": title})
    return f


def check_editable(session: Session, user: AppUser, f: WorkFile, action: str = "add") -> None:
    """Lock the file and check that it is open (409 otherwise) and that ``user`` keeps it."""
    workflow.transition(session, f, action)
    if not policy.can_edit_file(user, f):
        raise DomainError(_("Only the owner of the file and the heads of its unit change it."))


def update_file(session: Session, user: AppUser, f: WorkFile, title: str,
                retention: RetentionRule | None, owner: AppUser | None) -> WorkFile:
    """While the file is open, its title, retention and owner are corrected (audited,
    before and after); a closed file refuses it (409). The owner stays in the file's
    unit."""
    check_editable(session, user, f)
    title = check_title(title)
    _refuse_if(retention is None, _("Choose the retention."), "retention")
    _refuse_if(owner is None or owner.unit_id != f.unit_id or not owner.active,
               _("The owner must be of your unit."), "owner")
    assert retention is not None and owner is not None
    before = {"title": f.title, "retention": f.retention.code, "owner": f.owner.username}
    f.title = title
    f.retention_id, f.retention = retention.id, retention
    f.owner_id, f.owner = owner.id, owner
    after = {"title": title, "retention": retention.code, "owner": owner.username}
    if before != after:
        audit.record(session, "work_file_edited", f, user=user,
                     details={"code": f.code, "before": before, "after": after})
    return f


def delete_file(session: Session, user: AppUser, f: WorkFile) -> None:
    """A file opened by mistake is deleted while it is open and empty; a closed file, or
    one that holds documents, never is."""
    check_editable(session, user, f)
    _refuse_if(bool(f.items), _("The file holds documents: it cannot be deleted."))
    audit.record(session, "work_file_deleted", f, user=user, details={"code": f.code})
    session.delete(f)


def item_date(item: FileItem) -> date | None:
    if item.incoming is not None:
        return item.incoming.document_date or item.incoming.arrival_date
    if item.outgoing is not None:
        return item.outgoing.document_date or item.outgoing.created_at.date()
    return item.doc_date


def renumber(f: WorkFile) -> None:
    """Dense ordinals from 1 in the order of the documents' dates (then of their adding),
    the items left out without one (docs/domain.md §9.3)."""
    kept = [i for i in f.items if not i.left_out]
    kept.sort(key=lambda i: (item_date(i) or date.max, i.added_at, i.id or 0))
    for n, item in enumerate(kept, 1):
        if item.ordinal != n:
            item.ordinal = n
    for item in f.items:
        if item.left_out and item.ordinal is not None:
            item.ordinal = None


def add_document(session: Session, user: AppUser, f: WorkFile, kind: str, doc_id: int,
                 settings: ScopeSettings) -> FileItem:
    """Put an incoming or outgoing document of the file's unit in the file, as a link:
    the same document may sit in several files. A document the user may not see, or of
    another unit, is not found."""
    return add_documents(session, user, f, kind, [doc_id], settings)[0]


def add_documents(session: Session, user: AppUser, f: WorkFile, kind: str,
                  doc_ids: Sequence[int], settings: ScopeSettings) -> list[FileItem]:
    """Put several documents of one kind in the file in one locked step (a list's
    selection, docs/domain.md §9.3): all of them or none. One the user may not see, or
    of another unit, is not found (nothing is added); those already in the file are
    left as they are, and when every one is, the step is refused."""
    check_editable(session, user, f)
    ids = list(dict.fromkeys(doc_ids))
    _refuse_if(not ids, _("Choose the documents to add."), "doc_id")
    model: type[IncomingDocument] | type[OutgoingDocument]
    if kind == "incoming":
        model, column = IncomingDocument, FileItem.incoming_id
        seen = policy.visible_incoming(session, user, settings, ids)
    elif kind == "outgoing":
        model, column = OutgoingDocument, FileItem.outgoing_id
        seen = policy.visible_outgoing(session, user, settings, ids)
    else:
        raise DomainError(_("Choose an incoming or an outgoing document."), field="kind")
    units: dict[int, int] = {}
    for i in range(0, len(ids), 500):
        units.update((doc_id, unit_id) for doc_id, unit_id in session.execute(
            select(model.id, model.unit_id).where(model.id.in_(ids[i:i + 500]))))
    for doc_id in ids:
        if doc_id not in seen or units.get(doc_id) != f.unit_id:
            raise LookupError(doc_id)
    present = {d for i in range(0, len(ids), 500) for d in session.scalars(
        select(column).where(FileItem.file_id == f.id, column.in_(ids[i:i + 500])))}
    new = [d for d in ids if d not in present]
    _refuse_if(not new, _("This document is already in the file.") if len(ids) == 1
               else _("The chosen documents are already in the file."))
    now = utcnow()
    items = [FileItem(file=f, kind=kind, added_by_id=user.id, added_at=now,
                      **{column.key: d}) for d in new]
    session.add_all(items)
    session.flush()
    renumber(f)
    audit.record(session, "work_file_item_added", f, user=user,
                 details={"kind": kind, "documents": new, "already": sorted(present)})
    return items


def add_paper(session: Session, user: AppUser, f: WorkFile, stored: storage.StoredFile,
              subject: str, doc_date: date | None, symbol: str = "", author: str = "",
              type_name: str = "", pages: int | None = None) -> FileItem:
    """An internal paper uploaded into the file (a note, a photo, minutes of a meeting)."""
    check_editable(session, user, f)
    subject = _text(subject)
    _refuse_if(not subject, _("The summary of the paper is required."), "subject")
    _refuse_if(doc_date is None, _("The date of the paper is required."), "doc_date")
    _refuse_if(pages is not None and not (1 <= pages <= 9999),
               _("The number of pages is between 1 and 9999."), "pages")
    item = FileItem(file=f, kind="internal", subject=subject, doc_date=doc_date,
                    symbol=_text(symbol)[:100] or None,
                    author=_text(author)[:255] or (f.unit.name if f.unit else ""),
                    type_name=_text(type_name)[:100] or None, pages=pages,
                    file_name=stored.name, file_sha256=stored.sha256, file_size=stored.size,
                    added_by_id=user.id, added_at=utcnow())
    session.add(item)
    session.flush()
    renumber(f)
    audit.record(session, "work_file_item_added", f, user=user,
                 details={"kind": "internal", "subject": subject})
    return item


def _item_of(f: WorkFile, item_id: int) -> FileItem:
    item = next((i for i in f.items if i.id == item_id), None)
    if item is None:
        raise LookupError(item_id)
    return item


def remove_item(session: Session, user: AppUser, f: WorkFile, item_id: int) -> None:
    """While the file is open, a document put there by mistake leaves it (the document
    itself is untouched); once closed, nothing leaves a file."""
    check_editable(session, user, f)
    item = _item_of(f, item_id)
    f.items.remove(item)
    session.delete(item)
    session.flush()
    renumber(f)
    audit.record(session, "work_file_item_removed", f, user=user,
                 details={"item": item_id, "kind": item.kind})


def leave_out(session: Session, user: AppUser, f: WorkFile, item_id: int,
              reason: str | None) -> None:
    """Mark a draft or a duplicate as left out (kept, without an ordinal); ``None`` puts
    it back."""
    check_editable(session, user, f)
    item = _item_of(f, item_id)
    _refuse_if(reason not in (None, "draft", "duplicate"),
               _("Choose draft or duplicate."), "reason")
    item.left_out = reason
    renumber(f)
    audit.record(session, "work_file_item_left_out", f, user=user,
                 details={"item": item_id, "reason": reason})


def item_pages(item: FileItem) -> int:
    if item.incoming is not None:
        main = item.incoming.main_file()
        return item.incoming.page_count or (main.pages if main is not None else 0) or 0
    if item.outgoing is not None:
        final = item.outgoing.final_file()
        return item.outgoing.page_count or (final.pages if final is not None else 0) or 0
    return item.pages or 0


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date_of(f: WorkFile) -> date | None:
    """12 months after the end of the work, for files kept 5 years or more; for a
    retention counted from an event, none until the event's date is recorded, then 12
    months after the later of the end of the work and the event (docs/domain.md §9.6)."""
    if f.end_date is None or not transfers_to_archive(f.retention):
        return None
    if f.retention.kind == "event":
        if f.event_date is None:
            return None
        return add_months(max(f.end_date, f.event_date), DUE_AFTER_MONTHS)
    return add_months(f.end_date, DUE_AFTER_MONTHS)


def record_event(session: Session, user: AppUser, f: WorkFile, day: date | None) -> WorkFile:
    """Record the date of the event a file's retention counts from ("khi hết hiệu lực"):
    a closed file then has its due date (docs/domain.md §9.6). The owner, the heads of the
    unit or the archive record it, on a file not yet transferred."""
    workflow.transition(session, f, "record_event")
    _refuse_if(not (policy.can_edit_file(user, f) or policy.is_archivist(user)),
               _("Only the owner of the file and the heads of its unit change it."))
    _refuse_if(f.retention.kind != "event",
               _("The retention of this file does not count from an event."))
    _refuse_if(day is None, _("The date of the event is required."), "event_date")
    assert day is not None
    _refuse_if(day < f.start_date,
               _("The event cannot come before the start of the file (%(day)s).",
                 day=f.start_date.strftime("%d/%m/%Y")), "event_date")
    before = f.event_date
    f.event_date = day
    if f.state == FileState.CLOSED:
        f.due_date = due_date_of(f)
        f.due_notified = False
    audit.record(session, "work_file_event_recorded", f, user=user, details={
        "code": f.code, "event": f.retention.event, "date": day.isoformat(),
        "before": before.isoformat() if before else None})
    return f


def close_file(session: Session, user: AppUser, f: WorkFile, title: str | None = None,
               retention: RetentionRule | None = None) -> WorkFile:
    """Close a file whose work is done: the title and retention confirmed, the dates,
    the totals and the due date computed; from then on it is read-only."""
    check_editable(session, user, f, "close")
    # The items with their documents and files in a few queries (held here: the session
    # keeps only the objects someone refers to).
    loaded = items_loaded(session, f)
    kept = [i for i in loaded if not i.left_out]
    _refuse_if(not kept, _("An empty file cannot be closed: add its documents first."))
    f.title = check_title(title if title is not None else f.title)
    if retention is not None:
        f.retention_id, f.retention = retention.id, retention
    renumber(f)
    dates = [d for d in (item_date(i) for i in kept) if d is not None]
    f.start_date = min([*dates, f.start_date]) if dates else f.start_date
    f.end_date = max(dates) if dates else local_today()
    f.doc_total = len(kept)
    f.page_total = sum(item_pages(i) for i in kept)
    f.closed_at = utcnow()
    f.due_date = due_date_of(f)
    f.due_notified = False
    workflow.apply(f, workflow.rule(workflow.WORK_FILE, "close"))
    audit.record(session, "work_file_closed", f, user=user,
                 details={"code": f.code, "documents": f.doc_total, "pages": f.page_total})
    return f


def reopen_file(session: Session, user: AppUser, f: WorkFile, reason: str | None) -> WorkFile:
    """Only the archive role reopens a closed file, with a reason."""
    r = workflow.transition(session, f, "reopen")
    _refuse_if(not policy.is_archivist(user),
               _("Only the agency archive (Lưu trữ cơ quan) reopens a closed file."))
    reason = _text(reason)
    _refuse_if(not reason, _("Give the reason for reopening the file."), "reason")
    workflow.apply(f, r)
    f.closed_at = f.due_date = None
    f.keep_back_ref = f.keep_back_until = None
    audit.record(session, "work_file_reopened", f, user=user,
                 details={"code": f.code, "reason": reason})
    return f


def keep_back(session: Session, user: AppUser, f: WorkFile, reference: str | None,
              until: date | None) -> WorkFile:
    """Keep a file due for transfer at the unit: an approval reference, at most 2 years
    past the due date."""
    check_editable(session, user, f, "keep_back")
    reference = _text(reference)
    _refuse_if(f.due_date is None, _("This file is not transferred to the archive."))
    assert f.due_date is not None
    _refuse_if(not reference or len(reference) > 255,
               _("The reference of the approval is required."), "reference")
    _refuse_if(until is None, _("The date until which the file is kept is required."),
               "until")
    assert until is not None
    limit = add_months(f.due_date, 12 * KEEP_BACK_MAX_YEARS)
    _refuse_if(until > limit,
               _("A file is kept back at most 2 years past its due date (until %(day)s).",
                 day=limit.strftime("%d/%m/%Y")), "until")
    _refuse_if(until <= f.due_date, _("Keep the file until a date after its due date."),
               "until")
    f.keep_back_ref, f.keep_back_until = reference, until
    audit.record(session, "work_file_kept_back", f, user=user,
                 details={"reference": reference, "until": until.isoformat()})
    return f


def due_clause(today: date, within_days: int = 0) -> tuple[ColumnElement[bool], ...]:
    horizon = today + timedelta(days=within_days)
    return (WorkFile.state == FileState.CLOSED, WorkFile.due_date.is_not(None),
            WorkFile.due_date <= horizon,
            or_(WorkFile.keep_back_until.is_(None), WorkFile.keep_back_until < horizon))


def due_files(session: Session, today: date | None = None, within_days: int = 0,
              extra: Sequence[ColumnElement[bool]] = ()) -> list[WorkFile]:
    """Closed files due for transfer by ``today`` + ``within_days`` (those kept back:
    when the keeping ends)."""
    today = today or local_today()
    query = select(WorkFile).where(*due_clause(today, within_days), *extra)
    return list(session.scalars(query.order_by(WorkFile.due_date, WorkFile.code)))


def notify_due(session: Session, today: date | None = None) -> int:
    """Tell the owners and heads of the files due within 30 days, once per file."""
    count = 0
    for f in due_files(session, today, NOTIFY_DAYS, [WorkFile.due_notified.is_(False)]):
        heads = unit_users_who_can(session, f.unit_id, "can_assign", "IncomingDocument")
        notify(session, [f.owner, *heads],
               _("The file %(code)s is due for transfer to the archive on %(day)s.",
                 code=f.code, day=f.due_date.strftime("%d/%m/%Y") if f.due_date else ""),
               link=f"/records/files/{f.id}")
        f.due_notified = True
        count += 1
    return count


# -- transfers (docs/domain.md §9.7) --------------------------------------------------------

def create_transfer(session: Session, user: AppUser, files: Iterable[WorkFile],
                    condition: str = "") -> TransferBatch:
    """Send closed files of the user's unit kept 5 years or more to the archive."""
    files = sorted(set(files), key=lambda f: f.id)
    _refuse_if(not files, _("Choose the files to transfer."))
    _refuse_if(not policy.can_make_transfer(user, user.unit_id),
               _("You may not transfer your unit's files."))
    workflow.lock_all(session, files)
    for f in files:
        if f.unit_id != user.unit_id:
            raise LookupError(f.id)
        workflow.transition(session, f, "submit", locked=False)
        _refuse_if(not transfers_to_archive(f.retention),
                   _("The file %(code)s is kept less than 5 years: it stays at the unit.",
                     code=f.code))
    batch = TransferBatch(unit_id=user.unit_id, year=local_today().year, giver_id=user.id,
                          state="sent", condition=_text(condition)[:500])
    session.add(batch)
    for n, f in enumerate(sorted(files, key=lambda f: f.code), 1):
        session.add(TransferLine(batch=batch, file=f, position=n))
        workflow.apply(f, workflow.rule(workflow.WORK_FILE, "submit"))
    session.flush()
    audit.record(session, "transfer_sent", batch, user=user,
                 details={"files": [f.code for f in files]})
    return batch


def stored_hashes(item: FileItem) -> list[str]:
    """The stored files of an item: the document's files, or the paper's."""
    if item.incoming is not None:
        return [x.sha256 for x in item.incoming.files]
    if item.outgoing is not None:
        kept = [x for x in item.outgoing.files if x.kind != "draft"]
        return [x.sha256 for x in (kept or item.outgoing.files)]
    return [item.file_sha256] if item.file_sha256 else []


@dataclass
class Check:
    ok: bool
    lines: list[str]


def check_file(session: Session, f: WorkFile) -> Check:
    """The archive's checks of a transferred file: no duplicate in the archive, metadata
    complete, every stored file intact (SHA-256), contents equal to the index."""
    lines, ok = [], True
    dup = session.scalar(select(func.count(TransferLine.id)).where(
        TransferLine.file_id != f.id, TransferLine.result == "accepted")
        .join(WorkFile, WorkFile.id == TransferLine.file_id).where(WorkFile.code == f.code))
    if dup:
        ok = False
        lines.append(_("Duplicate: the archive already holds a file %(code)s.", code=f.code))
    missing = [name for name, value in (
        (_("title"), f.title), (_("number and symbol"), f.notation),
        (_("start date"), f.start_date), (_("end date"), f.end_date),
        (_("owner"), f.owner_id)) if not value]
    kept = [i for i in f.items if not i.left_out]
    undated = [i.ordinal for i in kept if item_date(i) is None]
    if missing or undated:
        ok = False
        lines.append(_("Metadata missing: %(fields)s.", fields=", ".join(
            [str(m) for m in missing] + [f"#{n}" for n in undated])))
    bad: list[str] = []
    count = 0
    for item in kept:
        for sha in stored_hashes(item):
            count += 1
            verdict = storage.verify_file(sha)
            if verdict != "ok":
                bad.append(f"#{item.ordinal}: {sha[:12]}… {verdict}")
    if bad:
        ok = False
        lines.append(_("Stored files not intact: %(list)s.", list="; ".join(bad)))
    else:
        lines.append(_("%(n)s stored files intact (SHA-256).", n=count))
    if f.doc_total != len(kept) or f.page_total != sum(item_pages(i) for i in kept):
        ok = False
        lines.append(_("The contents differ from the index of the file."))
    if ok:
        lines.append(_("Metadata complete; contents equal to the index."))
    return Check(ok, lines)


def check_line(session: Session, user: AppUser, batch: TransferBatch, line_id: int,
               accept: bool, reason: str | None = None) -> TransferLine:
    """The archive accepts a file (it passes into the archive's custody, read-only for the
    unit) or returns it to the unit with a reason."""
    workflow.transition(session, batch, "check")
    _refuse_if(not policy.can_check_transfer(user),
               _("Only the agency archive (Lưu trữ cơ quan) checks transfers."))
    line = next((x for x in batch.lines if x.id == line_id), None)
    if line is None:
        raise LookupError(line_id)
    if line.result != "pending":
        raise ConflictError(_("This file was already checked."))
    f = line.file
    r = workflow.transition(session, f, "accept" if accept else "return")
    check = check_file(session, f)
    reason = _text(reason)
    if accept:
        _refuse_if(not check.ok, _("The file did not pass the checks: return it with a "
                                   "reason.") + " " + " ".join(check.lines))
    else:
        _refuse_if(not reason, _("Give the reason for returning the file."), "reason")
    workflow.apply(f, r)
    line.result = "accepted" if accept else "returned"
    line.reason = reason or None
    line.report = "\n".join(check.lines)
    line.checked_by_id, line.checked_at = user.id, utcnow()
    if all(x.result != "pending" for x in batch.lines):
        batch.state, batch.checked_at, batch.receiver_id = "done", utcnow(), user.id
    audit.record(session, "transfer_file_" + line.result, batch, user=user,
                 details={"file": f.code, "reason": reason, "checks": check.lines})
    return line


def transfer_totals(batch: TransferBatch) -> dict[str, int]:
    """What the minutes count: the files (the lines of the index), their documents,
    pages and stored files."""
    files = [x.file for x in batch.lines]
    return {
        "files": len(batch.lines),
        "documents": sum(f.doc_total for f in files),
        "pages": sum(f.page_total for f in files),
        "stored": sum(len(stored_hashes(i)) for f in files for i in f.items
                      if not i.left_out),
    }


# -- reading ------------------------------------------------------------------------------

def items_loaded(session: Session, f: WorkFile) -> list[FileItem]:
    """The file's items with their documents, in one go (for the index and the export)."""
    from app.incoming.models import IncomingDocument as In
    from app.outgoing.models import OutgoingDocument as Out

    query = (select(FileItem).where(FileItem.file_id == f.id)
             .options(selectinload(FileItem.incoming).selectinload(In.files),
                      selectinload(FileItem.incoming).joinedload(In.document_type),
                      selectinload(FileItem.outgoing).selectinload(Out.files),
                      selectinload(FileItem.outgoing).joinedload(Out.document_type))
             .order_by(FileItem.ordinal.is_(None), FileItem.ordinal, FileItem.id))
    return list(session.scalars(query))


def filed_codes(session: Session, kind: str, doc_ids: Sequence[int]) -> dict[int, str]:
    """The codes of the files each document sits in ("; "-joined): the registers' file
    copy column."""
    column = FileItem.incoming_id if kind == "incoming" else FileItem.outgoing_id
    out: dict[int, list[str]] = {}
    for i in range(0, len(doc_ids), 500):
        rows = session.execute(select(column, WorkFile.code)
                               .join(WorkFile, WorkFile.id == FileItem.file_id)
                               .where(column.in_(doc_ids[i:i + 500]))
                               .order_by(WorkFile.code))
        for doc_id, code in rows:
            out.setdefault(doc_id, []).append(code)
    return {k: "; ".join(v) for k, v in out.items()}
