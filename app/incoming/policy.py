"""Who may see and do what with an incoming document (docs/domain.md §5, issue "Who sees what"):
the one place the rule is written. FAB filters, the API, search, the landing page and the
document page all ask these functions; they take the user and the ``ScopeSettings`` and
read no request.

- The office roles (``UNIT_SCOPE_BYPASS_ROLES``) see every unit's documents.
- A unit's clerks and heads see all of their unit's documents, and those with an active
  assignment to their unit or to them.
- An official sees the documents with an active assignment to them, and all of the unit's
  when a head granted it (``ReaderGrant``).
- On a document they see, the clerk of the receiving unit registers, refuses, cancels and
  answers a recall (``intake``); a head of the receiving unit directs it (``assign``); the
  lead completes it (``complete``): the official in their own name, the head of a lead unit
  or the official the head handed the lead to."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, exists, false, or_, select
from sqlalchemy.orm import Session

from app.core.scope import ScopeSettings, may_act, sees_every_unit
from app.incoming.models import Assignment, IncomingDocument, ReaderGrant, Rejection
from app.security import permissions as P
from app.security.models import AppUser
from app.security.services import user_can

# action -> the permission on incoming documents it needs; whether the user must be of the
# receiving unit.
ACTIONS: dict[str, tuple[str, bool]] = {
    "intake": (P.INTAKE, True),
    "assign": (P.ASSIGN, True),
    "process": (P.PROCESS, False),
    "complete": (P.PROCESS, False),
    "download": (P.DOWNLOAD, False),
}


# -- kinds of people -----------------------------------------------------------------------

def is_unit_head(user: AppUser | None, unit_id: int | None) -> bool:
    """A head (lãnh đạo) of ``unit_id``: directs its incoming documents."""
    return (user is not None and user.unit_id == unit_id
            and user_can(user, P.ASSIGN, P.INCOMING, as_member=True))


def is_unit_clerk(user: AppUser | None, unit_id: int | None) -> bool:
    """A clerk (văn thư) of ``unit_id``: receives and registers its incoming documents."""
    return (user is not None and user.unit_id == unit_id
            and user_can(user, P.INTAKE, P.INCOMING, as_member=True))


def sees_whole_unit(session: Session, user: AppUser) -> bool:
    """Clerks and heads see all of their unit's incoming documents; an official does when
    the head granted it (docs/domain.md §5, issue "Who sees what")."""
    if is_unit_clerk(user, user.unit_id) or is_unit_head(user, user.unit_id):
        return True
    return session.execute(
        select(ReaderGrant.id).where(ReaderGrant.user_id == user.id,
                                     ReaderGrant.unit_id == user.unit_id)).first() is not None


# -- what a user may read ------------------------------------------------------------------

def member_clause(session: Session, user: AppUser | None,
                  one: bool = False) -> ColumnElement[bool]:
    """The documents ``user`` may see as a member of their unit, as a condition on
    IncomingDocument (the office roles aside: see ``visible_clause``): the unit's own when
    the user sees the whole unit, and those with an active assignment to the user (or, for
    a clerk or head, to the unit). For a list the assignments are one uncorrelated
    subquery, computed once per query rather than probed per row; for one document read
    by id (``one``) the document's own assignments are probed (the same rows; a statement
    PostgreSQL then plans once for every document and user)."""
    if user is None or user.unit_id is None:
        return IncomingDocument.id.is_(None)
    parties = [Assignment.user_id == user.id]
    if is_unit_head(user, user.unit_id) or is_unit_clerk(user, user.unit_id):
        parties.append(Assignment.unit_id == user.unit_id)
    assigned: ColumnElement[bool]
    if one:
        assigned = exists().where(Assignment.document_id == IncomingDocument.id,
                                  Assignment.active.is_(True), or_(*parties))
    else:
        assigned = IncomingDocument.id.in_(
            select(Assignment.document_id).where(Assignment.active.is_(True), or_(*parties)))
    if sees_whole_unit(session, user):
        # "+ 0": the unit's rows are taken while walking the index of the list's order
        # (the first page stops after 25 rows) rather than all found by the unit index and
        # then sorted — a large unit holds hundreds of thousands of them.
        return or_((IncomingDocument.unit_id + 0) == user.unit_id, assigned)
    return assigned


def visible_clause(session: Session, user: AppUser | None, settings: ScopeSettings,
                   one: bool = False) -> ColumnElement[bool] | None:
    """The incoming documents ``user`` may read, as a condition on IncomingDocument;
    ``None`` (no condition) for the office roles; nothing for an anonymous user. ``one``:
    the condition for reading one document by id (``member_clause``)."""
    if sees_every_unit(user, settings):
        return None
    if user is None:
        return false()
    return member_clause(session, user, one)


def rejection_clause(user: AppUser | None,
                     settings: ScopeSettings) -> ColumnElement[bool] | None:
    """The refusals ``user`` may read (Điều 6.3): those made by their unit and those of
    documents their unit sent; ``None`` (every one) for the office roles."""
    if sees_every_unit(user, settings):
        return None
    if user is None or user.unit_id is None:
        return false()
    return or_(Rejection.unit_id == user.unit_id, Rejection.sender_unit_id == user.unit_id)


def todo_clause(user: AppUser) -> ColumnElement[bool]:
    """Assignments waiting for ``user``'s work (Việc cần xử lý)."""
    conds = [Assignment.user_id == user.id]
    if user.unit_id is not None and is_unit_head(user, user.unit_id):
        conds.append(Assignment.unit_id == user.unit_id)
    return exists().where(
        Assignment.document_id == IncomingDocument.id, Assignment.active.is_(True),
        Assignment.completed_at.is_(None), or_(*conds),
        or_(Assignment.role != "inform", Assignment.read_at.is_(None)))


