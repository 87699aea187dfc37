"""What every request goes through before a rule or a query sees it: ids within the
range of the id columns, JSON no deeper than any document of ours, text without control
characters, dates within sane bounds. Refused input answers a Vietnamese 4xx, never a 500
from deep inside the database driver or the JSON parser.

Text is cleaned where it is read, not in the request: every form of ours derives from
``CleanForm`` (FAB's generated forms are wrapped by ``with_clean_text``), every API schema
from ``CleanSchema`` (FAB's generated schemas get ``CleanTextSchemaMixin``); query arguments
lose their control characters before any view reads them."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar, overload

from flask import Flask, abort, current_app, has_app_context, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from marshmallow import Schema, pre_load
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter, Map

from app.core.errors import DomainError
from app.core.timeutil import local_today

if TYPE_CHECKING:
    # The mixins below use the attributes of the classes they are mixed into.
    from flask_appbuilder import BaseView as _ViewBase
    from wtforms.meta import DefaultMeta as _MetaBase
else:
    _ViewBase = _MetaBase = object

# Our id columns are INTEGER: PostgreSQL refuses a larger parameter with an error (the
# psycopg dialect casts parameters to the column type), SQLite's driver with OverflowError.
MAX_ID = 2**31 - 1
# No payload of ours nests deeper than a few levels; Python's JSON parser recurses.
MAX_JSON_DEPTH = 64


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number within the id columns' range (else 404)."""

    def __init__(self, map: Map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = None, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else max, signed=signed)


_ID_TEXT = re.compile(r"^\d{1,10}$")


def valid_id(value: object) -> int | None:
    """``value`` (a URL part, a form value, a JSON number) as an id, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    if isinstance(value, str) and _ID_TEXT.match(value.strip()):
        number = int(value.strip())
        return number if number <= MAX_ID else None
    return None


def _refuse_bad_route_values() -> None:
    """FAB's routes take ``<pk>`` as text and query with it: a pk that is no id in range
    is a record that does not exist. An action name the view does not have is none either
    (FAB would fail looking up its permission)."""
    args = request.view_args or {}
    pk = args.get("pk")
    if isinstance(pk, str) and valid_id(pk) is None:
        abort(404)
    if "name" in args and request.url_rule is not None and "/action/" in request.url_rule.rule:
        from flask import current_app

        view = getattr(current_app.view_functions.get(request.endpoint or ""), "__self__", None)
        actions = getattr(view, "actions", None)
        if actions is not None and args["name"] not in actions:
            abort(404)


def json_depth(data: bytes) -> int:
    """How deep arrays and objects nest in the JSON text ``data`` (bytes), counted without
    recursion: brackets inside strings do not count."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            if depth > deepest:
                deepest = depth
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _refuse_deep_json() -> None:
    if request.method in ("POST", "PUT", "PATCH") and request.is_json:
        data = request.get_data(cache=True)
        # Counting the brackets is done in C; only a body with more of them than the
        # depth allowed is walked byte by byte.
        if (data and data.count(b"[") + data.count(b"{") > MAX_JSON_DEPTH
                and json_depth(data) > MAX_JSON_DEPTH):
            abort(400, _("The JSON body nests deeper than %(n)d levels.", n=MAX_JSON_DEPTH))


# -- text --------------------------------------------------------------------------------

# Bidirectional embeddings, overrides and isolates (they can make a symbol read backwards
# on screen: "Trojan Source"), the marks, and characters that are invisible in any field.
_INVISIBLE = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
                 "\u061c\ufeff\u2028\u2029\u200b")
_KEPT_CONTROLS = set("\t\n\r")


_T = TypeVar("_T")


@overload
def strip_controls(text: str) -> str: ...
@overload
def strip_controls(text: _T) -> _T: ...
def strip_controls(text: Any) -> Any:
    """``text`` without NUL, the other control characters (but tab and newlines) and the
    bidirectional overrides: what no document field should carry, yet a paste can bring."""
    if not isinstance(text, str):
        return text
    return "".join(c for c in text if c in _KEPT_CONTROLS
                   or (c not in _INVISIBLE and unicodedata.category(c) != "Cc"))


# -- dates ---------------------------------------------------------------------------------

# The first documents of the Party's agencies in the Republic are of 1945; a document is
# dated at most a year ahead (a plan for next year); a deadline at most five years ahead.
EARLIEST_DOCUMENT_DATE = date(1945, 1, 1)
DOCUMENT_DATE_YEARS_AHEAD = 1
DEADLINE_YEARS_AHEAD = 5


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_date_range(value: date | None, years_ahead: int, message: str, field: str,
                      today: date | None) -> None:
    """``value`` lies between 1945 and ``years_ahead`` years from today, else ``message``
    (with the two bounds as %(a)s and %(b)s)."""
    if value is None:
        return

    latest = _years_after(today or local_today(), years_ahead)
    if not EARLIEST_DOCUMENT_DATE <= value <= latest:
        raise DomainError(message % {"a": EARLIEST_DOCUMENT_DATE.strftime("%d/%m/%Y"),
                                     "b": latest.strftime("%d/%m/%Y")}, field=field)


