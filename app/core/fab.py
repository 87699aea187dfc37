"""Every use of Flask-AppBuilder's private API, in one place.

FAB's views, data interfaces and security manager are meant to be changed by overriding
their methods, many of which are private (``_add``, ``_edit``, ``_get_list_widget``…), and
some of what a custom route needs is kept in private attributes (``_base_filters``,
``_related_views``). Anything of the kind this application uses is here: the mixins that
override private methods, the accessors other modules call instead of reading private
attributes, the one process-wide patch (the form field conversion table), and the FAB
templates copied into ``app/templates``.

``PINNED`` and ``COPIED_TEMPLATES`` record, for the FAB version in ``FAB_VERSION``, what
each of these depends on; tests/core/test_fab_pins.py compares them with the installed FAB,
so that an upgrade fails in one test that names what to re-check.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING, Any

import jsonschema
from flask import Flask, abort, current_app, flash, request
from flask_appbuilder import api as fab_api
from flask_appbuilder.api.convert import Model2SchemaConverter
from flask_appbuilder.forms import FieldConverter
from flask_appbuilder.models.filters import Filters
from flask_appbuilder.models.sqla import filters as sqla_filters
from flask_appbuilder.urltools import (
    get_filter_args,
    get_order_args,
    get_page_args,
    get_page_size_args,
)
from flask_appbuilder.utils.base import get_column_root_relation, is_column_dotted
from sqlalchemy.orm import Query

from app.core.errors import DomainError

if TYPE_CHECKING:
    # The mixins below use the attributes of the FAB classes they are mixed into.
    from flask_appbuilder import BaseView as _ViewBase
    from flask_appbuilder.security.sqla.manager import SecurityManager as _ManagerBase
else:
    _ViewBase = _ManagerBase = object

log = logging.getLogger(__name__)

FAB_VERSION = "5.3.0"

# -- what we depend on ------------------------------------------------------------------------
#
# "module:Class.member" -> (how it is pinned, the pinned value, what to re-check when it
# changes). "source": sha256 of the member's source (we copy or mirror its body);
# "signature": its signature (we override it and call it back, or call it); "attribute":
# FAB's class still sets ``self.<member>``; "table": sha256 of the table's markers and class
# names. tests/core/test_fab_pins.py computes them from the installed FAB.

PINNED: dict[str, tuple[str, str, str]] = {
    # The back history: AppModelView.update_redirect skips it when the page is already
    # the last one (FAB's Stack pushes nothing then either).
    "flask_appbuilder.baseviews:BaseView.update_redirect": (
        "source",
        "c846e6866070f23d36ad02d0e064f6c3aea56a40c4aae693ede1a7bec4902429",
        "AppModelView.update_redirect skips it when nothing would change"),
    # Views: add and edit re-show the form on a broken rule (RuleFormsMixin).
    "flask_appbuilder.baseviews:BaseCRUDView._add": (
        "source",
        "a025a0c68594773e8ef24772ea1a04f1d50e627a4ff99a4558f36f645a747811",
        "RuleFormsMixin._add is a copy of it: carry over FAB's changes"),
    "flask_appbuilder.baseviews:BaseCRUDView._edit": (
        "source",
        "d761e7bd3d3ff992293f764092c2604a34ab94995d7cdac8daf05f6ffeea9342",
        "RuleFormsMixin._edit is a copy of it: carry over FAB's changes"),
    "flask_appbuilder.baseviews:BaseCRUDView._delete": (
        "signature",
        "(self, pk)",
        "RuleFormsMixin._delete wraps it"),
    "flask_appbuilder.baseviews:BaseCRUDView._fill_form_exclude_cols": (
        "signature",
        "(self, exclude_cols, form)",
        "called by RuleFormsMixin._add/_edit"),
    "flask_appbuilder.baseviews:BaseCRUDView._get_add_widget": (
        "signature",
        "(self, form, exclude_cols=None, widgets=None)",
        "called by RuleFormsMixin._add"),
    "flask_appbuilder.baseviews:BaseCRUDView._get_edit_widget": (
        "signature",
        "(self, form, exclude_cols=None, widgets=None)",
        "called by RuleFormsMixin._edit"),
    "flask_appbuilder.baseviews:BaseCRUDView._get_related_views_widgets": (
        "signature",
        "(self, item, orders=None, pages=None, page_sizes=None, widgets=None, **args)",
        "called by RuleFormsMixin._edit"),
    # Views: list pages within bounds (ListArgumentsMixin).
    "flask_appbuilder.baseviews:BaseCRUDView._list": (
        "signature",
        "(self, **kwargs)",
        "ListArgumentsMixin._list wraps it (a page that is no number: 400)"),
    "flask_appbuilder.baseviews:BaseCRUDView._get_list_widget": (
        "source",
        "b8bd9f3ee791aece5e017e714268137940f5829e976d3713b93f7b24ad24f230",
        "ListArgumentsMixin._get_list_widget rewrites its order and page arguments; "
        "app.core.lists.LeanListMixin._get_list_widget mirrors it: carry over FAB's changes"),
    "flask_appbuilder.models.filters:Filters.get_joined_filters": (
        "source",
        "2a30e9e0c0c0164b00d104e6ad7bb63853ea46fb87ecaaa378360f5ba7091c31",
        "ReusedFilters.get_joined_filters mirrors it: carry over FAB's changes"),
    # Views: what custom routes read (the accessors below).
    "flask_appbuilder.baseviews:BaseCRUDView._show": (
        "source",
        "37e80716773b3ea0ec57fbcb6b75de4800fa659cad9e62697906c1c8052689a9",
        "show_widgets() mirrors it for a record already read: carry over FAB's changes"),
    "flask_appbuilder.baseviews:BaseCRUDView._get_show_widget": (
        "signature",
        "(self, pk, item, widgets=None, actions=None, show_fieldsets=None)",
        "called by show_widgets()"),
    "flask_appbuilder.baseviews:BaseCRUDView._deserialize_pk_if_composite": (
        "signature",
        "(self, pk)",
        "deserialize_pk(): action rows and scoped look-ups"),
    "flask_appbuilder.baseviews:BaseModelView._base_filters": (
        "attribute",
        "set",
        "base_filters(): every scoped look-up of a custom route"),
    "flask_appbuilder.baseviews:BaseModelView._filters": (
        "attribute",
        "set",
        "RuleFormsMixin._add/_edit read the search filters"),
    "flask_appbuilder.baseviews:BaseCRUDView._related_views": (
        "attribute",
        "set",
        "related_views(): the document pages' templates"),
    "flask_appbuilder.api:ModelRestApi._base_filters": (
        "attribute",
        "set",
        "base_filters(): scoped look-ups of the APIs"),
    "flask_appbuilder.baseviews:BaseCRUDView._get_search_widget": (
        "signature",
        "(self, form=None, exclude_cols=None, widgets=None)",
        "app.core.lists.LeanListMixin._get_search_widget wraps it"),
    "flask_appbuilder.widgets:SearchWidget.__call__": (
        "source",
        "484910bee0a34d1084be8898cc61fa8f38a6e82f8671a56eb4ab2a656f44637f",
        "app.core.lists.KeptSearchWidget._fields computes what it computes"),
    # Data interface and filters: lists count fast, text filters match literally.
    "flask_appbuilder.models.filters:Filters._get_filters": (
        "signature",
        "(self, cols)",
        "ReusedFilters._get_filters caches its result per data interface"),
    "flask_appbuilder.models.sqla.interface:SQLAInterface.get_inner_filters": (
        "source",
        "1f6ead03f5f314e613bdd1708dfed61aca32abd6d9d8b1916f1a69eae18546fb",
        "InnerFiltersMixin.get_inner_filters mirrors it with reused filters"),
    "flask_appbuilder.models.sqla.interface:SQLAInterface._apply_inner_all": (
        "signature",
        "(self, query, filters=None, order_column='', order_direction='', page=None, "
        "page_size=None, select_columns=None, aliases_mapping=None)",
        "inner_query(): the capped count of AppSQLAInterface.query_count"),
    "flask_appbuilder.models.sqla.interface:SQLAInterface.query": (
        "source",
        "47d8b1bfa8b7d54291fa3aee74baff1f3731e1183c0e7ebfadb63e52b0b1483a",
        "AppSQLAInterface.query mirrors it (rows first, no count for a short first page)"),
    "flask_appbuilder.models.sqla.interface:SQLAInterface.query_count": (
        "signature",
        "(self, query, filters=None, select_columns=None)",
        "AppSQLAInterface.query_count overrides it"),
    "flask_appbuilder.models.sqla.filters:SQLAFilterConverter.conversion_table": (
        "table",
        "75e55806aeab4ef04aef90a6f77e3e4e178ccca0f9da404e0b9fc1439ba6df24",
        "filter_converter_with(): the text filters matching literally"),
    # Generated forms: dates read dd/mm/yyyy, integers within range.
    "flask_appbuilder.forms:FieldConverter.conversion_table": (
        "table",
        "a6ced913c32976febba9581266e4dc0b347c464411dc690a787578b666516101",
        "install_field_conversions(): date and integer fields of generated forms"),
    "flask_appbuilder.fieldwidgets:DatePickerWidget": (
        "source",
        "86a7a92f092edf0506bdd12ea0e9541d583ecd20ae8e52267e1ea35ba7554faf",
        "app.core.views.VNDatePickerWidget copies its markup"),
    # API schemas: text cleaned before it is loaded (schema_converter_with).
    "flask_appbuilder.api.convert:Model2SchemaConverter._meta_schema_factory": (
        "signature",
        "(self, columns, model, class_mixin, parent_schema_name=None)",
        "schema_converter_with() overrides it"),
    "flask_appbuilder.api.convert:Model2SchemaConverter.convert": (
        "source",
        "b8e43e408cd8e7de4ecc0b605eff6b6b2137b44e74be5ecc78c7de1bcc24594c",
        "schema_converter_with(): convert() must still pass its field mixin to "
        "_meta_schema_factory"),
    "flask_appbuilder.api:ModelRestApi._init_model_schemas": (
        "signature",
        "(self)",
        "AppModelRestApi._init_model_schemas wraps the list schema (app.core.lists.ListDumper)"),
    "flask_appbuilder.api:rison": (
        "source",
        "a6a3f3a472b84755053c9507e5fb2f4241a3d36ea9e1ea3d80ff05ff0a23b728",
        "install_rison_validation(): rison() must still call jsonschema.validate(instance=, "
        "schema=) and catch jsonschema.ValidationError through the module's name"),
    # Security manager: permission checks from one cached set (PermissionSetMixin).
    "flask_appbuilder.security.manager:BaseSecurityManager._has_view_access": (
        "source",
        "80b51dc9e8d980a0a20a2f215681744dc7f1028256e0e29c6cf0d9e1d95c820c",
        "PermissionSetMixin._has_view_access replaces it"),
    "flask_appbuilder.security.manager:BaseSecurityManager._get_user_permission_view_menus": (
        "source",
        "76adda7d162248428b5c37c7621d5f1b4b31bb4e22b2c48549afd0cdcc780bea",
        "PermissionSetMixin._get_user_permission_view_menus replaces it"),
    # API tokens (Flask-JWT-Extended, which FAB's API uses): verified once per worker.
    "flask_jwt_extended.jwt_manager:JWTManager._decode_jwt_from_config": (
        "signature",
        "(self, encoded_token, csrf_value=None, allow_expired=False)",
        "app.security.tokens.keep_verified wraps it: a token's claims must still come from "
        "it, verified, and depend only on the token, the key, the configuration and the time"),
    "flask_jwt_extended.utils:get_unverified_jwt_headers": (
        "signature",
        "(encoded_token)",
        "app.security.tokens.keep_headers keeps what it returns in the view decorators' "
        "name for it: the header must depend only on the token's text"),
}

# FAB templates copied whole into app/templates (ours win on the template path), with the
# sha256 of FAB's original they were copied from: when FAB's changes, carry the change over.
COPIED_TEMPLATES: dict[str, str] = {
    "appbuilder/init.html":
        "63cd58ec542d996fa33839b677cbe2c089da35a0085222ad01b2bfcb8a119cb8",
    "appbuilder/navbar_menu.html":
        "c80d05552fa166cfb60a766f857def9b6d602b8983c8fbc9dc50c9c29fb0ca1c",
    "appbuilder/navbar_right.html":
        "0a7b39c996f2f3a1e425e9cc811c1a6c1bdc1aa34d2dc792aa10084e654bd4b8",
    "appbuilder/general/confirm.html":
        "b40fa102c061f75bc43de5b65b90f4858d1b5fe8d223ad49c99c0e894125c062",
    # Landmarks, a skip link, named controls and announced messages (assistive technology).
    "appbuilder/baselayout.html":
        "105fed33362428021ec5e86fa17a25dac8fad972b567c1cb0b3fdb3af821cf07",
    "appbuilder/navbar.html":
        "140e7b7ef55a8b66b8adfa25bec7703fb07ad4ffc6c9f2e374e1f2914744de07",
    "appbuilder/flash.html":
        "a268376b17b04c6dc35908242f139183b30f40bc2f7db7a5cd327e3c9b3b4512",
}

# FAB templates ours extend or import (sha256 of FAB's): their blocks and macros are what
# ours fill in.
EXTENDED_TEMPLATES: dict[str, str] = {
    "appbuilder/baselayout.html":
        "105fed33362428021ec5e86fa17a25dac8fad972b567c1cb0b3fdb3af821cf07",
    "appbuilder/baselib.html":
        "c1979e69d6471f5b156a22af4a93d6b6e796136f15757240df19f69f4545660b",
    "appbuilder/general/lib.html":
        "d91fc4025d4fc213f0b3f62190af4157bf392b0db5b650fc6231fc2df98f5129",
    # Mirrored, not extended, by qlvb/list_widget.html (the header row and the empty list).
    "appbuilder/general/widgets/base_list.html":
        "16fec5c8fa0b3da9d887fce6168b109e26c96f48d32784304e8a8a0240421ea5",
    "appbuilder/general/widgets/list.html":
        "2a0fad48fe42239c756dbc963dcefa3cba1181c6d699378bc811dd081ebdb662",
    "appbuilder/general/model/list.html":
        "7c11106ff27fb6d248f340f40b533d8c8d06f70db9724a1293bc4e6b3993e597",
    "appbuilder/general/model/show.html":
        "67a574db1dc124a2216ff7a685718044bfe0f78f85d67116915e09aee522a1ea",
    # Mirrored by app.core.lists.LeanShowWidget and qlvb/show_widget.html (the record's table).
    "appbuilder/general/widgets/show.html":
        "babd5b80d4e383c4a0a2a6d535f3aaf17285eb4e9d76e1bbf8f0cfe85586358a",
}


# -- accessors ----------------------------------------------------------------------------------

def appbuilder(app: Flask | None = None) -> Any:
    """The AppBuilder bound to ``app`` (default: the current app), which FAB sets as an
    attribute of the Flask object."""
    return getattr(app if app is not None else current_app, "appbuilder")  # noqa: B009


def base_filters(view: Any) -> Filters:
    """The filters FAB applies to every row of ``view`` (its ``base_filters``, bound):
    what a custom route passes to ``datamodel.get`` to stay within the view's scope."""
    return view._base_filters


