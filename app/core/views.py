"""Base classes every screen and API of ours derives from: Vietnamese dates, a rule broken
in a service becomes a message (and nothing is half-saved), permissions by resource."""

import logging
from types import FunctionType
from typing import Any

from flask import abort, current_app, flash, redirect, request, session, url_for
from flask_appbuilder import ModelRestApi, ModelView, expose
from flask_appbuilder.exceptions import DatabaseException
from flask_appbuilder.fieldwidgets import DatePickerWidget
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import format_number
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.exc import InvalidRequestError, SQLAlchemyError
from sqlalchemy.orm import Load
from wtforms import DateField, IntegerField
from wtforms.validators import StopValidation
from wtforms.widgets import html_params

from app.core import fab, kept
from app.core.errors import DomainError
from app.core.fab import InnerFiltersMixin, ListArgumentsMixin, RuleFormsMixin
from app.core.inputs import CleanTextFormsMixin, CleanTextSchemaMixin
from app.core.lists import LeanListMixin, ListDumper
from app.core.methods import CRUD_METHODS
from app.core.timeutil import fmt_date, fmt_datetime

log = logging.getLogger(__name__)


def count_cap():
    """How far lists count their rows (LIST_COUNT_CAP, 10,000 by default)."""
    return current_app.config.get("LIST_COUNT_CAP", 10000)


def _hashable(value):
    if isinstance(value, list | tuple | set | frozenset):
        return tuple(_hashable(v) for v in value)
    return value


def _list_key(datamodel, filters):
    """Everything a list of ``datamodel`` under ``filters`` depends on besides the data:
    the list's filters and their values (the view's own and the user's search), the user,
    their unit and the security stamp (roles, grants: the scope), and today's date (the
    tracking lists compare with it); None when a value cannot be a key."""
    from flask import g

    from app.core.scope import scope_key
    from app.core.timeutil import local_today

    made = g.setdefault("_list_keys", {})  # the count and the rows ask for the same key
    mark = (id(datamodel), id(filters), len(getattr(filters, "values", ())))
    seen = made.get(mark)
    if seen is not None and seen[0] is filters:
        return seen[1]
    try:
        conditions = tuple(
            (type(flt).__module__, type(flt).__qualname__, flt.column_name,
             _hashable(value() if callable(value) else value))
            for flt, value in zip(filters.filters, filters.values, strict=True)) \
            if filters is not None else ()
        key = (id(datamodel), datamodel.obj.__name__, conditions, *scope_key(),
               local_today())
        hash(key)
    except (TypeError, ValueError):
        key = None
    made[mark] = (filters, key)
    return key


def _kept_list_value(namespace, datamodel, filters, extra, compute, large=False):
    """``compute()``, kept under the list's key (``_list_key``) and ``extra`` while nothing
    is written (``app.core.kept``), for ``LIST_COUNT_CACHE_SECONDS`` at most (30 by
    default, 0 keeps nothing)."""
    from flask import g, has_request_context

    seconds = current_app.config.get("LIST_COUNT_CACHE_SECONDS", 30)
    # Without a security stamp (its table missing) a change of scope on another worker
    # would go unseen: nothing is kept then.
    if not seconds or not has_request_context() or g.get("_security_stamp") is None:
        return compute()
    key = _list_key(datamodel, filters)
    if key is None:
        return compute()
    try:
        full = (key, extra)
        hash(full)
    except TypeError:
        return compute()
    return kept.remember(namespace, full, compute, seconds, large=large)


def kept_count(datamodel, filters, compute):
    """``compute()`` (the capped count of a list of ``datamodel`` under ``filters``), kept
    while nothing is written: another user, filter or day is another count
    (``_kept_list_value``)."""
    return _kept_list_value("list-count", datamodel, filters, (), compute)


