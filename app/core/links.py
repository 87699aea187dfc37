"""FAB's list links (the pages, the page sizes, the column orders) built once per request.

FAB's template filters ``link_page``, ``link_page_size`` and ``link_order`` each build the
whole URL again (the request's arguments copied, ``url_for``) — a list page asks for about
twenty of them. Here each kind is built once per request with a placeholder for the value
that changes, then filled in: the same URLs (``tests/core/test_links.py`` compares them with
FAB's), a fraction of the work."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request, url_for

PLACEHOLDER = "QLVBLINKVALUE"


def _template(kind: str, modelview_name: str) -> str | None:
    """The request's URL with ``kind``'s argument(s) set as FAB sets them, the changing
    value being ``PLACEHOLDER``; None when the request has no endpoint."""
    if request.endpoint is None:
        return None
    kept = g.setdefault("_list_links", {})
    key = (kind, modelview_name)
    if key not in kept:
        new_args = dict(request.view_args or {})
        args = request.args.copy()
        if kind == "order":
            order_key, direction_key = "_oc_" + modelview_name, "_od_" + modelview_name
            if order_key in args:
                args[order_key] = PLACEHOLDER
                args[direction_key] = "desc" if args.get(direction_key) == "asc" else "asc"
            else:
                args[order_key] = PLACEHOLDER
                args[direction_key] = "asc"
        else:
            prefix = "page_" if kind == "page" else "psize_"
            args[prefix + modelview_name] = PLACEHOLDER
        url = url_for(request.endpoint, **dict(list(new_args.items()) +
                                               list(args.to_dict().items())))
        kept[key] = url if url.count(PLACEHOLDER) == 1 else None
    template: str | None = kept[key]
    return template


def _fill(kind: str, modelview_name: str, value: Any, fallback: Any) -> Any:
    text = str(value)
    template = _template(kind, modelview_name)
    # The value goes in as it is only when URL-encoding would not change it.
    if template is None or not text.isascii() or \
            not text.replace("_", "").replace("-", "").isalnum():
        return fallback(value, modelview_name)
    return template.replace(PLACEHOLDER, text)


def install(app: Flask) -> None:
    """Put the fast filters in place of FAB's (after the app builder registered them)."""
    filters = app.jinja_env.filters
    fab_page, fab_size, fab_order = (filters["link_page"], filters["link_page_size"],
                                     filters["link_order"])
    filters["link_page"] = lambda page, name: _fill("page", name, page, fab_page)
    filters["link_page_size"] = lambda size, name: _fill("size", name, size, fab_size)
    filters["link_order"] = lambda column, name: _fill("order", name, column, fab_order)

