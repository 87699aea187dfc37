"""One renderer for every list of ours: the rows written by a row writer compiled once per
view and language (no widget template per cell, no URL built per row, labels translated
once), an empty list that says why and what to do next, and rows that read as cards on a
phone (docs/domain.md §4: urgent documents stand out; the badges carry their text).

The page keeps FAB's list URLs, search filters, ordering, page arguments and actions: the
header (pagination, page size, actions, count) is FAB's macro; only the rows are ours."""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from flask import current_app, g, url_for
from flask_appbuilder.widgets import ListWidget, RenderTemplateWidget, SearchWidget, ShowWidget
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy.engine import Row

from app.core import freshness

# Cards on a phone show these columns first, in this order (number, date, summary, state,
# deadline); the others follow in the list's order.
CARD_FIRST = ("number_label", "arrival_date", "symbol", "document_date", "summary",
              "state_label", "deadline_cell")

PK = "__qlvb_pk__"


@dataclass(frozen=True)
class NextStep:
    """A button under an empty list: ``endpoint`` shown when the user holds
    ``permission`` on ``resource`` (both None: always)."""

    endpoint: str
    label: Any
    icon: str = "fa-plus"
    permission: str | None = None
    resource: str | None = None
    primary: bool = True


def _getter(model: type, col: str) -> Callable[[Any], Any]:
    """How FAB reads a list cell (``_get_attr_value``), decided once per column: a dotted
    path through relations, a method called, an attribute (an Enum by its value)."""
    if "." in col:
        names = col.split(".")

        def dotted(item: Any) -> Any:
            try:
                return reduce(getattr, names, item)
            except Exception:  # a missing relation reads empty, as in FAB
                return ""
        return dotted
    member = getattr(model, col, None)
    if callable(member) and not hasattr(member, "property") and not isinstance(member, type):
        def method(item: Any) -> Any:
            return getattr(item, col)()
        return method

    def attribute(item: Any) -> Any:
        value = getattr(item, col, "")
        return value.value if isinstance(value, enum.Enum) else value
    return attribute


def _html(value: Any) -> str:
    if value is None:
        return ""
    return str(escape(value))


def _memoised(formatter: Callable[[Any], Any]) -> Callable[[Any], str]:
    """``formatter`` as escaped HTML, computed once per distinct value of the page (a
    formatter is a function of the cell's value: the urgency badge, a date, yes/no)."""
    seen: dict[Any, str] = {}

    def cell(value: Any) -> str:
        try:
            return seen[value]
        except KeyError:
            out = seen[value] = _html(formatter(value))
            return out
        except TypeError:  # not hashable
            return _html(formatter(value))
    return cell


def _cell_writer(view: Any, col: str) -> Callable[[Any], str]:
    labels = (getattr(view, "list_labels", None) or {}).get(col)
    if labels is not None:
        # A label looked up by a column's value, translated once per page.
        attr, mapping = labels
        texts = {key: _html(str(text)) for key, text in mapping.items()}

        def label(item: Any) -> str:
            key = getattr(item, attr)
            text = texts.get(key)
            return text if text is not None else _html(key)
        return label
    get = _getter(view.datamodel.obj, col)
    formatter = (view.formatters_columns or {}).get(col)
    if formatter is not None:
        fmt = _memoised(formatter)
        return lambda item: fmt(get(item))
    return lambda item: _html(get(item))


def _safe_url(endpoint: str, pk: str | None = PK) -> str | None:
    """The URL of a row's route with the key left to fill in; None when the view does not
    serve that route (as FAB's ``safe_url_for``)."""
    try:
        return url_for(endpoint, pk=pk) if pk is not None else url_for(endpoint)
    except Exception:  # BuildError: the route is excluded
        return None