def kept_list_statement(datamodel, filters, extra, build):
    """``build()`` (the statement of a page of a list of ``datamodel`` under ``filters``,
    with whether it selects one entity; ``extra``: its order, page and columns), kept like
    the list's count: a statement made once keeps its cache key, so the next page of the
    same list, user and day runs it without building FAB's query again. Rows are read
    every time."""
    return _kept_list_value("list-statement", datamodel, filters, extra, build, large=True)


def kept_row_statement(datamodel, filters, build):
    """``build()`` (the statement of one record of ``datamodel`` under ``filters``, its key
    a parameter), kept like a list's statement: every page of a record the same user opens
    the same day, while nothing is written, runs it without building it again."""
    from app.core.scope import one_record

    return _kept_list_value("row-statement", datamodel, filters, (one_record(),), build,
                            large=True)


class CappedCount(int):
    """A row count that stopped at the cap: a number for the pagination, "more than
    10.000" where it is shown."""

    capped = True

    def __str__(self):
        return _("more than %(n)s", n=format_number(int(self)))

    def __html__(self):
        return str(escape(str(self)))


class VNDatePickerWidget(DatePickerWidget):
    """FAB's date picker reading and writing dd/mm/yyyy."""

    data_template = (
        '<div class="input-group date qlvb_date">'
        '<span class="input-group-addon"><i class="fa fa-calendar cursor-hand"></i></span>'
        '<input class="form-control" autocomplete="off" placeholder="dd/mm/yyyy" %(text)s />'
        "</div>"
    )

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("name", field.name)
        return Markup(self.data_template % {
            "text": html_params(type="text", value=field._value(), **kwargs)})


