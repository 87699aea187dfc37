"""Who sees which incoming documents, and the lists that track them (DOMAIN §5): the
visibility clause, the work waiting for a user, the tracking lists and the top bar's counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from app.core.calendar import add_working_days
from app.core.timeutil import local_today
from app.incoming.models import OPEN_STATES, Assignment, IncomingDocument, ReaderGrant
from app.incoming.services.common import is_unit_clerk, is_unit_head
from app.security import permissions as P
from app.security.models import AppUser
from app.security.services import user_can


def sees_whole_unit(session: Session, user: AppUser) -> bool:
    """Clerks and heads see all of their unit's incoming documents; an official does when
    the head granted it (DOMAIN §5, issue "Who sees what")."""
    if is_unit_clerk(user, user.unit_id) or is_unit_head(user, user.unit_id):
        return True
    return session.execute(
        select(ReaderGrant.id).where(ReaderGrant.user_id == user.id,
                                     ReaderGrant.unit_id == user.unit_id)).first() is not None


def visible_clause(session: Session, user: AppUser | None) -> ColumnElement[bool]:
    """The documents ``user`` may see, as a condition on IncomingDocument (office roles are
    handled by the caller): the unit's own when the user sees the whole unit, and those with
    an active assignment to the user (or, for a clerk or head, to the unit). The assignments
    are one uncorrelated subquery, computed once per query rather than probed per row."""
    if user is None or user.unit_id is None:
        return IncomingDocument.id.is_(None)
    parties = [Assignment.user_id == user.id]
    if is_unit_head(user, user.unit_id) or is_unit_clerk(user, user.unit_id):
        parties.append(Assignment.unit_id == user.unit_id)
    assigned = IncomingDocument.id.in_(
        select(Assignment.document_id).where(Assignment.active.is_(True), or_(*parties)))
    if sees_whole_unit(session, user):
        # "+ 0": the unit's rows are taken while walking the index of the list's order
        # (the first page stops after 25 rows) rather than all found by the unit index and
        # then sorted — a large unit holds hundreds of thousands of them.
        return or_((IncomingDocument.unit_id + 0) == user.unit_id, assigned)
    return assigned


def todo_clause(user: AppUser) -> ColumnElement[bool]:
    """Assignments waiting for ``user``'s work (Việc cần xử lý)."""
    conds = [Assignment.user_id == user.id]
    if user.unit_id is not None and is_unit_head(user, user.unit_id):
        conds.append(Assignment.unit_id == user.unit_id)
    return exists().where(
        Assignment.document_id == IncomingDocument.id, Assignment.active.is_(True),
        Assignment.completed_at.is_(None), or_(*conds),
        or_(Assignment.role != "inform", Assignment.read_at.is_(None)))


def near_due_limit(session: Session, today: date | None = None, days: int = 3) -> date:
    today = today or local_today()
    return add_working_days(session, today, days)


TRACKING: dict[str, Callable[[Session, date, int], ColumnElement[bool]]] = {
    "inbox": lambda s, today, days: IncomingDocument.state == "pending",
    "to_assign": lambda s, today, days: IncomingDocument.state == "registered",
    "in_progress": lambda s, today, days: IncomingDocument.state.in_(("assigned",
                                                                     "in_progress")),
    "near_due": lambda s, today, days: and_(
        IncomingDocument.state.in_(OPEN_STATES), IncomingDocument.deadline >= today,
        IncomingDocument.deadline <= near_due_limit(s, today, days)),
    "overdue": lambda s, today, days: and_(IncomingDocument.state.in_(OPEN_STATES),
                                           IncomingDocument.deadline < today),
    "done_on_time": lambda s, today, days: and_(IncomingDocument.state == "done",
                                                IncomingDocument.completed_late.is_(False)),
    "done_late": lambda s, today, days: and_(IncomingDocument.state == "done",
                                             IncomingDocument.completed_late.is_(True)),
}


def tracking_clause(session: Session, name: str, today: date | None = None,
                    days: int = 3) -> ColumnElement[bool]:
    """The condition of one tracking list (chờ vào sổ, chờ phân công, đang xử lý, sắp đến
    hạn, quá hạn, hoàn thành đúng hạn / trễ hạn)."""
    return TRACKING[name](session, today or local_today(), days)


def days_overdue(doc: IncomingDocument, today: date | None = None) -> int:
    today = today or local_today()
    if doc.state in OPEN_STATES and doc.deadline and doc.deadline < today:
        return (today - doc.deadline).days
    return 0


def counts_for(session: Session, user: AppUser | None, sees_all: bool = False) -> dict[str, int]:
    """The top bar's counts of new work for ``user`` (Điều 5.1): to receive, to assign,
    to process, overdue."""
    if user is None or user.unit_id is None:
        return {}
    today = local_today()
    out = {}
    unit = IncomingDocument.unit_id == user.unit_id

    def count(*conds: ColumnElement[bool]) -> int:
        return session.execute(select(func.count(IncomingDocument.id)).where(*conds)) \
            .scalar_one()

    if user_can(user, P.INTAKE, P.INCOMING, as_member=True):
        out["receive"] = count(unit, IncomingDocument.state == "pending")
    if user_can(user, P.ASSIGN, P.INCOMING, as_member=True):
        out["assign"] = count(unit, IncomingDocument.state == "registered")
    if user_can(user, P.PROCESS, P.INCOMING, as_member=True):
        out["process"] = count(todo_clause(user), IncomingDocument.state.in_(OPEN_STATES))
        overdue = [IncomingDocument.state.in_(OPEN_STATES), IncomingDocument.deadline < today]
        if sees_whole_unit(session, user):
            out["overdue"] = count(or_(unit, todo_clause(user)), *overdue)
        else:
            out["overdue"] = count(todo_clause(user), *overdue)
    return out
