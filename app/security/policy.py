"""Who may act on whose account: the one rule that every account screen, action, form
and command asks (Quy chế Điều 4.2.c: the unit IT officer manages the accounts of their
own unit, never one above them).

The functions take plain objects (users with ``roles`` and ``unit_id``, roles with
``name`` and ``permissions``) and need no request, so a test or a command can ask them.

- The system admin manages every account and grants every role.
- Anyone else never touches an account holding the system admin's role, stays in their
  unit unless an office role lets them see every unit, and manages only accounts whose
  every role they may grant.
- A role may be granted by someone who holds every permission it carries, and by a unit IT
  officer when it is one of the unit roles (``UNIT_ASSIGNABLE_ROLES``) carrying no more than
  the code gives it: a custom role made by the admin, the office role, or a unit role the
  admin widened in the security UI, are above the unit IT officer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from app.security import permissions as P

if TYPE_CHECKING:
    from flask_appbuilder.security.sqla.models import Role

    from app.security.models import AppUser


def _names(user: AppUser) -> set[str]:
    return {r.name for r in (user.roles or [])}


def role_pairs(role: Role) -> set[tuple[str, str]]:
    """The (permission, resource) pairs ``role`` carries."""
    return {(pv.permission.name, pv.view_menu.name) for pv in role.permissions}


def held_pairs(user: AppUser) -> set[tuple[str, str]]:
    out = set()
    for role in user.roles or []:
        if role.name != P.ROLE_ADMIN:
            out |= role_pairs(role)
    return out


def is_system_admin(user: AppUser | None) -> bool:
    return user is not None and P.ROLE_ADMIN in _names(user)


def sees_all_units(user: AppUser) -> bool:
    return bool(_names(user) & set(P.SCOPE_BYPASS_ROLES))


def _unit_role_as_coded(role: Role) -> bool:
    """A unit role whose permissions are those the code gives it (menu entries aside)."""
    if role.name not in P.UNIT_ASSIGNABLE_ROLES:
        return False
    coded = set(P.ROLE_CONFIGS.get(role.name) or ())
    return all(pair in coded or pair[0] == "menu_access" for pair in role_pairs(role))


def may_grant_roles(actor: AppUser | None, roles: Iterable[Role] | None) -> bool:
    """Whether ``actor`` may give every role of ``roles`` to an account."""
    if actor is None:
        return False
    if is_system_admin(actor):
        return True
    roles = list(roles or [])
    if not roles:
        return True
    held = held_pairs(actor)
    unit_it = (P.WRITE, P.UNIT_ACCOUNT) in held
    for role in roles:
        if role.name in (P.ROLE_ADMIN, P.ROLE_PUBLIC):
            return False
        if unit_it and _unit_role_as_coded(role):
            continue
        if role.name in P.BUILTIN_ROLES and role.name not in _names(actor):
            # Built-in roles beyond the unit's are the admin's to give (the office role).
            return False
        if not role_pairs(role) <= held:
            return False
    return True


def may_manage_account(actor: AppUser | None, target: AppUser | None) -> bool:
    """Whether ``actor`` may see, edit, lock, unlock or set the password of ``target``."""
    if actor is None or target is None:
        return False
    if is_system_admin(actor):
        return True
    if is_system_admin(target):
        return False
    if not sees_all_units(actor) and (actor.unit_id is None or target.unit_id != actor.unit_id):
        return False
    return may_grant_roles(actor, target.roles)


def grantable_roles(actor: AppUser | None, roles: Iterable[Role]) -> list[Role]:
    """Those of ``roles`` that ``actor`` may give (what the role field offers)."""
    return [r for r in roles if r.name != P.ROLE_PUBLIC and may_grant_roles(actor, [r])]