def scoped_row(datamodel: Any, filters: Filters, pk: Any) -> Any:
    """The record ``pk`` of ``datamodel`` within ``filters`` (a view's base filters), or
    None: what FAB's ``datamodel.get(pk, filters)`` returns, read by one query of the
    table with the filters applied (FAB's builds its list machinery around it). Composite
    keys and filters through a relation take FAB's way."""
    from flask_appbuilder.models.sqla.filters import set_value_to_type

    if datamodel.is_pk_composite() or any(is_column_dotted(f.column_name)
                                           for f in filters.filters):
        return datamodel.get(pk, filters)
    from sqlalchemy import bindparam

    from app.core.views import kept_row_statement

    name = datamodel.get_pk_name()
    value = set_value_to_type(datamodel, name, pk)
    if value is None:
        return None

    def build():
        query = datamodel.session.query(datamodel.obj).filter(
            getattr(datamodel.obj, name) == bindparam("scoped_pk"))
        return filters.apply_all(query).statement

    statement = kept_row_statement(datamodel, filters, build)
    return datamodel.session.execute(statement, {"scoped_pk": value}) \
        .unique().scalar_one_or_none()


def related_views(view: Any) -> list:
    """The related views of ``view``, as FAB instantiated them (for its templates)."""
    return view._related_views