class RowWriter:
    """The ``<tr>`` of a page of rows for one view, built from pieces computed once: each
    column's reader and formatter, its label for the card, the row's links with the key
    left to fill in."""

    def __init__(self, view: Any, can_show: bool, can_edit: bool, can_delete: bool,
                 with_checkbox: bool, link_suffix: str) -> None:
        columns = list(view.list_columns)
        first = list(getattr(view, "card_first", CARD_FIRST))
        order = {col: i + 1 for i, col in enumerate(c for c in first if c in columns)}
        labels = view.label_columns
        self.cells = []
        for col in columns:
            css = f"qlvb-c-{col.replace('.', '-')} qlvb-o{order.get(col, 9)}"
            opening = Markup('<td class="{}" data-label="{}">').format(
                css, str(labels.get(col, col)))
            self.cells.append((str(opening), _cell_writer(view, col)))
        self.checkbox = with_checkbox
        name = type(view).__name__
        buttons = []
        # (route, allowed, link or delete, icon, title, screen-reader text), as FAB's.
        for route, allowed, icon, title, text in (
                ("show", can_show, "fa-search", _("Show record"), _("Show")),
                ("edit", can_edit, "fa-edit", _("Edit record"), _("Edit")),
                ("delete", can_delete, "fa-trash", _("Delete record"), _("Delete"))):
            url = _safe_url(f"{name}.{route}") if allowed else None
            if url is None:
                continue
            target = Markup('href="#" data-delete="{}" class="btn btn-sm btn-default '
                            'qlvb-delete"').format(Markup(url)) if route == "delete" else \
                Markup('href="{}" class="btn btn-sm btn-default"').format(
                    Markup(url + link_suffix))
            buttons.append(str(Markup('<a {} title="{}"><span class="sr-only">{}</span>'
                                      '<i class="fa {}"></i></a>').format(
                target, title, text, icon)))
        self.buttons = (
            '<td class="qlvb-row-actions"><div class="btn-group btn-group-xs">'
            + "".join(buttons) + "</div></td>") if buttons else ""

    def rows(self, items: Iterable[Any], pks: Sequence[Any]) -> Markup:
        out: list[str] = []
        add = out.append
        for item, pk in zip(items, pks, strict=True):
            key = str(escape(pk))
            add("<tr>")
            if self.checkbox:
                add(f'<td class="qlvb-check"><input id="{key}" class="action_check" '
                    f'name="rowid" value="{key}" type="checkbox" '
                    f'aria-label="{key}"></td>')
            if self.buttons:
                add(self.buttons.replace(PK, key))
            for opening, write in self.cells:
                add(opening)
                add(write(item))
                add("</td>")
            add("</tr>")
        return Markup("".join(out))


def list_header(can_add: bool, page: int | None, page_size: int, count: int, filters: Any,
                actions: dict[str, Any], modelview_name: str) -> Markup:
    """FAB's ``render_list_header`` macro (appbuilder/general/lib.html: the pages, the page
    sizes, the add button, the actions, the back button and the count) written directly:
    the same elements, classes, links and texts (tests/core/test_lists.py compares the
    two), without a template macro per part."""
    filters_of = current_app.jinja_env.filters
    link_page, link_size = filters_of["link_page"], filters_of["link_page_size"]
    page = page or 0
    pages = math.ceil(count / page_size)
    out: list[str] = []
    add = out.append
    if pages > 1:
        low, high = page - 3, page + 3 + 1
        if low < 0:
            high -= low
        if high >= pages:
            low = low - high + pages
        low, high = max(low, 0), min(high, pages)

        def item(target: int | None, text: str, css: str = "") -> None:
            if target is None:
                add(f'<li class="{css or "disabled"}"><a href="#">{text}</a></li>')
            else:
                add(f'<li><a href="{escape(link_page(target, modelview_name))}">{text}'
                    '</a></li>')

        add('<ul class="pagination pagination-sm" style="display:inherit;">')
        item(0 if low > 0 else None, "&laquo;")
        item(page - 1 if page > 0 else None, "&lt;")
        for number in range(low, high):
            item(None if number == page else number, str(number + 1),
                 "active" if number == page else "")
        item(page + 1 if page + 1 < pages else None, "&gt;")
        item(pages - 1 if high < pages else None, "&raquo;")
        add("</ul>")
        add('<div class="btn-group"><button type="button" class="btn btn-default btn-sm '
            f'dropdown-toggle" data-toggle="dropdown">{_("Page size")}'
            '<span class="caret"></span></button><ul class="dropdown-menu" role="menu">')
        for size in range(25, 125, 25):
            if page * size <= count:
                active = ' class="active"' if size == page_size else ""
                add(f'<li{active}><a href="{escape(link_size(size, modelview_name))}">'
                    f'{size}</a></li>')
        add("</ul></div>")
    if can_add:
        path = filters_of["safe_url_for"](modelview_name + ".add")
        if path:
            path = filters_of["set_link_filters"](path, filters)
            add(f'<a href="{escape(path)}" class="btn btn-sm btn-primary" '
                f'data-toggle="tooltip" rel="tooltip" title="{_("Add a new record")}">'
                f'<span class="sr-only">{_("Add")}</span><i class="fa fa-plus"></i></a>')
    if actions:
        add('<div class="btn-group"><button type="button" class="btn btn-default btn-sm '
            f'dropdown-toggle" data-toggle="dropdown">{_("Actions")}'
            '<span class="caret"></span></button><ul class="dropdown-menu" role="menu">')
        script = []
        for action in actions.values():
            name = escape(action.name)
            add(f'<li><a href="#" class="{name}_menu_item"><i class="fa '
                f'{escape(action.icon)}"></i>{_(action.text)}</a></li>')
            run = f"'{name}','{escape(action.confirmation)}'" if action.confirmation \
                else f"'{name}', false"
            script.append(f"$('.{name}_menu_item').on('click', function(){{ "
                          f"return modelActions.execute_multiple({run}); }});")
        add(f'</ul><script nonce="{escape(g.get("csp_nonce", ""))}">'
            "$(document).ready(function() {\n" + "\n".join(script) + "\n});</script></div>")
    add(f'<a href="{escape(url_for("UtilView.back"))}" class="btn btn-sm btn-default" '
        f'data-toggle="tooltip" rel="tooltip" title="{_("Back")}">'
        f'<span class="sr-only">{_("Back")}</span><i class="fa fa-arrow-left"></i></a>')
    add(f'<div class="pull-right"><strong>{_("Record Count")}:</strong> {escape(count)}\n'
        "</div>")
    return Markup("".join(out))


