"""The navigation menu, rendered once per language and set of permissions instead of on
every page: FAB's menu template asks the security manager about each entry and renders
them all again on each request (a fifth of a list page's time). What it shows depends on
nothing else, so the same set of permissions gets the same HTML."""

import os

from flask import Flask, current_app, g
from flask_babel import get_locale
from jinja2 import Template
from markupsafe import Markup

MAX_ENTRIES = 256
_cache: dict[tuple[int, str, frozenset[object]], Markup] = {}
_template: dict[Flask, Template] = {}


def _fab_menu_template():
    app = current_app._get_current_object()
    if app not in _template:
        import flask_appbuilder

        path = os.path.join(os.path.dirname(flask_appbuilder.__file__), "templates",
                            "appbuilder", "navbar_menu.html")
        with open(path, encoding="utf-8") as fh:
            _template[app] = app.jinja_env.from_string(fh.read())
    return _template[app]


def _render():
    return Markup(_fab_menu_template().render(menu=current_app.appbuilder.menu))


def navbar_menu():
    """The menu entries of the signed-in user (rendered afresh for anybody else)."""
    user = g.get("user")
    if user is None or not getattr(user, "is_authenticated", False):
        return _render()
    perms = frozenset(current_app.appbuilder.sm.permission_set(user))
    key = (id(current_app._get_current_object()), str(get_locale()), perms)
    html = _cache.get(key)
    if html is None:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        html = _cache[key] = _render()
    return html
