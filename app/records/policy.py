"""Who may see and do what with the file plan, the work files and the transfers
(docs/domain.md §9.8): the one place the rule is written. The screens, the commands and
the services ask these functions; they take the user and the ``ScopeSettings`` and read
no request.

- Everyone with the read permission reads the plans and the retention schedule; the
  plan's unit prepares it (write) and its head approves it (approve).
- A work file is seen by its owner, the heads of its unit, the archive role
  (``ARCHIVE`` on transfers) and, read-only, the office roles; it is changed by its owner
  and the heads of its unit.
- A document inside a file is shown only to those who may see it directly (the policies
  of incoming and outgoing documents): a file never widens what a user sees.
- A unit's transfers are seen by its members who may read them and by the archive; they
  are made by the unit (write) and checked by the archive."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, false, or_, select
from sqlalchemy.orm import Session

from app.core.scope import ScopeSettings, may_act, sees_every_unit, unit_clause
from app.incoming import policy as incoming_policy
from app.incoming.models import IncomingDocument
from app.outgoing import policy as outgoing_policy
from app.outgoing.models import OutgoingDocument
from app.records.models import FileItem, FilePlan, TransferBatch, WorkFile
from app.security import permissions as P
from app.security.models import AppUser
from app.security.services import user_can


def is_archivist(user: AppUser | None) -> bool:
    """The agency archive (Lưu trữ cơ quan): checks transfers, reopens closed files."""
    return user_can(user, P.ARCHIVE, P.TRANSFER)


def is_head(user: AppUser | None, unit_id: int | None) -> bool:
    return incoming_policy.is_unit_head(user, unit_id)


# -- the plan -----------------------------------------------------------------------------

def can_prepare_plan(user: AppUser, plan: FilePlan | None, unit_id: int | None = None) -> bool:
    """The plan's unit (clerks and heads) prepares it while it is a draft."""
    unit = plan.unit_id if plan is not None else unit_id
    return may_act(user, P.WRITE, P.FILE_PLAN, unit, True)


def can_approve_plan(user: AppUser, plan: FilePlan) -> bool:
    """A head of the plan's unit approves it."""
    return may_act(user, P.APPROVE, P.FILE_PLAN, plan.unit_id, True)


# -- work files ---------------------------------------------------------------------------

def file_clause(user: AppUser | None, settings: ScopeSettings) -> ColumnElement[bool] | None:
    """The work files ``user`` may see, as a condition on WorkFile; ``None`` (no condition)
    for the office roles and the archive; nothing for an anonymous user."""
    if user is None:
        return false()
    if sees_every_unit(user, settings) or is_archivist(user):
        return None
    conds = [WorkFile.owner_id == user.id]
    if user.unit_id is not None and is_head(user, user.unit_id):
        conds.append(WorkFile.unit_id == user.unit_id)
    return or_(*conds)


def sees_file(user: AppUser | None, f: WorkFile, settings: ScopeSettings) -> bool:
    if user is None:
        return False
    if sees_every_unit(user, settings) or is_archivist(user):
        return True
    return f.owner_id == user.id or is_head(user, f.unit_id)


def can_edit_file(user: AppUser, f: WorkFile) -> bool:
    """The owner and the heads of the file's unit fill, close and transfer it."""
    if not user_can(user, P.WRITE, P.WORK_FILE):
        return False
    return f.owner_id == user.id or is_head(user, f.unit_id)


def can_open_file(user: AppUser) -> bool:
    return user.unit_id is not None and user_can(user, P.WRITE, P.WORK_FILE)


# -- the documents inside a file ----------------------------------------------------------

def visible_items(session: Session, user: AppUser | None, settings: ScopeSettings,
                  items: Iterable[FileItem]) -> set[int]:
    """The ids of ``items`` whose document ``user`` may see directly; an internal paper
    is seen with the file that holds it."""
    items = list(items)
    seen = {i.id for i in items if i.kind == "internal"}
    incoming = [i for i in items if i.incoming_id is not None]
    outgoing = [i for i in items if i.outgoing_id is not None]
    if incoming:
        ids = visible_incoming(session, user, settings, [i.incoming_id for i in incoming])
        seen |= {i.id for i in incoming if i.incoming_id in ids}
    if outgoing:
        ids = visible_outgoing(session, user, settings, [i.outgoing_id for i in outgoing])
        seen |= {i.id for i in outgoing if i.outgoing_id in ids}
    return seen


def visible_incoming(session: Session, user: AppUser | None, settings: ScopeSettings,
                     ids: list[int]) -> set[int]:
    clause = incoming_policy.visible_clause(session, user, settings)
    query = select(IncomingDocument.id).where(IncomingDocument.id.in_(ids))
    if clause is not None:
        query = query.where(clause)
    return set(session.scalars(query))


def visible_outgoing(session: Session, user: AppUser | None, settings: ScopeSettings,
                     ids: list[int]) -> set[int]:
    clause = outgoing_policy.visible_clause(user, settings)
    query = select(OutgoingDocument.id).where(OutgoingDocument.id.in_(ids))
    if clause is not None:
        query = query.where(clause)
    return set(session.scalars(query))


# -- transfers ----------------------------------------------------------------------------

def transfer_clause(user: AppUser | None,
                    settings: ScopeSettings) -> ColumnElement[bool] | None:
    """The transfers ``user`` may see: their unit's; every one for the archive and the
    office roles."""
    if user is not None and is_archivist(user):
        return None
    return unit_clause(TransferBatch.unit_id, user, settings)


def can_make_transfer(user: AppUser, unit_id: int | None) -> bool:
    return may_act(user, P.WRITE, P.TRANSFER, unit_id, True)


def can_check_transfer(user: AppUser) -> bool:
    return is_archivist(user)
