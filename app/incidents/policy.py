"""Who may read which incident report (Quy chế Điều 4.2): the one place the rule is
written; the screen and the API filter with it. It takes the user and the
``ScopeSettings`` and reads no request.

- The office roles (``UNIT_SCOPE_BYPASS_ROLES``) see every report.
- Those who handle reports (a unit's IT officer) see their unit's.
- Anyone else sees the reports they made."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, false

from app.core.scope import ScopeSettings, permission_pairs, sees_every_unit, unit_clause
from app.incidents.models import Incident
from app.security import permissions as P
from app.security.models import AppUser


def visible_clause(user: AppUser | None, settings: ScopeSettings,
                   held: Collection[tuple[str, str]] | None = None,
                   ) -> ColumnElement[bool] | None:
    """The reports ``user`` may read, as a condition on Incident; ``None`` (no condition)
    for the office roles; nothing for an anonymous user. ``held``: the (permission,
    resource) pairs of the user's roles, when the caller has them at hand."""
    if sees_every_unit(user, settings):
        return None
    if user is None:
        return false()
    held = permission_pairs(user) if held is None else held
    if (P.HANDLE, P.INCIDENT) in held:
        return unit_clause(Incident.unit_id, user, settings)
    return Incident.reporter_id == user.id