def show_widgets(view: Any, item: Any) -> dict:
    """FAB's widgets of the show page of ``item`` (the record and its related views), as
    FAB's ``_show`` builds them but for a record the route has already read within the
    view's scope (``scoped_get_or_404``): the document and its files are read once."""
    widgets = view._get_show_widget(item.id, item)
    view.update_redirect()
    if not view._related_views:
        widgets["related_views"] = []
        return widgets
    return view._get_related_views_widgets(item, orders=get_order_args(),
                                           pages=get_page_args(),
                                           page_sizes=get_page_size_args(),
                                           widgets=widgets)


def deserialize_pk(view: Any, pk: Any) -> Any:
    """``pk`` as the route gave it, deserialised as FAB's views do (composite keys are
    JSON); an API view has no such step and gets ``pk`` back."""
    deserialize = getattr(view, "_deserialize_pk_if_composite", None)
    return deserialize(pk) if deserialize is not None else pk


def inner_query(datamodel: Any, query: Query, filters: Filters | None,
                select_columns: list[str] | None = None) -> Query:
    """FAB's inner query of a list (the filters of the table itself and its to-one
    relations), without order or page."""
    return datamodel._apply_inner_all(query, filters, select_columns=select_columns,
                                      aliases_mapping={})


# -- the process-wide patch: generated form fields ---------------------------------------------

