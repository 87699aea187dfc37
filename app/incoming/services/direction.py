"""The head's direction of an incoming document (phân công, docs/domain.md §5.5): the parties
(one lead, cooperating and informed ones) with their deadlines, and the sub-assignment of a
unit's share to its own officials."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.core import audit, inputs, workflow
from app.core.calendar import add_working_days
from app.core.errors import DomainError
from app.core.timeutil import local_today, utcnow
from app.core.workflow import ConflictError, ExchangeCode, IncomingState
from app.incoming.models import ASSIGNMENT_ROLES, Assignment, IncomingDocument
from app.incoming.policy import is_unit_head
from app.incoming.services.common import (
    _heads,
    _link,
    _title,
    nfc,
    send_status,
)
from app.notifications.services import notify
from app.security.models import AppUser
from app.units.models import Unit


@dataclass
class Party:
    """One party of a direction: a unit or an official, with its deadline."""

    role: str
    unit_id: int | None = None
    user_id: int | None = None
    deadline: date | None = None
    instruction: str = ""


def default_deadline(session: Session, doc: IncomingDocument) -> date:
    """The lead's default deadline: the type's processing days counted in working days
    from arrival, never after a reply deadline (Quy chế Điều 6)."""
    days = doc.document_type.processing_days if doc.document_type else 10
    start = doc.arrival_date or local_today()
    deadline = add_working_days(session, start, days)
    if doc.reply_deadline and doc.reply_deadline < deadline:
        deadline = doc.reply_deadline
    return deadline


def _check_parties(session: Session, doc: IncomingDocument, parties: Sequence[Party],
                   not_before: date, not_after: date | None = None,
                   unit_id: int | None = None) -> None:
    """Parties of a direction (``unit_id`` None) or of a sub-assignment within ``unit_id``.
    Officials are always of the assigning unit: another unit's officials are reached
    through that unit, whose head sub-assigns."""
    leads = [p for p in parties if p.role == "lead"]
    if len(leads) != 1 or (leads[0].unit_id is None and leads[0].user_id is None):
        raise DomainError(_("Choose exactly one lead (chủ trì)."), field="lead")
    seen = set()
    for p in parties:
        if p.role not in ("lead", "cooperate", "inform"):
            raise DomainError(_("Unknown kind of assignment."))
        if (p.unit_id is None) == (p.user_id is None):
            raise DomainError(_("Each party is either a unit or an official."))
        key = ("u", p.unit_id) if p.unit_id else ("p", p.user_id)
        if key in seen:
            raise DomainError(_("A unit or official appears twice in the assignment."))
        seen.add(key)
        with session.no_autoflush:
            if p.unit_id is not None:
                unit = session.get(Unit, p.unit_id)
                if unit is None or not unit.active:
                    raise DomainError(_("Choose an active unit."))
                if unit_id is not None:
                    raise DomainError(_("Sub-assign only to officials of your own unit."))
            else:
                person = session.get(AppUser, p.user_id)
                if person is None or not person.is_active or person.unit_id is None:
                    raise DomainError(_("Choose an active official."))
                if unit_id is not None and person.unit_id != unit_id:
                    raise DomainError(_("Sub-assign only to officials of your own unit."))
                if unit_id is None and person.unit_id != doc.unit_id:
                    raise DomainError(_("Assign officials of another unit through that unit: "
                                        "choose the unit, its head assigns its officials."))
        if p.role == "inform":
            p.deadline = None
            continue
        if p.deadline is None:
            raise DomainError(_("Set the deadline."), field="deadline")
        inputs.check_deadline(p.deadline)
        if p.deadline < not_before:
            raise DomainError(_("The deadline cannot be before the arrival date (%(d)s).",
                                d=not_before.strftime("%d/%m/%Y")), field="deadline")
        if not_after is not None and p.deadline > not_after:
            raise DomainError(_("The deadline cannot be after the deadline you were given "
                                "(%(d)s).", d=not_after.strftime("%d/%m/%Y")),
                              field="deadline")


def _same_parties(active: Sequence[Assignment], parties: Sequence[Party],
                  parent_role: str = "lead") -> bool:
    """Whether the active assignments ``active`` are already exactly ``parties`` (a repeated
    request: it must not replace them with a copy of themselves)."""
    def role(p: str) -> str:
        return p if parent_role == "lead" else ("cooperate" if p == "lead" else p)

    def key(role_: str, unit_id: int | None, user_id: int | None, deadline: date | None,
            instruction: str | None) -> tuple:
        return (role_, unit_id, user_id, deadline if role_ != "inform" else None,
                nfc(instruction) or None)

    have = sorted((key(a.role, a.unit_id, a.user_id, a.deadline, a.instruction)
                   for a in active), key=repr)
    want = sorted((key(role(p.role), p.unit_id, p.user_id, p.deadline, p.instruction)
                   for p in parties), key=repr)
    return bool(have) and have == want


def _notify_party(session: Session, doc: IncomingDocument, assignment: Assignment) -> None:
    if assignment.user_id is not None:
        people = [session.get(AppUser, assignment.user_id)]
    else:
        people = _heads(session, assignment.unit_id)
    notify(session, people,
           _l("Assigned to you (%(role)s): %(number)s %(title)s",
              role=ASSIGNMENT_ROLES.get(assignment.role, assignment.role),
              number=doc.number_label(), title=_title(doc)),
           link=_link(doc), urgent=doc.is_urgent())


def assign(session: Session, doc: IncomingDocument, user: AppUser, direction: str,
           parties: Sequence[Party]) -> list[Assignment]:
    """The head's direction (phân công, docs/domain.md §5.5): ý kiến chỉ đạo and exactly one lead,
    any cooperating and informed parties, each with a deadline; a new direction replaces
    the previous one. Sends status 04 to an internal sender."""
    if not is_unit_head(user, doc.unit_id):
        raise DomainError(_("Only a head of the receiving unit can assign this document."))
    rule = workflow.transition(session, doc, "assign")
    direction = nfc(direction)
    if len(direction) > 5000:
        raise DomainError(_("At most %(max)d characters.", max=5000), field="direction")
    _check_parties(session, doc, parties, not_before=doc.arrival_date)
    if (doc.state == IncomingState.ASSIGNED and (doc.direction or "") == direction
            and _same_parties([a for a in doc.assignments
                               if a.active and a.parent_id is None], parties)):
        raise ConflictError(_("This document was already assigned exactly so."))
    for old in doc.assignments:
        old.active = False
    now = utcnow()
    created = []
    for p in parties:
        a = Assignment(document=doc, role=p.role, unit_id=p.unit_id, user_id=p.user_id,
                       deadline=p.deadline, instruction=nfc(p.instruction) or None,
                       assigned_at=now, assigned_by_id=user.id, active=True)
        session.add(a)
        created.append(a)
    lead = next(a for a in created if a.role == "lead")
    doc.direction = direction or None
    doc.directed_at = now
    doc.directed_by_id = user.id
    doc.deadline = lead.deadline
    workflow.apply(doc, rule)
    session.flush()
    audit.record(session, "incoming_assigned", doc, user=user, details={
        "direction": direction,
        "parties": [{"role": a.role, "unit": a.unit_id, "user": a.user_id,
                     "deadline": a.deadline.isoformat() if a.deadline else None}
                    for a in created]})
    send_status(session, doc, ExchangeCode.ASSIGNED, user)
    for a in created:
        _notify_party(session, doc, a)
    return created


def sub_assign(session: Session, parent: Assignment, user: AppUser,
               parties: Sequence[Party]) -> list[Assignment]:
    """The head of a lead or cooperating unit hands the work to its own officials, with
    deadlines no later than the unit's (docs/domain.md §5.5)."""
    doc = parent.document
    workflow.lock(session, doc)  # the document's lock guards its assignments too
    if parent.unit_id is None or not parent.active or not is_unit_head(user, parent.unit_id):
        raise DomainError(_("Only a head of the assigned unit can sub-assign."))
    workflow.transition(session, doc, "sub_assign")
    _check_parties(session, doc, parties, not_before=doc.arrival_date,
                   not_after=parent.deadline, unit_id=parent.unit_id)
    if _same_parties([a for a in doc.assignments if a.active and a.parent_id == parent.id],
                     parties, parent.role):
        raise ConflictError(_("This document was already assigned exactly so."))
    for old in doc.assignments:
        if old.parent_id == parent.id:
            old.active = False
    created = []
    for p in parties:
        role = p.role if parent.role == "lead" else ("cooperate" if p.role == "lead"
                                                       else p.role)
        a = Assignment(document=doc, parent_id=parent.id, role=role, user_id=p.user_id,
                       unit_id=p.unit_id, deadline=p.deadline,
                       instruction=nfc(p.instruction) or None, assigned_by_id=user.id)
        session.add(a)
        created.append(a)
    session.flush()
    audit.record(session, "incoming_sub_assigned", doc, user=user, details={
        "parent": parent.id,
        "parties": [{"role": a.role, "user": a.user_id} for a in created]})
    for a in created:
        _notify_party(session, doc, a)
    return created

