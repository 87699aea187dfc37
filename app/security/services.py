"""Account rules: one account per unit and per official, locking and unlocking, and the
"lost control of my account" report (Quy chế Điều 3.4, Điều 4.2.b)."""

from __future__ import annotations

from typing import Any

from flask import current_app, has_request_context
from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.security.models import AppUser
from app.security.passwords import check_password_complexity
from app.security.permissions import ROLE_ADMIN, ROLE_UNIT_ADMIN
from app.security.signals import account_alert, account_compromised

LOCK_REASONS = {
    "failed_logins": _l("too many failed logins"),
    "compromised": _l("reported as compromised by its owner"),
    "admin": _l("locked by an administrator"),
}


def users_with_role(session: Session, role_name: str,
                    unit_id: int | None = None) -> list[AppUser]:
    query = select(AppUser).join(AppUser.roles).where(Role.name == role_name)
    if unit_id is not None:
        query = query.where(AppUser.unit_id == unit_id)
    return list(session.execute(query).unique().scalars().all())


def account_guardians(session: Session, user: AppUser) -> list[AppUser]:
    """Who must hear about a problem with ``user``'s account: the system admins and the
    IT officer of the user's unit."""
    people = users_with_role(session, ROLE_ADMIN)
    if user.unit_id:
        people += users_with_role(session, ROLE_UNIT_ADMIN, user.unit_id)
    return [p for p in people if p.id != user.id]


def check_account(session: Session, user: AppUser) -> None:
    """A unit has at most one unit account (Điều 3.4); a unit account belongs to a unit."""
    if user.kind not in ("person", "unit"):
        raise DomainError(_("Unknown kind of account."), field="kind")
    unit_id = user.unit.id if user.unit is not None else user.unit_id
    if user.kind == "unit":
        if unit_id is None:
            raise DomainError(_("A unit account must belong to a unit."), field="unit")
        query = select(func.count(AppUser.id)).where(
            AppUser.kind == "unit", AppUser.unit_id == unit_id
        )
        if user.id is not None:
            query = query.where(AppUser.id != user.id)
        with session.no_autoflush:
            if session.execute(query).scalar_one():
                raise DomainError(_("This unit already has a unit account: each unit has "
                                    "exactly one."), field="kind")


def lock_account(session: Session, user: AppUser, reason: str,
                 actor: AppUser | None = None) -> bool:
    """Lock ``user`` at once (every session and token stops working) and tell the admins."""
    if user.locked_at is not None:
        return False
    user.locked_at = utcnow()
    user.locked_reason = reason
    audit.record(session, "account_locked", user, user=actor,
                 details={"reason": reason, "username": user.username})
    reason_text = LOCK_REASONS.get(reason, reason)
    account_alert.send(user, session=session, recipients=account_guardians(session, user),
                       message=_l("Account %(name)s was locked: %(reason)s.",
                                 name=user.username, reason=reason_text),
                       link=f"/users/show/{user.id}", urgent=reason == "compromised")
    return True


def unlock_account(session: Session, user: AppUser, actor: AppUser | None = None) -> bool:
    """Unlock ``user``: the permanent lock, and every current time-limited sign-in lock
    (``lockout``); reset the failed-login counter."""
    from app.security import lockout

    lifted = lockout.lift_all(session, user, actor)
    if user.locked_at is None and not user.fail_login_count:
        return bool(lifted)
    user.locked_at = None
    user.locked_reason = None
    user.fail_login_count = 0
    audit.record(session, "account_unlocked", user, user=actor,
                 details={"username": user.username})
    return True


def refuse_account_action(session: Session, actor: AppUser | None, target: object, what: str,
                          details: dict[str, Any] | None = None) -> None:
    """Record that ``actor`` tried ``what`` on an account the policy keeps from them
    (``app/security/policy.py``), in its own commit: the refused change is rolled back."""
    session.rollback()
    audit.record(session, "account_action_refused", target, user=actor,
                 details={"action": what, "username": getattr(target, "username", None),
                          **(details or {})})
    session.commit()


def set_password(session: Session, user: AppUser, password: str,
                 actor: AppUser | None = None) -> None:
    check_password_complexity(password)
    user.password = generate_password_hash(
        password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt")
    )
    audit.record(session, "password_reset", user, user=actor,
                 details={"username": user.username})


def report_compromise(session: Session, user: AppUser, description: str = "") -> Any:
    """The owner says the account is no longer under their control: lock it at once,
    open an incident and tell the admins (Quy chế Điều 4.2.b). The incident is opened by
    the incidents feature listening to ``account_compromised``; returns it."""
    opened = account_compromised.send(user, session=session, description=description)
    lock_account(session, user, reason="compromised", actor=user)
    return next((incident for _receiver, incident in opened if incident is not None), None)


def user_can(user: AppUser | None, permission: str, resource: str,
             as_member: bool = False) -> bool:
    """Whether one of ``user``'s roles holds ``permission`` on ``resource`` (for rules that
    must know what kind of person acts, e.g. the head of a unit; no request needed).

    With ``as_member``, the system admin's role (which holds every permission to run the
    system) does not count: only the roles that make someone a clerk, head or official."""
    if user is None:
        return False
    return (permission, resource) in _role_permissions(user, as_member)


def _role_permissions(user: AppUser, as_member: bool) -> set[tuple[str, str]]:
    """The (permission, resource) pairs of ``user``'s roles; within a request, computed once
    per user and role set (a page asks several times)."""
    roles = [r for r in user.roles if not (as_member and r.name == ROLE_ADMIN)]
    if has_request_context():
        # The security manager's per-request set: one light query, no ORM objects.
        role_ids = [r.id for r in roles]
        sm = current_app.appbuilder.sm  # type: ignore[attr-defined]  # set by Flask-AppBuilder
        return sm._role_permission_set(role_ids) if role_ids else set()
    return {(pv.permission.name, pv.view_menu.name) for role in roles for pv in role.permissions}


def unit_users_who_can(session: Session, unit_id: int, permission: str,
                       resource: str) -> list[AppUser]:
    """The active accounts of ``unit_id`` holding ``permission`` on ``resource``."""
    users = session.execute(
        select(AppUser).where(AppUser.unit_id == unit_id, AppUser.active.is_(True))
    ).scalars().all()
    return [u for u in users
            if u.locked_at is None and user_can(u, permission, resource, as_member=True)]
