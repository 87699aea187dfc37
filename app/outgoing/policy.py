"""Who may see and do what with an outgoing document (docs/domain.md §6): the one place the rule
is written. FAB filters, the API, search and the document page ask these functions; they
take the user and the ``ScopeSettings`` and read no request.

- Drafts and documents are private to the drafting unit: every member of it sees the
  unit's outgoing documents; the office roles (``UNIT_SCOPE_BYPASS_ROLES``) see all.
- On a document they see, a member of the drafting unit drafts and routes it (``draft``),
  signs it (``sign``), numbers and issues it (``issue``) as their roles allow; anyone who
  sees it downloads its files with the download permission."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement

from app.core.scope import ScopeSettings, may_act, unit_clause
from app.outgoing.models import OutgoingDocument
from app.security import permissions as P
from app.security.models import AppUser

# action -> the permission on outgoing documents it needs; whether the user must be of the
# drafting unit.
ACTIONS: dict[str, tuple[str, bool]] = {
    "draft": (P.DRAFT, True),
    "sign": (P.SIGN, True),
    "issue": (P.ISSUE, True),
    "download": (P.DOWNLOAD, False),
}


def visible_clause(user: AppUser | None, settings: ScopeSettings,
                   unit_column: Any = None) -> ColumnElement[bool] | None:
    """The outgoing documents ``user`` may read: their unit's, as a condition on
    ``unit_column`` (OutgoingDocument.unit_id, or the unit column of a row that stands for
    the document, e.g. the search index); ``None`` (no condition) for the office roles;
    nothing for a user without a unit."""
    column = OutgoingDocument.unit_id if unit_column is None else unit_column
    return unit_clause(column, user, settings)


def can(user: AppUser, action: str, doc: OutgoingDocument, settings: ScopeSettings,
        held: Collection[tuple[str, str]] | None = None) -> bool:
    """Whether ``user`` may take ``action`` (one of ``ACTIONS``) on ``doc``, a document
    they may see. ``held``: the (permission, resource) pairs of the user's roles, when the
    caller has them at hand (the security manager's per-request set); computed otherwise.
    No action widens with the office roles: they read every unit's documents, act on their
    own unit's."""
    permission, own_unit = ACTIONS[action]
    return may_act(user, permission, P.OUTGOING, doc.unit_id, own_unit, held)
