"""The lists that track incoming documents (docs/domain.md §5): the tracking lists, the days
overdue and the top bar's counts. Who sees which document is app/incoming/policy.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, and_, bindparam, exists, func, select
from sqlalchemy.orm import Session, defer, joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.calendar import add_working_days
from app.core.timeutil import local_today
from app.incoming.models import (
    OPEN_STATES,
    Assignment,
    IncomingDocument,
    IncomingFile,
    ProgressNote,
)
from app.incoming.policy import concern_clause, todo_clause
from app.security import permissions as P
from app.security.models import AppUser
from app.security.services import user_can


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
        out["overdue"] = count(concern_clause(session, user),
                               IncomingDocument.state.in_(OPEN_STATES),
                               IncomingDocument.deadline < today)
    return out


@cache
def _page_part_statements() -> tuple[Any, tuple[tuple[str, Any], ...]]:
    """(which of the parts after the files the document has, (relation, statement) of each
    part of the document page), built once: a statement made once keeps its cache key, so
    running it again costs no compiling."""
    doc_id: Any = bindparam("doc_id")
    reply = IncomingDocument.replies.property.mapper.class_  # the outgoing draft
    present = select(exists().where(Assignment.document_id == doc_id),
                     exists().where(ProgressNote.document_id == doc_id),
                     exists().where(reply.reply_to_id == doc_id))
    return present, (
        ("files", select(IncomingFile).where(IncomingFile.document_id == doc_id)
         .order_by(IncomingFile.id).options(defer(cast(Any, IncomingFile.text_content)))),
        ("assignments", select(Assignment).where(Assignment.document_id == doc_id)
         .order_by(Assignment.id).options(joinedload(Assignment.unit).lazyload("*"),
                                          joinedload(Assignment.user).lazyload("*"),
                                          lazyload("*"))),
        ("notes_list", select(ProgressNote).where(ProgressNote.document_id == doc_id)
         .order_by(ProgressNote.id).options(joinedload(ProgressNote.user).lazyload("*"),
                                            lazyload("*"))),
        ("replies", select(reply).where(reply.reply_to_id == doc_id)
         .order_by(reply.id).options(lazyload("*"))),
    )


def read_page_parts(session: Session, doc: IncomingDocument) -> None:
    """For the document page: ``doc``'s files, assignments, progress notes and replies,
    read with what the page shows of them and given to ``doc`` as if loaded with it. One
    statement first tells which of the assignments, notes and replies the document has
    (many have none yet): only those are read. An assignment comes with its party (unit
    or account) and a note with its author, but not their own relations (a unit's
    parent, an account's unit), a reply without its relations, a file without its
    extracted text: each of these still loads on first use. Relations already loaded are
    left as they are."""
    present, parts = _page_part_statements()
    wanted = [(name, statement) for name, statement in parts if name not in doc.__dict__]
    if not wanted:
        return
    params = {"doc_id": doc.id}
    has = dict(zip(("assignments", "notes_list", "replies"),
                   session.execute(present, params).one(), strict=True))
    for name, statement in wanted:
        rows = (list(session.scalars(statement, params).unique())
                if has.get(name, True) else [])
        set_committed_value(doc, name, rows)