class VNDateField(DateField):
    def __init__(self, label=None, validators=None, format="%d/%m/%Y", **kwargs):
        super().__init__(label, validators, format=[format, "%Y-%m-%d"], **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y") if self.data else ""


class BoundedIntegerField(IntegerField):
    """A whole number within the integer columns' range (a larger one would reach the
    database and fail there)."""

    def pre_validate(self, form):
        from app.core.inputs import MAX_ID

        if self.data is not None and not -MAX_ID <= self.data <= MAX_ID:
            self.data = None
            raise StopValidation(_("Enter a whole number between %(a)s and %(b)s.",
                                   a=format_number(-MAX_ID), b=format_number(MAX_ID)))


def install_form_conventions() -> None:
    """Date columns on every generated form read dd/mm/yyyy; integer columns take numbers
    within their range."""
    fab.install_field_conversions(
        fields={"is_date": VNDateField, "is_integer": BoundedIntegerField},
        widgets={"is_date": VNDatePickerWidget})


def _date_formatters(datamodel, columns):
    formatters = {}
    for col in columns:
        if "." in col:
            continue
        try:
            if datamodel.is_datetime(col):
                formatters[col] = fmt_datetime
            elif datamodel.is_date(col):
                formatters[col] = fmt_date
            elif _is_time(datamodel, col):
                formatters[col] = _time_formatter
        except Exception:  # relations and methods are not columns
            continue
    return formatters


def _is_time(datamodel, col):
    from sqlalchemy import Time

    column = datamodel.obj.__table__.columns.get(col)
    return column is not None and isinstance(column.type, Time)


def _time_formatter(value):
    return value.strftime("%H:%M") if value is not None else ""


def _blank_if_none(formatter=None):
    """Empty cells read empty, never "None"."""
    def format_value(value):
        if value is None:
            return ""
        return formatter(value) if formatter else value
    return format_value


def _bool_formatter(value):
    from flask_babel import gettext as _

    return _("Yes") if value else _("No")


def _with_length_limits(datamodel, validators_columns):
    """Every text column's form field refuses input longer than the column (SQLite would
    store it; PostgreSQL would refuse it with an error)."""
    from wtforms.validators import Length

    out = {k: list(v) for k, v in (validators_columns or {}).items()}
    for column in datamodel.obj.__table__.columns:
        length = getattr(column.type, "length", None)
        if length and not any(isinstance(v, Length) for v in out.get(column.key, [])):
            out.setdefault(column.key, []).append(
                Length(max=length, message=_l("At most %(max)d characters.")))
    return out


class KnownActionsMixin:
    """FAB's action routes call the named action on the named rows without checking that
    either exists: an unknown action, an action for many rows called on one, or a row that
    is not there answered 500 (to anyone, signed in or not). Here they answer 404; and a
    user without the action's permission is refused like on every other screen (the
    sign-in page, 403 when signed in) where FAB flashed and redirected."""

    def contributed_actions(self):
        """The actions a higher feature adds to this view's lists
        (``app.core.registry.add_list_action``), as FAB's ActionItems (many rows only)."""
        from flask_appbuilder.actions import ActionItem

        from app.core import registry

        def item(contributed):
            return ActionItem(contributed.name, contributed.text, contributed.confirmation,
                              contributed.icon, True, False,
                              lambda rows: contributed.run(self, rows))

        return {a.name: item(a) for a in registry.list_actions(self.class_permission_name)
                if a.name not in self.actions}

    def all_actions(self):
        return {**self.actions, **self.contributed_actions()}

    def action_allowed(self, name):
        """Whether the user may run the action ``name``: a view's own by its permission on
        this view; a contributed one by the permission its feature names."""
        sm = self.appbuilder.sm
        from app.core import registry

        for contributed in registry.list_actions(self.class_permission_name):
            if contributed.name == name and name not in self.actions:
                return sm.has_access(contributed.permission, contributed.on) and \
                    sm.has_access("can_" + self.get_method_permission("list"),
                                  self.class_permission_name)
        return sm.has_access(self.get_action_permission_name(name), self.class_permission_name)

    def _known_action(self, name, single):
        known = self.all_actions().get(name or "")
        if known is None or (single and not known.single):
            abort(404)
        if not self.action_allowed(name):
            login = self.appbuilder.sm.auth_view.__class__.__name__ + ".login"
            return redirect(url_for(login, next=request.url))
        return None

    def _existing_rows(self, pks):
        if not pks:
            abort(404)
        for pk in pks:
            try:
                found = self.datamodel.get(fab.deserialize_pk(self, pk))
            except (SQLAlchemyError, ValueError, OverflowError):
                found = None
            if found is None:
                abort(404)

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        refused = self._known_action(name, single=True)
        if refused is not None:
            return refused
        self._existing_rows([pk])
        return super().action(name, pk)

    @expose("/action_post", methods=["POST"])
    def action_post(self):
        refused = self._known_action(request.form.get("action"), single=False)
        if refused is not None:
            return refused
        self._existing_rows(request.form.getlist("rowid"))
        contributed = self.contributed_actions().get(request.form.get("action"))
        if contributed is not None:
            return contributed.func([self.datamodel.get(fab.deserialize_pk(self, pk))
                                     for pk in request.form.getlist("rowid")])
        return super().action_post()


class AppModelView(KnownActionsMixin, RuleFormsMixin, ListArgumentsMixin, LeanListMixin,
                   CleanTextFormsMixin, ModelView):
    """A FAB ModelView with our conventions (the text of its forms cleaned). Subclasses set
    ``class_permission_name`` to their resource; rules live in services and are called from
    ``check``."""

    method_permission_name = CRUD_METHODS
    page_size = 25
    # FAB's /download/<filename> serves any upload with no row check: never expose it.
    exclude_route_methods = {"download"}

    def __init__(self, **kwargs):
        self.validators_columns = _with_length_limits(self.datamodel, self.validators_columns)
        super().__init__(**kwargs)
        cols = set(self.list_columns) | set(self.show_columns)
        auto = _date_formatters(self.datamodel, cols)
        for col in cols:
            if "." not in col:
                try:
                    if self.datamodel.is_boolean(col):
                        auto.setdefault(col, _bool_formatter)
                except Exception:
                    pass
        auto.update(self.formatters_columns or {})
        self.formatters_columns = {col: _blank_if_none(auto.get(col)) for col in cols}
        self.formatters_columns.update({k: v for k, v in auto.items() if k not in cols})

    def _init_titles(self):
        """A title the view leaves unset reads in the user's language from its list's title
        ("Thêm — Cột của sổ đăng ký"), never FAB's English "Add Register Column"."""
        what = self.list_title
        if what:
            self.add_title = self.add_title or _l("Add — %(what)s", what=what)
            self.edit_title = self.edit_title or _l("Edit — %(what)s", what=what)
            self.show_title = self.show_title or _l("Details — %(what)s", what=what)
        super()._init_titles()

    def check(self, item):
        """Override: raise DomainError when ``item`` breaks a rule."""

    def update_redirect(self):
        """FAB's "back" history (the last pages, without the same page twice in a row),
        written to the session only when it changes: the same page asked again leaves the
        session as it was, so it is not signed and sent back (``app.core.sessions``)."""
        history = session.get("page_history")
        if history and history[-1] == request.url:
            return
        super().update_redirect()

    MAX_PAGE_SIZE = 100

    def list_arguments(self, order_column: str, order_direction: str, page: int | None,
                       page_size: int | None) -> tuple[str, str, int | None, int | None]:
        # Order only by the columns the screen offers (FAB would sort by any attribute,
        # hidden ones included, or fail on a relation); pages within bounds.
        if order_column and order_column not in (self.order_columns or []):
            order_column, order_direction = "", ""
        if page is not None and page < 0:
            page = 0
        if page_size is not None and not 1 <= page_size <= self.MAX_PAGE_SIZE:
            page_size = self.page_size
        size, cap = page_size or self.page_size, count_cap()
        if page and page * size >= cap:
            page = (cap - 1) // size
            flash(_("Only the first %(n)s records can be browsed page by page; narrow the list "
                    "with the search filters.", n=format_number(cap)), "info")
        return order_column, order_direction, page, page_size

    def _checked(self, item):
        try:
            self.check(item)
        except DomainError:
            # Nothing of the rejected form may reach the database.
            self.datamodel.session.rollback()
            raise

    def pre_add(self, item):
        self._checked(item)

    def pre_update(self, item):
        self._checked(item)


fab.install_rison_validation()


class AppModelRestApi(ModelRestApi):
    """A FAB ModelRestApi with our conventions: a broken rule answers 422 with the message;
    the text of the schemas FAB makes is cleaned (declared schemas derive from
    ``CleanSchema``)."""

    method_permission_name = CRUD_METHODS
    model2schemaconverter = fab.schema_converter_with(CleanTextSchemaMixin)
    allow_browser_login = False

    def _init_model_schemas(self):
        super()._init_model_schemas()
        # Lists of a fixed schema are written without marshmallow's per-field overhead.
        if self.list_model_schema is not None:
            ListDumper.install(self.list_model_schema)

    def check(self, item):
        """Override: raise DomainError when ``item`` breaks a rule."""

    def pre_add(self, item):
        self.check(item)

    def pre_update(self, item):
        self.check(item)

    def _label_columns_json(self, cols=None):
        """FAB's labels of ``cols`` in the user's language, translated once per language
        and set of columns (FAB translates each label again on every call)."""
        return self._kept_json("_kept_labels", super()._label_columns_json, cols)

    def _description_columns_json(self, cols=None):
        return self._kept_json("_kept_descriptions", super()._description_columns_json, cols)

    def _kept_json(self, name, make, cols):
        from flask_babel import get_locale

        kept_json = self.__dict__.setdefault(name, {})
        key = (str(get_locale()), tuple(cols or ()))
        if key not in kept_json:
            kept_json[key] = make(cols)
        return dict(kept_json[key])

    def response_422(self, message=None):
        from app.core.api import translate_message

        return super().response_422(message=translate_message(message))

    def _guarded(self, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DomainError as error:
            self.datamodel.session.rollback()
            log.info("api %s refused: %s", type(self).__name__, error)
            return self.response_422(message=str(error))
        except SQLAlchemyError:
            self.datamodel.session.rollback()
            log.exception("api %s: database refused the write", type(self).__name__)
            return self.response_422(message=_("The data conflicts with an existing record."))

    def get_list_headless(self, **kwargs):
        args = kwargs.get("rison", {})
        page, size = args.get("page"), args.get("page_size")
        if (page is not None and (not isinstance(page, int) or page < 0)) or (
                size is not None and (not isinstance(size, int) or size < 1)):
            return self.response_400(message=_("The page and the page size must be positive "
                                               "numbers."))
        # Deep OFFSET pages cost a scan of every row before them: the API pages as far as
        # the screens count (LIST_COUNT_CAP); past it, filters narrow the list.
        cap = count_cap()
        if page and page * (size or self.page_size) >= cap:
            return self.response_400(message=_(
                "Only the first %(n)s records can be browsed page by page; narrow the list "
                "with the search filters.", n=format_number(cap)))
        return super().get_list_headless(**kwargs)

    def post_headless(self):
        return self._guarded(super().post_headless)

    def put_headless(self, pk):
        return self._guarded(super().put_headless, pk)

    def delete_headless(self, pk):
        return self._guarded(super().delete_headless, pk)


def like_literal(value):
    """``value`` for a LIKE pattern with ``\\`` as escape: its ``%`` and ``_`` match
    themselves (a search for "10%" finds "10%", not everything that starts with 10)."""
    return str(value).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _literal_like_filter(base, negate, prefix, suffix):
    """FAB's ``base`` (contains, starts with, ends with, and their negations) matching the
    typed text literally."""
    from flask_appbuilder.models.sqla.filters import get_field_setup_query

    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        condition = field.ilike(prefix + like_literal(value) + suffix, escape="\\")
        return query.filter(~condition if negate else condition)

    return type(base.__name__, (base,), {"apply": apply, "__module__": __name__})


def _literal_filter_converter() -> type:
    from flask_appbuilder.models.sqla import filters as F

    return fab.filter_converter_with(
        {cls: _literal_like_filter(cls, negate, prefix, suffix)
         for cls, negate, prefix, suffix in (
             (F.FilterContains, False, "%", "%"), (F.FilterNotContains, True, "%", "%"),
             (F.FilterStartsWith, False, "", "%"), (F.FilterNotStartsWith, True, "", "%"),
             (F.FilterEndsWith, False, "%", ""), (F.FilterNotEndsWith, True, "%", ""))},
        name="LiteralFilterConverter")


LiteralFilterConverter = _literal_filter_converter()


# From this many rows into a list, a page reads its ids first (AppSQLAInterface._deep_page).
DEEP_OFFSET = 250


def row_class(model):
    """A class for rows of ``model`` read as values (a dict of column names and values):
    the methods and properties the model's own classes (this application's) define, on
    those values, without the ORM. A value the row was not read with is missing."""
    namespace = {}
    for klass in reversed(model.__mro__):
        if not klass.__module__.startswith("app."):
            continue
        for name, member in vars(klass).items():
            if isinstance(member, FunctionType | property) and \
                    (not name.startswith("__") or name in ("__repr__", "__str__")):
                namespace[name] = member

    def __init__(self, values):
        self.__dict__ = values

    namespace["__init__"] = __init__
    namespace["__doc__"] = f"A row of {model.__name__} read as values."
    return type(f"{model.__name__}Row", (), namespace)


class AppSQLAInterface(InnerFiltersMixin, SQLAInterface):
    """FAB's data interface, answering a database refusal with a message instead of the
    raw SQL text FAB would otherwise flash, and matching text filters literally."""

    filter_converter_class = LiteralFilterConverter
    # Loader options of a list's rows (not of its count), e.g. the relations its columns
    # never read left to load lazily.
    row_options: tuple = ()
    # A list screen's rows read as values rather than ORM objects: the columns its cells
    # read and named expressions, each row an object of ``row_class(model)`` (the model's
    # own methods on those values). Empty: the rows are the model's objects.
    list_reads: tuple[str, ...] = ()
    list_expressions: tuple[tuple[str, Any], ...] = ()

    def _guard(self, func, item, **kwargs):
        try:
            return func(item, **kwargs)
        except (SQLAlchemyError, DatabaseException) as error:
            log.warning("write refused by the database: %s", error)
            raise DomainError(_("The data conflicts with an existing record or is "
                                "referenced elsewhere; nothing was saved.")) from error

    def apply_inner_select_joins(self, query, select_columns=None, aliases_mapping=None):
        """FAB's, with the load options of plain columns made once per set of columns: one
        ``load_only`` of them all (FAB builds one option per column on every request)."""
        if not select_columns or any("." in column for column in select_columns):
            return super().apply_inner_select_joins(query, select_columns, aliases_mapping)
        key = tuple(select_columns)
        kept_options = self.__dict__.setdefault("_kept_load_only", {})
        option = kept_options.get(key, False)
        if option is False:
            plain = [getattr(self.obj, column) for column in select_columns
                     if not self.is_relation(column)
                     and not self.is_property_or_function(column)]
            option = Load(self.obj).load_only(*plain) if plain else None
            kept_options[key] = option
        return query if option is None else query.options(option)

    def _plain_columns(self, select_columns):
        """The table columns named by ``select_columns`` (with the primary key), when they
        are all plain columns of the table; else None."""
        if not select_columns or self.is_pk_composite():
            return None
        key = tuple(select_columns)
        kept_columns = self.__dict__.setdefault("_kept_plain_columns", {})
        if key not in kept_columns:
            plain = None
            if not any("." in column for column in select_columns) and not any(
                    self.is_relation(column) or self.is_property_or_function(column)
                    or not hasattr(self.obj, column) for column in select_columns):
                names = list(dict.fromkeys([*select_columns, self.get_pk_name()]))
                plain = [getattr(self.obj, name) for name in names]
            kept_columns[key] = plain
        return kept_columns[key]

    def query_count(self, query, filters=None, select_columns=None):
        """The number of rows of a list, counted up to the cap (then a CappedCount): the
        primary keys of the filtered query, limited, without its eager loads (nor the
        columns a page selects: a join to a to-one relation changes no count)."""
        return self._capped_count(lambda: query, filters)

    def _capped_count(self, make_query, filters):
        """``query_count`` of the query ``make_query()`` makes, made only when the count
        is not kept."""
        cap = count_cap()

        def counted():  # built only when the count is not kept
            inner = fab.inner_query(self, make_query(), filters)
            pk = getattr(self.obj, self.get_pk_name())
            limited = inner.with_entities(pk).order_by(None).limit(cap + 1).subquery()
            return self.session.query(func.count()).select_from(limited).scalar()

        count = kept_count(self, filters, counted)
        return CappedCount(cap) if count > cap else count

    def query(self, filters=None, order_column="", order_direction="", page=None,
              page_size=None, select_columns=None, outer_default_load=False):
        """FAB's (the count and a page of rows), reading the rows first, with one row
        more than the page: a page that is not full ends the list, so the rows before it
        and on it are the count; a full page followed by a row and reaching the cap means
        "more than the cap". Only otherwise is the list counted (capped)."""
        plain = self._plain_columns(select_columns)
        light = plain is None and not select_columns and bool(self.list_reads)
        # What the query selects; the query itself is made only when a statement is built
        # or the list counted (a kept statement needs neither).
        if plain is not None:
            # Plain columns only (the API lists): rows of those values, no objects made.
            selected = plain
            select_columns = None
        elif light:
            selected = self._light_columns()
        else:
            selected = [self.obj]

        def base_query():
            return self.session.query(*selected)
        peek = bool(page_size) and not (select_columns and
                                        self.exists_col_to_many(select_columns))
        offset = (page or 0) * (page_size or 0)

        def paged_query():
            return self.apply_all(base_query(), filters, order_column, order_direction, page,
                                  page_size, select_columns, outer_default_load)

        if plain is None and peek and offset >= DEEP_OFFSET:
            rows = self._deep_page(paged_query().limit(page_size + 1), light)
        else:
            def build():
                paged = paged_query()
                if plain is None and not light and self.row_options:
                    paged = paged.options(*self.row_options)
                statement = (paged.limit(page_size + 1) if peek else paged).statement
                return statement, len(statement.column_descriptions) == 1

            statement, single = kept_list_statement(
                self, filters, (order_column, order_direction, page, page_size,
                                tuple(select_columns or ()), outer_default_load,
                                plain is not None), build)
            rows = self._read(statement, plain is None and not light, single)
        more = peek and len(rows) > page_size
        if more:
            rows = rows[:page_size]
        cap = count_cap()
        if peek and not more and (rows or not page):
            count = offset + len(rows)
            count = CappedCount(cap) if count > cap else count
        elif more and offset + page_size >= cap:
            count = CappedCount(cap)
        else:
            count = self._capped_count(base_query, filters)
        if light:
            return count, self._light_rows(rows)
        name = self.obj.__name__
        if rows and not all(hasattr(row, name) for row in rows):
            return count, rows
        return count, [getattr(row, name) for row in rows]

    def _read(self, statement, objects, single):
        """The rows of a list's ``statement``: its objects (``objects``; ``single``: a
        statement of one entity) or its rows, one per entity where joined loads of a
        collection repeat an entity over several rows (as FAB's ``Query.all()`` gives
        them)."""
        if not objects:  # plain columns: rows as the database gives them
            return self.session.connection().execute(statement).all()
        result = self.session.execute(statement)
        if not single:
            return result.all()
        try:
            return result.scalars().all()
        except InvalidRequestError:  # a joined load of a collection
            return self.session.execute(statement).unique().scalars().all()

    def _deep_page(self, paged, light=False):
        """The rows of a page far into a list: first their ids, in the list's order, from
        the same filtered, ordered and offset query (the rows skipped are walked in an
        index, not read), then those rows by id (as values when ``light``)."""
        pk = getattr(self.obj, self.get_pk_name())
        ids = [row[0] for row in paged.with_entities(pk).all()]
        if not ids:
            return []
        if light:
            found = self.session.connection().execute(
                select(*self._light_columns()).where(pk.in_(ids))).all()
        else:
            found = self.session.query(self.obj).options(*self.row_options) \
                .filter(pk.in_(ids)).all()
        by_id = {getattr(row, pk.key): row for row in found}
        return [by_id[i] for i in ids if i in by_id]

    def _light_columns(self):
        """The columns and labelled expressions a list screen's row reads (``list_reads``,
        ``list_expressions``, with the primary key), made once."""
        columns = self.__dict__.get("_kept_light_columns")
        if columns is None:
            names = dict.fromkeys([self.get_pk_name(), *self.list_reads])
            columns = [getattr(self.obj, name) for name in names] + [
                expression.label(name) for name, expression in self.list_expressions]
            self.__dict__["_kept_light_columns"] = columns
        return columns

    def _light_rows(self, rows):
        """Each row read as values made an object of ``row_class(model)``."""
        make = self.__dict__.get("_kept_row_class")
        if make is None:
            make = self.__dict__["_kept_row_class"] = row_class(self.obj)
        return [make(row._asdict()) for row in rows]

    def add(self, item, commit=True):
        return self._guard(super().add, item, commit=commit)

    def edit(self, item, commit=True):
        return self._guard(super().edit, item, commit=commit)

    def delete(self, item, commit=True):
        return self._guard(super().delete, item, commit=commit)
