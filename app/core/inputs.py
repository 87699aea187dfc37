"""What every request goes through before a rule or a query sees it: ids within the
range of the id columns, JSON no deeper than any document of ours, text without control
characters, dates within sane bounds. Refused input answers a Vietnamese 4xx, never a 500
from deep inside the database driver or the JSON parser."""

import re
import unicodedata
from datetime import date

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from app.core.errors import DomainError
from app.core.timeutil import local_today

# Our id columns are INTEGER: PostgreSQL refuses a larger parameter with an error (the
# psycopg dialect casts parameters to the column type), SQLite's driver with OverflowError.
MAX_ID = 2**31 - 1
# No payload of ours nests deeper than a few levels; Python's JSON parser recurses.
MAX_JSON_DEPTH = 64


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: a number within the id columns' range (else 404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min,
                         max=MAX_ID if max is None else max, signed=signed)


_ID_TEXT = re.compile(r"^\d{1,10}$")


def valid_id(value):
    """``value`` (a URL part, a form value, a JSON number) as an id, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= MAX_ID else None
    if isinstance(value, str) and _ID_TEXT.match(value.strip()):
        number = int(value.strip())
        return number if number <= MAX_ID else None
    return None


def _refuse_bad_route_values():
    """FAB's routes take ``<pk>`` as text and query with it: a pk that is no id in range
    is a record that does not exist. An action name the view does not have is none either
    (FAB would fail looking up its permission)."""
    args = request.view_args or {}
    pk = args.get("pk")
    if isinstance(pk, str) and valid_id(pk) is None:
        abort(404)
    if "name" in args and request.url_rule is not None and "/action/" in request.url_rule.rule:
        from flask import current_app

        view = getattr(current_app.view_functions.get(request.endpoint), "__self__", None)
        actions = getattr(view, "actions", None)
        if actions is not None and args["name"] not in actions:
            abort(404)


def json_depth(data):
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


def _refuse_deep_json():
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


def strip_controls(text):
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


def _years_after(day, years):
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _check_date_range(value, years_ahead, message, field, today):
    """``value`` lies between 1945 and ``years_ahead`` years from today, else ``message``
    (with the two bounds as %(a)s and %(b)s)."""
    if value is None:
        return

    latest = _years_after(today or local_today(), years_ahead)
    if not EARLIEST_DOCUMENT_DATE <= value <= latest:
        raise DomainError(message % {"a": EARLIEST_DOCUMENT_DATE.strftime("%d/%m/%Y"),
                                     "b": latest.strftime("%d/%m/%Y")}, field=field)


def check_document_date(value, field="document_date", today=None):
    """A document's date lies between 1945 and a year from today."""
    _check_date_range(value, DOCUMENT_DATE_YEARS_AHEAD,
                      _("A document date must lie between %(a)s and %(b)s."), field, today)


def check_deadline(value, field="deadline", today=None):
    """A deadline lies between 1945 and five years from today."""
    _check_date_range(value, DEADLINE_YEARS_AHEAD,
                      _("A deadline must lie between %(a)s and %(b)s."), field, today)


def install(app):
    """Bind the above to ``app``: before any route is added (the id converter) and before
    any other request hook (the refusals run first)."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(_refuse_bad_route_values)
    app.before_request(_refuse_deep_json)