class LeanListWidget(ListWidget):
    """FAB's list widget with the rows written by ``RowWriter`` and an explained empty
    list (the template ``qlvb/list_widget.html``)."""

    template = "qlvb/list_widget.html"

    def __call__(self, **kwargs: Any) -> Any:
        args = self.template_args
        view = args["view"]
        sm = view.appbuilder.sm
        name = type(view).__name__

        def allowed(permission: str) -> bool:
            # FAB's ``is_item_visible`` for this view, without looking the view up.
            return permission in view.base_permissions and \
                sm.has_access(permission, view.class_permission_name)

        def visible(method: str) -> bool:
            try:
                return allowed("can_" + view.get_method_permission(method))
            except AttributeError:  # a method this view does not have
                return False

        can_show, can_edit, can_delete = visible("show"), visible("edit"), visible("delete")
        may_run = getattr(view, "action_allowed", None)
        actions = {key: action for key, action in (args.get("actions") or {}).items()
                   if action.multiple
                   and (may_run(action.name) if may_run is not None else
                        allowed(view.get_action_permission_name(action.name)))}
        if actions and _safe_url(f"{name}.action_post", None) is None:
            actions = {}  # a list whose action route is not served offers none
        filters = args["filters"]
        suffix = ""
        for flt, value in filters.get_filters_values():
            if flt.is_related_view:
                suffix += ("&" if suffix else "?") + f"_flt_0_{flt.column_name}={value}"
        key = (str(get_locale()), can_show, can_edit, can_delete, bool(actions), suffix)
        writers = view.__dict__.setdefault("_row_writers", {})
        writer = writers.get(key)
        if writer is None:
            writer = writers[key] = RowWriter(view, can_show, can_edit, can_delete,
                                              bool(actions), suffix)
        items = args["items"]
        searched = any(True for _ in filters.get_filters_values())
        can_add = visible("add")
        return super().__call__(
            header=list_header(can_add, args.get("page"), args["page_size"], args["count"],
                               filters, actions, name),
            can_add=can_add, can_show=can_show, can_edit=can_edit,
            can_delete=can_delete, actions=actions,
            rows=writer.rows(items, args["pks"]) if items else None,
            row_actions=bool(writer.buttons), searched=searched,
            clear_url=url_for(f"{name}.list") if searched else None,
            empty=empty_state(view) if not items else None, **kwargs)


