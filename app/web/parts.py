"""The parts of the page layout that are the same on every page of a language — the style
sheets and scripts FAB's layout and ours load, with their words — rendered once per
language and kept; each page puts its own nonce into them (``layout_part`` in the
templates)."""

from __future__ import annotations

import secrets

from flask import Flask, g, render_template, request
from flask_babel import get_locale
from markupsafe import Markup

from app.core.fab import appbuilder
from app.core.kept import keep

# Rendered in place of the request's nonce, then replaced by it.
NONCE = "qlvbnonce" + secrets.token_hex(8)


def layout_part(name: str) -> Markup:
    """The template ``qlvb/parts/<name>.html`` rendered for the page's language (once) with
    the request's nonce."""
    html = keep("layout-part", (name, str(get_locale()), request.script_root),
                lambda: str(render_template(f"qlvb/parts/{name}.html", part_nonce=NONCE,
                                            appbuilder=appbuilder())))
    return Markup(html.replace(NONCE, g.get("csp_nonce", "")))


def install(app: Flask) -> None:
    app.jinja_env.globals["layout_part"] = layout_part