def concern_clause(session: Session, user: AppUser) -> ColumnElement[bool]:
    """The documents whose deadlines and urgency concern ``user`` (a member of a unit):
    the unit's for those who see the whole unit, otherwise their own work (the top bar's
    overdue count, the landing page's urgent count; Điều 5.1, Điều 6.5)."""
    if sees_whole_unit(session, user):
        return or_(IncomingDocument.unit_id == user.unit_id, todo_clause(user))
    return todo_clause(user)


def attention_clause(session: Session, user: AppUser,
                     settings: ScopeSettings) -> ColumnElement[bool] | None:
    """``concern_clause`` for a user of a unit; ``None`` (every unit's) for the office
    roles; nothing for a user without a unit."""
    if sees_every_unit(user, settings):
        return None
    if user.unit_id is None:
        return false()
    return concern_clause(session, user)


# -- what a user may do --------------------------------------------------------------------

def can_grant_readers(user: AppUser, settings: ScopeSettings) -> bool:
    """Whether ``user`` may let officials of their unit see all of its documents
    (``ReaderGrant``): a head of the unit, or the office roles."""
    return sees_every_unit(user, settings) or is_unit_head(user, user.unit_id)


def can_complete(doc: IncomingDocument, user: AppUser) -> bool:
    """The lead completes (docs/domain.md §5.5–5.6): the official in their own name, a head of the
    lead unit, or the official that head handed the lead to."""
    lead = doc.lead()
    if lead is None:
        return False
    if lead.user_id == user.id:
        return True
    if lead.unit_id is not None:
        if is_unit_head(user, lead.unit_id):
            return True
        return any(a.active and a.parent_id == lead.id and a.role == "lead"
                   and a.user_id == user.id for a in doc.assignments)
    return False


def can(user: AppUser, action: str, doc: IncomingDocument, settings: ScopeSettings,
        held: Collection[tuple[str, str]] | None = None) -> bool:
    """Whether ``user`` may take ``action`` (one of ``ACTIONS``) on ``doc``, a document
    they may see. ``held``: the (permission, resource) pairs of the user's roles, when the
    caller has them at hand (the security manager's per-request set); computed otherwise.
    ``settings`` is the same for every kind of document; no action of incoming documents
    widens with the office roles."""
    permission, own_unit = ACTIONS[action]
    if not may_act(user, permission, P.INCOMING, doc.unit_id, own_unit, held):
        return False
    if action == "assign":
        return is_unit_head(user, doc.unit_id)
    if action == "complete":
        return can_complete(doc, user)
    return True