def empty_state(view: Any) -> dict[str, Any]:
    """What an empty list says (``list_empty``) and the next steps the user may take
    (``list_next_steps``, filtered by permission)."""
    sm = view.appbuilder.sm
    steps = []
    for step in getattr(view, "list_next_steps", ()) or ():
        if step.permission is None or sm.has_access(step.permission, step.resource):
            try:
                steps.append({"href": url_for(step.endpoint), "label": step.label,
                              "icon": step.icon, "primary": step.primary})
            except Exception:  # a route this installation does not serve
                continue
    return {"text": getattr(view, "list_empty", None) or DEFAULT_EMPTY, "steps": steps}


DEFAULT_EMPTY = _l("There is nothing in this list yet.")


SEARCH_FORM_SECONDS = 60


class KeptSearchWidget(SearchWidget):
    """FAB's search widget, whose filter fields (the same for every request of a view in
    a language: the chosen values travel in the active filters) are rendered once per app
    and kept until a write (``app.core.freshness``) or ``SEARCH_FORM_SECONDS``."""

    def __call__(self, **kwargs: Any) -> Any:
        args = self.template_args
        view = args.get("view")
        key = (type(view).__name__, str(get_locale()))
        now, current = time.monotonic(), freshness.generation()
        forms: dict[tuple[str, str], tuple[int, float, dict[str, Any]]] = \
            current_app.extensions.setdefault("qlvb.search_forms", {})
        kept = forms.get(key) if view is not None \
            and not view.search_form_query_rel_fields else None
        if kept is None or kept[0] != current or kept[1] < now:
            fields = self._fields()
            if view is not None and not view.search_form_query_rel_fields:
                forms[key] = (current, now + SEARCH_FORM_SECONDS, fields)
        else:
            fields = kept[2]
        kwargs.update(fields)
        kwargs["active_filters"] = self.filters.get_filters_values_tojson()
        return RenderTemplateWidget.__call__(self, **kwargs)

    def _fields(self) -> dict[str, Any]:
        """What FAB's ``SearchWidget.__call__`` computes from the form (pinned)."""
        form = self.template_args["form"]
        by_column = self.filters.get_search_filters()
        columns = self.template_args["include_cols"]
        return {
            "label_columns": {col: str(form[col].label.text) for col in columns},
            "form_fields": {col: form[col]() for col in columns},
            "search_filters": {col: [str(flt.name) for flt in by_column[col]]
                               for col in columns}}


class LeanShowWidget(ShowWidget):
    """FAB's show widget (a table of the record's labels and values, then the record's
    action links) with the table written here: the labels translated once per language,
    each value escaped as FAB's template would (the template ``qlvb/show_widget.html``,
    without FAB's second copy of the layout's dialogs). Fieldsets take FAB's way."""

    template = "qlvb/show_widget.html"
    _labels: dict[tuple[str, str, tuple[str, ...]], list[str]] = {}

    def __call__(self, **kwargs: Any) -> Any:
        args = self.template_args
        if args.get("fieldsets"):
            return ShowWidget(**args)(**kwargs)
        columns = tuple(args["include_columns"])
        key = (args.get("modelview_name") or "", str(get_locale()), columns)
        labels = self._labels.get(key)
        if labels is None:
            names = args["label_columns"]
            labels = self._labels[key] = [_html(names.get(col)) for col in columns]
        formatters = args.get("formatters_columns") or {}
        out = []
        for col, label, value in zip(columns, labels, args["value_columns"], strict=True):
            formatter = formatters.get(col)
            out.append(f'<tr><th class="col-lg-2 col-md-2 col-sm-2">{label}</th><td>'
                       f'<span style="white-space: pre-line">'
                       f'{escape(formatter(value) if formatter else value)}</span></td></tr>')
        return super().__call__(rows=Markup("".join(out)), **kwargs)


