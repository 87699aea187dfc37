"""The security stamp: one number in the database that every change of who may do what
moves forward, in the transaction of the change — a role's permissions, an account's roles,
groups or activity, a role, group, permission or resource added or removed, a head's grant
of the unit's documents to an official given or withdrawn.

The permission set of a combination of roles, and the scope conditions of a user
(``app.core.scope.request_clause``), are computed once per stamp and kept in the process: a
request reads the stamp with the signed-in account (one statement for both) and uses what
was computed for it. Every worker reads the stamp from the database, so a role removed or a
grant withdrawn on one worker is in effect on the next request of every other
worker; nothing is kept when the stamp cannot be read (a database without the table)."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, has_request_context
from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import (
    Group,
    Permission,
    PermissionView,
    Role,
    ViewMenu,
)
from sqlalchemy import DDL, Column, Integer, event, inspect, select, update
from sqlalchemy.orm import Mapper, Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app.core.kept import keep

T = TypeVar("T")
ACCOUNT_FIELDS = ("roles", "groups", "active", "locked_at")
SECURITY_TABLES = frozenset({
    "ab_role", "ab_permission", "ab_view_menu", "ab_permission_view",
    "ab_permission_view_role", "ab_user_role", "ab_group", "ab_user_group", "ab_group_role",
    # Who sees what beyond the roles: a head's grant of the unit's documents to an official.
    "incoming_reader_grant"})


class SecurityStamp(Model):
    """One row (id 1): the number of committed changes of roles and permissions."""

    __tablename__ = "security_stamp"
    id = Column(Integer, primary_key=True, autoincrement=False)
    value = Column(Integer, nullable=False, default=0, server_default="0")


event.listen(SecurityStamp.__table__, "after_create",
             DDL("INSERT INTO security_stamp (id, value) VALUES (1, 0)"))


_READ = select(SecurityStamp.value).where(SecurityStamp.id == 1)


def stamp_column() -> Any:
    """The stamp as a scalar subquery, to read with another statement."""
    return select(SecurityStamp.value).where(SecurityStamp.id == 1).scalar_subquery()


def read(session: Session) -> int | None:
    """The current stamp (None when the table or its row is missing)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with session.no_autoflush:
            value: int | None = session.execute(_READ).scalar()
            return value
    except SQLAlchemyError as error:
        session.rollback()
        if has_app_context() and "security_stamp" in str(error):
            current_app.extensions["qlvb.stamp.missing"] = True
        return None


def request_stamp(session: Session) -> int | None:
    """The stamp of this request: read with the account, else read now (once)."""
    if not has_request_context():
        return None
    if "_security_stamp" not in g:
        missing = current_app.extensions.get("qlvb.stamp.missing")
        note(None if missing else read(session))
    value: int | None = g._security_stamp
    return value


def note(value: int | None) -> None:
    """The stamp read with the signed-in account (or on its own)."""
    if has_request_context():
        g._security_stamp = value
        if value is not None:
            current_app.extensions["qlvb.stamp.last"] = value


def read_in_request() -> bool:
    """Whether this request has read the stamp already."""
    return has_request_context() and "_security_stamp" in g


def last_seen() -> int | None:
    """The latest stamp this app has read (any request), if any."""
    value: int | None = current_app.extensions.get("qlvb.stamp.last")
    return value


def kept(name: str, key: Hashable, stamp: int | None, compute: Callable[[], T]) -> T:
    """``compute()``, once per app, ``(name, key)`` and stamp (every time without a
    stamp)."""
    if stamp is None:
        return compute()
    return keep(name, (key, stamp), compute)


# -- an account's roles, kept per stamp -------------------------------------------------------

RoleValues = tuple[tuple[int, str], ...]
AccountRoles = tuple[RoleValues, tuple[tuple[int, str, RoleValues], ...]]


def read_account_roles(session: Session, user_model: Any, user_id: int) -> AccountRoles:
    """The (id, name) of the roles of account ``user_id``, and its groups (id, name, and
    their roles): what the permission checks and the scope read of an account."""
    user = session.get(user_model, user_id)
    if user is None:
        return (), ()
    roles = tuple((r.id, r.name) for r in user.roles)
    groups = tuple((grp.id, grp.name, tuple((r.id, r.name) for r in grp.roles))
                   for grp in user.groups)
    return roles, groups


def _attached(session: Session, model: type, values: dict[str, Any]) -> Any:
    """The ``model`` row with ``values`` as a persistent object of ``session`` without
    reading it: the session's own when it holds it, else one made from the values (its
    other attributes load on first use)."""
    mapper: Mapper[Any] = inspect(model)
    found = session.identity_map.get(mapper.identity_key_from_primary_key((values["id"],)))
    if found is not None:
        return found
    obj = mapper.class_manager.new_instance()  # no constructor, no defaults
    for name, value in values.items():
        set_committed_value(obj, name, value)
    make_transient_to_detached(obj)
    session.add(obj)
    return obj


def give_roles(session: Session, user: Any, held: AccountRoles) -> None:
    """Make ``held`` (``read_account_roles``) the roles and groups of ``user``, a
    persistent account just read, as if they had been loaded with it."""
    roles, groups = held
    set_committed_value(user, "roles", [
        _attached(session, Role, {"id": rid, "name": name}) for rid, name in roles])
    given = []
    for gid, name, group_roles in groups:
        group = _attached(session, Group, {"id": gid, "name": name})
        if "roles" not in group.__dict__:
            set_committed_value(group, "roles", [
                _attached(session, Role, {"id": rid, "name": rname})
                for rid, rname in group_roles])
        given.append(group)
    set_committed_value(user, "groups", given)


# -- moving the stamp -------------------------------------------------------------------------

def _changes_security(obj: Any, deleted: bool) -> bool:
    if isinstance(obj, Role | Permission | ViewMenu | PermissionView | Group) or \
            getattr(obj, "__tablename__", None) in SECURITY_TABLES:
        return True
    if getattr(obj, "__tablename__", None) != "ab_user":
        return False
    if deleted:
        return True
    state = inspect(obj)
    if state.pending:
        return False  # a new account: no session or token holds it yet
    return any(state.attrs[name].history.has_changes() for name in ACCOUNT_FIELDS
               if name in state.attrs)


def _move(session: Session) -> None:
    """The stamp one further, in the session's transaction (once per transaction)."""
    session.info["qlvb_security_moved"] = True
    table = SecurityStamp.__table__
    session.connection().execute(update(table).where(table.c.id == 1)
                                 .values(value=table.c.value + 1))


@event.listens_for(Session, "before_flush")
def _note_security_change(session: Session, context: Any, instances: Any) -> None:
    if session.info.get("qlvb_security_moved"):
        return
    for obj in (*session.new, *session.dirty):
        if _changes_security(obj, False):
            break
    else:
        for obj in session.deleted:
            if _changes_security(obj, True):
                break
        else:
            return
    _move(session)


@event.listens_for(Session, "do_orm_execute")
def _note_security_statement(state: Any) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in SECURITY_TABLES and \
            not state.session.info.get("qlvb_security_moved"):
        _move(state.session)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _end(session: Session) -> None:
    session.info.pop("qlvb_security_moved", None)
