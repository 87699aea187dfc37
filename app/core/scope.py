"""Row-level scope, once for all features: a user sees the records of their own unit;
the office roles (system admin, Văn phòng) see every unit.

``UnitScopeFilter`` is the rule; ``UnitScopedMixin`` applies it to every route kind of a
FAB ModelView or ModelRestApi: list, show, edit, delete, API, single and multi actions
(which FAB runs without base_filters), downloads, related-field dropdowns, and writes
(a record can never be created in or moved to another unit)."""

from flask import abort, current_app, g, request
from flask_appbuilder.hooks import before_request
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import false

from app.core.fab import base_filters, deserialize_pk


def current_user():
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return user


def role_names(user=None):
    user = user or current_user()
    if user is None:
        return set()
    names = getattr(g, "_role_names", None)
    if names is None or getattr(g, "_role_names_user", None) != user.id:
        names = {r.name for r in user.roles}
        g._role_names, g._role_names_user = names, user.id
    return names


def sees_all_units(user=None):
    """Whether the user belongs to an office role that sees every unit."""
    bypass = set(current_app.config.get("UNIT_SCOPE_BYPASS_ROLES", ()))
    return bool(role_names(user) & bypass)


def current_unit_id():
    user = current_user()
    return getattr(user, "unit_id", None) if user else None


class UnitScopeFilter(BaseFilter):
    """Rows of the user's unit only; everything for the office roles; nothing for a user
    without a unit (fail closed)."""

    name = "Unit scope"
    arg_name = None  # never offered in the search form or the API's ``q``

    def apply(self, query, value):
        if sees_all_units():
            return query
        unit_id = current_unit_id()
        column = getattr(self.model, self.column_name)
        if unit_id is None:
            return query.filter(false())
        return query.filter(column == unit_id)


def action_pks():
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
        return self.datamodel.get(pk, base_filters(self))

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
        from app.units.models import Unit

        unit_id = current_unit_id()
        if unit_id is None:
            abort(403)
        item.unit = self.datamodel.session.get(Unit, unit_id)
        setattr(item, self.unit_column, unit_id)

    def pre_add(self, item):
        self.pin_unit(item)
        super().pre_add(item)

    def pre_update(self, item):
        self.pin_unit(item)
        super().pre_update(item)