class LeanListMixin:
    """For AppModelView: the list page's widget is ``LeanListWidget`` with the page's rows
    (not FAB's dictionaries of values), the record page's ``LeanShowWidget``. Mirrors FAB
    5.3's ``_get_list_widget`` (pinned in app/core/fab.py)."""

    list_widget = LeanListWidget
    show_widget = LeanShowWidget
    search_widget = KeptSearchWidget

    def _get_search_widget(self, form: Any = None, exclude_cols: Any = None,
                           widgets: dict | None = None) -> dict:
        widgets = super()._get_search_widget(  # type: ignore[misc]
            form=form, exclude_cols=exclude_cols, widgets=widgets)
        widgets["search"].template_args["view"] = self
        return widgets

    def _get_list_widget(self, filters: Any, actions: Any = None, order_column: str = "",
                         order_direction: str = "", page: int | None = None,
                         page_size: int | None = None, widgets: dict | None = None,
                         **kwargs: Any) -> dict:
        view: Any = self
        widgets = widgets or {}
        actions = actions or getattr(view, "all_actions", lambda: view.actions)()
        page_size = page_size or view.page_size
        if not order_column and view.base_order:
            order_column, order_direction = view.base_order
        from app.core.fab import base_filters

        joined = filters.get_joined_filters(base_filters(view))
        count, items = view.datamodel.query(joined, order_column, order_direction,
                                            page=page, page_size=page_size)
        pks = [view._serialize_pk_if_composite(pk) for pk in view.datamodel.get_keys(items)]
        widgets["list"] = view.list_widget(
            label_columns=view.label_columns, include_columns=view.list_columns,
            order_columns=view.order_columns, page=page, page_size=page_size, count=count,
            items=items, pks=pks, actions=actions, filters=filters,
            modelview_name=type(view).__name__, view=view, **kwargs)
        return widgets



# -- API lists --------------------------------------------------------------------------------

def _field_writer(field: Any, name: str) -> Callable[[Any], Any]:
    """The value of one attribute as marshmallow's ``field`` dumps it, with the common
    types done directly (an integer, a text, an ISO date) and the others by the field."""
    from marshmallow import fields

    kind = type(field)
    iso = getattr(field, "format", None) in (None, "iso", "iso8601")
    if kind is fields.Integer and not field.as_string:
        return lambda value: None if value is None else int(value)
    if kind is fields.String:
        return lambda value: value if value is None or type(value) is str \
            else field._serialize(value, name, None)
    if kind in (fields.Date, fields.DateTime) and iso:
        return lambda value: None if value is None else value.isoformat()
    if kind is fields.Inferred:  # a foreign key: a number or nothing, as it is
        return lambda value: value if value is None or type(value) in (int, str) \
            else field._serialize(value, name, None)
    return lambda value: field._serialize(value, name, None)


class ListDumper:
    """The ``dump`` of an API's list schema that writes ``dump(rows, many=True)`` through
    writers made once (``_field_writer``) instead of marshmallow's per-field machinery,
    when the schema allows it: declared fields only under their own names, no dump
    hooks. Anything else is the schema's own ``dump``. ``install`` puts it on the schema
    instance, which stays a marshmallow schema for everything else (the OpenAPI spec)."""

    def __init__(self, schema: Any) -> None:
        self.schema_dump = schema.dump
        self.writers = self._writers(schema)

    @classmethod
    def install(cls, schema: Any) -> ListDumper:
        dumper = cls(schema)
        schema.dump = dumper.dump
        return dumper

    @staticmethod
    def _writers(schema: Any) -> list[tuple[str, Callable[[Any], Any]]] | None:
        if any(schema._hooks.get(tag) for tag in schema._hooks
               if "dump" in str(tag)):
            return None
        writers = []
        for name, field in schema.dump_fields.items():
            if field.data_key not in (None, name) or field.attribute not in (None, name):
                return None
            writers.append((name, _field_writer(field, name)))
        return writers

    def dump(self, obj: Any, *, many: bool | None = None) -> Any:
        writers = self.writers
        if not many or writers is None:
            return self.schema_dump(obj, many=many)
        if obj and isinstance(obj[0], Row):
            # Rows of plain columns (AppSQLAInterface.query): each value read by its place.
            places = {name: place for place, name in enumerate(obj[0]._fields)}
            if all(name in places for name, _ in writers):
                by_place = [(name, places[name], write) for name, write in writers]
                return [{name: write(row[place]) for name, place, write in by_place}
                        for row in obj]
        return [{name: write(getattr(row, name)) for name, write in writers} for row in obj]