def check_document_date(value: date | None, field: str = "document_date",
                        today: date | None = None) -> None:
    """A document's date lies between 1945 and a year from today."""
    _check_date_range(value, DOCUMENT_DATE_YEARS_AHEAD,
                      _("A document date must lie between %(a)s and %(b)s."), field, today)


def check_deadline(value: date | None, field: str = "deadline",
                   today: date | None = None) -> None:
    """A deadline lies between 1945 and five years from today."""
    _check_date_range(value, DEADLINE_YEARS_AHEAD,
                      _("A deadline must lie between %(a)s and %(b)s."), field, today)


# -- text of forms and JSON bodies ------------------------------------------------------------

# Never cleaned: the CSRF token and passwords are compared as sent.
UNCLEANED = frozenset({"csrf_token", "password", "conf_password", "old_password",
                       "new_password"})
_CONVERTER = "qlvb.text_converter"


def set_text_converter(app: Flask, converter: Callable[[str, str], str]) -> None:
    """``converter(text, field name)`` runs on every text value of a form or JSON body
    after its control characters are gone (the trust feature's: legacy encodings
    converted, NFC)."""
    app.extensions[_CONVERTER] = converter


def clean_text(value: Any, key: str = "") -> Any:
    """One text value of a form or JSON body as the rules get it: control characters and
    bidirectional overrides out (tabs and newlines kept), then the app's text converter."""
    if not isinstance(value, str):
        return value
    value = strip_controls(value)
    converter = current_app.extensions.get(_CONVERTER) if has_app_context() else None
    return converter(value, key) if converter is not None else value


def clean_formdata(formdata: MultiDict | None) -> MultiDict | None:
    """``formdata`` with its text values cleaned (files and the ``UNCLEANED`` fields as
    they came); the same object when nothing changed."""
    if formdata is None:
        return None
    items, changed = [], False
    for key, value in formdata.items(multi=True):
        if key not in UNCLEANED and isinstance(value, str):
            new = clean_text(value, key)
            changed = changed or new != value
            value = new
        items.append((key, value))
    return ImmutableMultiDict(items) if changed else formdata


def clean_json(value: Any, key: str = "") -> Any:
    """A JSON value with every string in it cleaned (``key``: the name it came under)."""
    if isinstance(value, str):
        return clean_text(value, key)
    if isinstance(value, list):
        return [clean_json(v, key) for v in value]
    if isinstance(value, dict):
        return {k: v if k in UNCLEANED else clean_json(v, k) for k, v in value.items()}
    return value


class CleanTextFormMixin:
    """For a WTForms form: the data it is given has its text cleaned first."""

    class Meta(_MetaBase):
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            return clean_formdata(super().wrap_formdata(form, formdata))


class CleanForm(CleanTextFormMixin, FlaskForm):
    """The base of our forms: FlaskForm, with its text cleaned."""


def with_clean_text(form_class: type | None) -> type | None:
    """``form_class`` (a form FAB generated) cleaning its text."""
    if form_class is None or issubclass(form_class, CleanTextFormMixin):
        return form_class
    return type(form_class.__name__, (CleanTextFormMixin, form_class), {})


class CleanTextFormsMixin(_ViewBase):
    """For a FAB ModelView: its add and edit forms clean their text."""

    add_form: type | None
    edit_form: type | None

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.add_form = with_clean_text(self.add_form)
        self.edit_form = with_clean_text(self.edit_form)


class CleanTextSchemaMixin:
    """For a marshmallow schema: the data it loads has its text cleaned first."""

    @pre_load
    def clean_text(self, data: Any, **kwargs: Any) -> Any:
        return clean_json(data)


class CleanSchema(CleanTextSchemaMixin, Schema):
    """The base of our API schemas: a marshmallow Schema, with its text cleaned."""


def _strip_query_controls() -> None:
    """Query arguments (filters, searches) lose their control characters; they are never
    converted (a search matches what is stored). FAB's list filters read them from the
    request, so this is done there."""
    if any(strip_controls(v) != v for v in request.args.values()):
        request.args = ImmutableMultiDict(
            [(k, strip_controls(v)) for k, v in request.args.items(multi=True)])


def install(app: Flask) -> None:
    """Bind the above to ``app``: before any route is added (the id converter) and before
    any other request hook (the refusals run first)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_bad_route_values)
    app.before_request(_refuse_deep_json)
    app.before_request(_strip_query_controls)
