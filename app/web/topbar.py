"""The counts shown in the top bar of every page: each feature registers its counters
(``app.core.registry.add_top_bar``) when the app is built."""

from __future__ import annotations

from typing import Any

from flask import g

from app.core import registry
from app.extensions import db


def top_bar_counts() -> dict[str, Any]:
    """Every registered counter for the signed-in user, computed once per request."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    cached = g.get("_top_bar")
    if cached is None:
        cached = {name: count(db.session, user)
                  for name, count in registry.contributions().top_bar.items()}
        g._top_bar = cached
    return cached
