"""The counts shown in the top bar of every page."""

from flask import g

from app.extensions import db


def top_bar_counts():
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    cached = g.get("_top_bar")
    if cached is None:
        from app.core.scope import sees_all_units
        from app.incoming.services import counts_for
        from app.notifications.services import recent, unread_count
        from app.outgoing.services import counts_for as outgoing_counts

        cached = {
            "unread": unread_count(db.session, user.id),
            "recent": recent(db.session, user.id, limit=6),
            "work": counts_for(db.session, user, sees_all_units(user)),
            "outgoing": outgoing_counts(db.session, user),
        }
        g._top_bar = cached
    return cached