FAB_FIELD_TABLE = FieldConverter.conversion_table


def install_field_conversions(fields: Mapping[str, type],
                              widgets: Mapping[str, type] | None = None) -> None:
    """Generated forms build the fields and widgets named here (by FAB's type marker,
    e.g. ``is_date``) instead of FAB's. FAB offers no other way than its class-level
    table, so this applies to every FAB form of the process; it is rebuilt from FAB's own
    table each time (calling it again is harmless)."""
    widgets = widgets or {}
    FieldConverter.conversion_table = tuple(
        (marker, fields.get(marker, field), widgets.get(marker, widget))
        for marker, field, widget in FAB_FIELD_TABLE)


def filter_converter_with(replaced: Mapping[type, type],
                          name: str = "AppFilterConverter") -> type:
    """A subclass of FAB's SQLAlchemy filter converter offering the filter classes of
    ``replaced`` in place of FAB's (the class FAB reads is not patched)."""
    table = tuple((marker, [replaced.get(f, f) for f in flts])
                  for marker, flts in sqla_filters.SQLAFilterConverter.conversion_table)
    return type(name, (sqla_filters.SQLAFilterConverter,),
                {"conversion_table": table, "__module__": __name__})


# -- API arguments: the rison schemas checked once --------------------------------------------

class _CheckedSchemas:
    """What FAB's ``rison`` decorator reads of ``jsonschema`` (``validate`` and
    ``ValidationError``), with each argument schema checked against its meta-schema once
    instead of on every request (jsonschema's ``validate`` does both each time); the
    arguments themselves are validated as before."""

    ValidationError = jsonschema.ValidationError
    _validators: dict[int, tuple[Any, Any]] = {}

    @classmethod
    def validate(cls, instance: Any, schema: Any, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            jsonschema.validate(instance, schema, *args, **kwargs)
            return
        kept = cls._validators.get(id(schema))
        if kept is None or kept[0] is not schema:
            checker = jsonschema.validators.validator_for(schema)
            checker.check_schema(schema)
            kept = cls._validators[id(schema)] = (schema, checker(schema))
        error = jsonschema.exceptions.best_match(kept[1].iter_errors(instance))
        if error is not None:
            raise error


def install_rison_validation() -> None:
    """FAB's API argument decorator (``flask_appbuilder.api.rison``) validates through
    ``_CheckedSchemas`` (the module's ``jsonschema`` name; nothing else is changed)."""
    fab_api.jsonschema = _CheckedSchemas


# -- API schemas ---------------------------------------------------------------------------------

def schema_converter_with(mixin: type) -> type:
    """A subclass of FAB's model-to-schema converter whose schemas also derive from
    ``mixin`` (a plain class with marshmallow hooks): for ``model2schemaconverter``."""

    def _meta_schema_factory(self: Any, columns: list[str], model: Any, class_mixin: type,
                             parent_schema_name: str | None = None) -> type:
        mixed = type(class_mixin.__name__, (class_mixin, mixin), {})
        return Model2SchemaConverter._meta_schema_factory(
            self, columns, model, mixed, parent_schema_name=parent_schema_name)

    return type(f"{mixin.__name__}Converter", (Model2SchemaConverter,),
                {"_meta_schema_factory": _meta_schema_factory, "__module__": __name__})


# -- views --------------------------------------------------------------------------------------

class RuleFormsMixin(_ViewBase):
    """A rule broken on an add or edit form re-shows the form, with what the user typed
    and the message beside the field (FAB would redirect and lose the input).

    ``_add`` and ``_edit`` are FAB 5.3's, catching ``DomainError`` around the write
    (``_write``)."""

    def _rule_error(self, form: Any, error: DomainError) -> None:
        self.datamodel.session.rollback()
        field = getattr(form, error.field, None) if getattr(error, "field", None) else None
        if field is not None:
            field.errors = list(field.errors or []) + [str(error)]
        flash(str(error), "danger")
        log.info("%s refused: %s", type(self).__name__, error)

    def _write(self, form: Any, item: Any, pre: Callable, write: Callable,
               post: Callable) -> bool:
        """The form onto ``item``, then the hooks and the write; False (the form is to be
        shown again) when a rule is broken."""
        try:
            form.populate_obj(item)
            pre(item)
            write(item)
            post(item)
        except DomainError as error:
            self._rule_error(form, error)
            return False
        return True

    def _add(self) -> Any:
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        form = self.add_form.refresh()
        if request.method == "POST":
            self._fill_form_exclude_cols(exclude_cols, form)
            if form.validate():
                self.process_form(form, True)
                item = self.datamodel.obj()
                if not self._write(form, item, self.pre_add, self.datamodel.add,
                                   self.post_add):
                    return self._get_add_widget(form=form, exclude_cols=exclude_cols)
                flash(self.add_row_message, "success")
                return None
        else:
            self.update_redirect()
        return self._get_add_widget(form=form, exclude_cols=exclude_cols)

    def _edit(self, pk: Any) -> Any:
        pages = get_page_args()
        page_sizes = get_page_size_args()
        orders = get_order_args()
        get_filter_args(self._filters, disallow_if_not_in_search=False)
        exclude_cols = self._filters.get_relation_cols()
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            abort(404)
        pk = self.datamodel.get_pk_value(item)
        if request.method == "POST":
            form = self.edit_form.refresh(request.form)
            self._fill_form_exclude_cols(exclude_cols, form)
            form._id = pk
            if form.validate():
                self.process_form(form, False)
                if self._write(form, item, self.pre_update, self.datamodel.edit,
                               self.post_update):
                    flash(self.edit_row_message, "success")
                    return None
        else:
            form = self.edit_form.refresh(obj=item)
            self.update_redirect()
        widgets = self._get_edit_widget(form=form, exclude_cols=exclude_cols)
        widgets = self._get_related_views_widgets(
            item, filters={}, orders=orders, pages=pages, page_sizes=page_sizes,
            widgets=widgets)
        return widgets

    def _delete(self, pk: Any) -> Any:
        try:
            return super()._delete(pk)
        except DomainError as error:
            self.datamodel.session.rollback()
            flash(str(error), "danger")


class ListArgumentsMixin(_ViewBase):
    """FAB's list page with its order and page arguments passed through
    ``list_arguments`` first; a page number or size that is not a number answers 400."""

    def list_arguments(self, order_column: str, order_direction: str, page: int | None,
                       page_size: int | None) -> tuple[str, str, int | None, int | None]:
        """Override: the arguments the list is built with."""
        return order_column, order_direction, page, page_size

    def _list(self, **kwargs: Any) -> Any:
        try:
            return super()._list(**kwargs)
        except ValueError:  # a page number or size that is not a number
            abort(400)

    def _get_list_widget(self, filters: Filters, actions: Any = None, order_column: str = "",
                         order_direction: str = "", page: int | None = None,
                         page_size: int | None = None, widgets: dict | None = None,
                         **kwargs: Any) -> dict:
        order_column, order_direction, page, page_size = self.list_arguments(
            order_column, order_direction, page, page_size)
        return super()._get_list_widget(
            filters, actions=actions, order_column=order_column,
            order_direction=order_direction, page=page, page_size=page_size,
            widgets=widgets, **kwargs)


# -- data interface -------------------------------------------------------------------------------

class ReusedFilters(Filters):
    """FAB's filter set, whose filter objects per column (stateless: a column and a data
    interface) are made once per data interface instead of a few hundred per request."""

    def _get_filters(self, cols: list[str]) -> dict:
        cache = self.datamodel.__dict__.setdefault("_filters_by_columns", {})
        key = tuple(cols)
        if key not in cache:
            cache[key] = super()._get_filters(cols)
        return {col: list(filters) for col, filters in cache[key].items()}

    def get_joined_filters(self, filters: Filters) -> Filters:
        """FAB's (these filters followed by ``filters``), as a set of reused filter
        objects: FAB's makes a plain set, building the filters of every column again."""
        joined = ReusedFilters(self.filter_converter, self.datamodel)
        joined.filters = self.filters + filters.filters
        joined.values = self.values + filters.values
        return joined


class InnerFiltersMixin(_ViewBase):
    """For SQLAInterface: filter sets made of reused filter objects."""

    def get_filters(self, search_columns: list[str] | None = None,
                    search_filters: dict | None = None) -> Filters:
        return ReusedFilters(self.filter_converter_class, self, search_columns, search_filters)

    def get_inner_filters(self, filters: Filters | None) -> Filters:
        """FAB's (the filters on the table's own columns and its to-one relations), with
        reused filter objects."""
        inner = ReusedFilters(self.filter_converter_class, self)
        kept = []
        for flt, value in zip(filters.filters, filters.values, strict=True) if filters else ():
            root = get_column_root_relation(flt.column_name)
            if not is_column_dotted(flt.column_name) or self.is_relation_many_to_one(root) \
                    or self.is_relation_one_to_one(root):
                kept.append((flt.column_name, flt.__class__, value))
        inner.add_filter_list(kept)
        return inner


# -- security manager ------------------------------------------------------------------------------

class PermissionSetMixin(_ManagerBase):
    """FAB's two permission look-ups (one permission; the menu entries a user may see)
    answered from the set of (permission, resource) pairs of the user's roles, which the
    subclass's ``_role_permission_set(role_ids)`` returns (cached per request)."""

    _role_permission_set: Callable[[list[int]], AbstractSet[tuple[str, str]]]

    def _has_view_access(self, user: Any, permission_name: str, view_name: str) -> bool:
        roles = self.get_user_roles(user)
        role_ids = [r.id for r in roles]
        if not role_ids:
            return False
        return (permission_name, view_name) in self._role_permission_set(role_ids)

    def _get_user_permission_view_menus(self, user: Any, permission_name: str,
                                        view_menus_name: list[str] | None) -> set[str]:
        roles = [self.get_public_role()] if user is None else self.get_user_roles(user)
        role_ids = [r.id for r in roles if r is not None]
        perms = self._role_permission_set(role_ids) if role_ids else set()
        names = view_menus_name or []
        return {name for name in names if (permission_name, name) in perms}
