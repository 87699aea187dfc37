"""Row-level scope, the generic mechanism every feature shares: a user sees the records of
their own unit; the office roles (system admin, Văn phòng) see every unit.

The rules are plain functions of a user and ``ScopeSettings`` (no request): ``sees_every_unit``
and ``unit_clause`` here, and each document kind's own rule in its policy module
(app/incoming/policy.py, app/outgoing/policy.py, app/incidents/policy.py). What reads the
request (``current_user``, ``scope_settings``, ``sees_all_units``) is the thin adapter the
views, filters and APIs call.

``UnitScopeFilter`` applies the unit rule to a query; ``UnitScopedMixin`` applies a view's
filters to every route kind of a FAB ModelView or ModelRestApi: list, show, edit, delete,
API, single and multi actions (which FAB runs without base_filters), downloads,
related-field dropdowns, and writes (a record can never be created in or moved to another
unit)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import abort, current_app, g, request
from flask_appbuilder.hooks import before_request
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import ColumnElement, false

from app.core.fab import base_filters, deserialize_pk, scoped_row

T = TypeVar("T")


@dataclass(frozen=True)
class ScopeSettings:
    """What the scope rules read from the configuration: the office roles that see every
    unit (``UNIT_SCOPE_BYPASS_ROLES``)."""

    bypass_roles: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ScopeSettings:
        return cls(bypass_roles=frozenset(config.get("UNIT_SCOPE_BYPASS_ROLES", ())))


def sees_every_unit(user: Any, settings: ScopeSettings) -> bool:
    """Whether ``user`` holds one of the office roles that see every unit."""
    if user is None:
        return False
    return any(r.name in settings.bypass_roles for r in user.roles)


def unit_clause(column: Any, user: Any, settings: ScopeSettings) -> ColumnElement[bool] | None:
    """The rows of ``user``'s unit, as a condition on ``column`` (a unit id); ``None`` (no
    condition) for the office roles; nothing for a user without a unit (fail closed)."""
    if sees_every_unit(user, settings):
        return None
    unit_id = getattr(user, "unit_id", None) if user is not None else None
    if unit_id is None:
        return false()
    return column == unit_id


def permission_pairs(user: Any) -> set[tuple[str, str]]:
    """The (permission, resource) pairs of ``user``'s roles, their groups' included (what
    the security manager's ``has_access`` looks up)."""
    roles = list(user.roles or []) + [r for grp in getattr(user, "groups", None) or []
                                      for r in grp.roles]
    return {(pv.permission.name, pv.view_menu.name) for role in roles
            for pv in role.permissions}


def may_act(user: Any, permission: str, resource: str, unit_id: int | None, own_unit: bool,
            held: Collection[tuple[str, str]] | None = None) -> bool:
    """Whether ``user``'s roles hold ``permission`` on ``resource`` and, when ``own_unit``,
    the user is of ``unit_id`` (the unit the record belongs to). ``held``: the pairs of the
    user's roles when the caller has them at hand (the security manager's per-request set);
    computed from the roles otherwise."""
    held = permission_pairs(user) if held is None else held
    if (permission, resource) not in held:
        return False
    return not own_unit or user.unit_id == unit_id


# -- the adapters: the request's user and the app's configuration -------------------------

def current_user() -> Any:
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def scope_key(user: Any = None) -> tuple[Any, Any, Any]:
    """(the user's id, their unit, the security stamp): what the scope of ``user`` (the
    request's by default) depends on besides the data, for the values kept under it. The
    stamp is None when it was not read: nothing may be kept then."""
    user = user if user is not None else current_user()
    return getattr(user, "id", None), getattr(user, "unit_id", None), g.get("_security_stamp")


def request_clause(kind: str, build: Callable[[], T]) -> T:
    """``build()`` (the scope conditions of ``kind`` for the request's user), once per
    request — a list builds the same conditions for its rows and for its count — and kept
    between requests while nothing is written and the security stamp stays (the conditions
    read the user's unit, roles and reader grants: each changes by a write)."""
    from flask import has_request_context

    from app.core import kept

    if not has_request_context():
        return build()
    user = current_user()
    key = (kind, *scope_key(user))
    in_request = g.setdefault("_scope_clauses", {})
    if key not in in_request:
        seconds = 30 if key[-1] is not None and user is not None else 0
        in_request[key] = kept.remember("scope", key, build, seconds)
    return in_request[key]


_READING_ONE: ContextVar[bool] = ContextVar("qlvb_scope_reading_one", default=False)


@contextmanager
def reading_one() -> Iterator[None]:
    """Within it, the scope filters are applied to a query of one record by id
    (``UnitScopedMixin.scoped_get``): a filter may then use a condition made for one row
    (``one_record()``), with the same meaning as its condition for a list."""
    token = _READING_ONE.set(True)
    try:
        yield
    finally:
        _READING_ONE.reset(token)


def one_record() -> bool:
    """Whether the scope filter being applied reads one record by id."""
    return _READING_ONE.get()


def scope_settings() -> ScopeSettings:
    """The running app's scope settings."""
    return ScopeSettings.from_config(current_app.config)


def role_names(user: Any = None) -> set[str]:
    user = user or current_user()
    if user is None:
        return set()
    names = getattr(g, "_role_names", None)
    if names is None or getattr(g, "_role_names_user", None) != user.id:
        names = {r.name for r in user.roles}
        g._role_names, g._role_names_user = names, user.id
    return names


def sees_all_units(user: Any = None) -> bool:
    """Whether the user (by default the request's) belongs to an office role that sees
    every unit."""
    return sees_every_unit(user or current_user(), scope_settings())


def current_unit_id() -> int | None:
    user = current_user()
    return getattr(user, "unit_id", None) if user else None


class UnitScopeFilter(BaseFilter):
    """Rows of the user's unit only; everything for the office roles; nothing for a user
    without a unit (fail closed)."""

    name = "Unit scope"
    arg_name = None  # never offered in the search form or the API's ``q``

    def apply(self, query: Any, value: Any) -> Any:
        clause = unit_clause(getattr(self.model, self.column_name), current_user(),
                             scope_settings())
        return query if clause is None else query.filter(clause)


def action_pks() -> list[Any]:
    """The row ids an action request names: FAB's ``/action/<name>/<pk>`` or the
    ``rowid`` fields of ``action_post``."""
    if request.view_args and "pk" in request.view_args:
        return [request.view_args["pk"]]
    return request.form.getlist("rowid")


class UnitScopedMixin:
    """For ModelView and ModelRestApi classes whose model has ``unit_id`` and ``unit``."""

    unit_column = "unit_id"
    base_filters = [["unit_id", UnitScopeFilter, None]]

    def scoped_get(self, pk):
        """The record ``pk`` if the user may see it, else None (use for every custom route)."""
        try:
            pk = deserialize_pk(self, pk)
        except Exception:
            return None
        with reading_one():
            return scoped_row(self.datamodel, base_filters(self), pk)

    def scoped_get_or_404(self, pk):
        item = self.scoped_get(pk)
        if item is None:
            abort(404)
        return item

    @before_request(only=["action", "action_post"])
    def _scope_actions(self):
        # FAB fetches action rows without base_filters: check each one here first.
        for pk in action_pks():
            if self.scoped_get(pk) is None:
                abort(404)
        return None

    def pin_unit(self, item):
        """Writes stay in the user's unit whatever the form or payload said."""
        if sees_all_units():
            return
        unit_id = current_unit_id()
        if unit_id is None:
            abort(403)
        unit_model = self.datamodel.get_related_model("unit")
        session = self.datamodel.session
        with session.no_autoflush:  # the item is not complete yet: nothing of it is written
            item.unit = session.get(unit_model, unit_id)
        setattr(item, self.unit_column, unit_id)

    def pre_add(self, item):
        self.pin_unit(item)
        super().pre_add(item)

    def pre_update(self, item):
        self.pin_unit(item)
        super().pre_update(item)
