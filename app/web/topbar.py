"""The counts shown in the top bar of every page: each feature registers its counters
(``app.core.registry.add_top_bar``) when the app is built.

The counts of a user are computed once and kept for ``TOP_BAR_CACHE_SECONDS`` (30 s by
default; 0 turns the cache off) — in Redis when ``REDIS_URL`` is set (shared by every
worker), else in the process. A committed write (``app.core.freshness``: anything but the
audit trail and the sign-in bookkeeping of accounts) starts a new generation, and counts of
an older generation are not used: a clerk who receives a document sees the count change on
the next page. Only plain values (numbers
and their dictionaries) are kept; a counter that returns rows (the latest notifications)
is read on every page."""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from flask import current_app, g, has_app_context
from markupsafe import Markup

from app.core import freshness, kept, registry
from app.extensions import db

log = logging.getLogger(__name__)

DEFAULT_SECONDS = 30
GENERATION_KEY = kept.GENERATION_KEY


def top_bar_counts() -> dict[str, Any]:
    """Every registered counter for the signed-in user, computed once per request and
    taken from the cache when a count of the current generation is there."""
    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return {}
    cached = g.get("_top_bar")
    if cached is None:
        cached = g._top_bar = _counts(user)
    return cached


def user_bar() -> Markup:
    """The signed-in user's part of the top bar (``qlvb/navbar_user.html``: the work
    counts and the latest notifications), rendered once and kept in the process for
    ``TOP_BAR_CACHE_SECONDS`` per user, language and name, while nothing is written
    (``app.core.kept``): a new notification, a document moved, a notification read, each is
    a write, and the next page renders the bar again."""
    from flask import render_template
    from flask_babel import get_locale

    user = getattr(g, "user", None)
    if user is None or not getattr(user, "is_authenticated", False):
        return Markup("")
    seconds = int(current_app.config.get("TOP_BAR_CACHE_SECONDS", DEFAULT_SECONDS) or 0)
    key = (user.id, str(get_locale()), user.get_full_name())
    return kept.remember("user-bar", key,
                         lambda: Markup(render_template("qlvb/navbar_user.html")), seconds)


def _counts(user: Any) -> dict[str, Any]:
    counters = registry.contributions().top_bar
    seconds = int(current_app.config.get("TOP_BAR_CACHE_SECONDS", DEFAULT_SECONDS) or 0)
    store = _store() if seconds > 0 else None
    generation, kept = store.get(user.id) if store is not None else (0, None)
    values: dict[str, Any] = {}
    for name, count in counters.items():
        if kept is not None and name in kept:
            values[name] = kept[name]
        else:
            values[name] = count(db.session, user)
    if store is not None and kept is None:
        store.put(user.id, generation, {k: v for k, v in values.items() if _plain(v)}, seconds)
    return values


def _plain(value: Any) -> bool:
    if isinstance(value, bool | int | str | float) or value is None:
        return True
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


# -- where the counts are kept --------------------------------------------------------------

class ProcessStore:
    """Counts kept in this process (the embedded default without Redis): other workers
    of the same installation see a write when their entry expires."""

    def __init__(self) -> None:
        self.entries: dict[int, tuple[int, float, dict[str, Any]]] = {}
        self.lock = threading.Lock()

    def get(self, user_id: int) -> tuple[int, dict[str, Any] | None]:
        """The current generation, and the user's counts if kept in it."""
        current = freshness.generation()
        entry = self.entries.get(user_id)
        if entry is None:
            return current, None
        generation, expires, values = entry
        if generation != current or expires < time.monotonic():
            return current, None
        return current, values

    def put(self, user_id: int, generation: int, values: dict[str, Any],
            seconds: int) -> None:
        with self.lock:
            if len(self.entries) > 10000:
                self.entries.clear()
            self.entries[user_id] = (generation, time.monotonic() + seconds, values)


class RedisStore:
    """Counts kept in Redis (one key per user, with the generation it was computed in),
    read with the current generation in one round trip."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, user_id: int) -> tuple[int, dict[str, Any] | None]:
        """The current generation, and the user's counts if kept in it."""
        import redis

        try:
            raw_generation, raw = self.client.mget(GENERATION_KEY,
                                                   f"qlvb:topbar:u:{user_id}")
        except redis.RedisError as error:
            log.warning("top bar: Redis unavailable (%s); counting", error)
            return -1, None
        generation = int(raw_generation or 0)
        if raw is None:
            return generation, None
        entry = json.loads(raw)
        if entry.get("g") != generation:
            return generation, None
        values: dict[str, Any] = entry["v"]
        return generation, values

    def put(self, user_id: int, generation: int, values: dict[str, Any],
            seconds: int) -> None:
        import redis

        if generation < 0:
            return
        try:
            self.client.set(f"qlvb:topbar:u:{user_id}",
                            json.dumps({"g": generation, "v": values}), ex=seconds)
        except redis.RedisError as error:
            log.warning("top bar: Redis unavailable (%s); not kept", error)

    def bump(self) -> None:
        import redis

        try:
            self.client.incr(GENERATION_KEY)
        except redis.RedisError as error:
            log.warning("top bar: Redis unavailable (%s); counts kept until they expire",
                        error)


def _store() -> ProcessStore | RedisStore:
    """The app's store (one per app: Redis when ``REDIS_URL``, else this process)."""
    extensions = current_app.extensions
    store = extensions.get("qlvb.topbar")
    if store is None:
        if current_app.config.get("REDIS_URL"):
            store = RedisStore(kept.redis_client())
        else:
            store = ProcessStore()
        extensions["qlvb.topbar"] = store
    return store


def _shared_write() -> None:
    """A write seen here is told to every worker through Redis."""
    if has_app_context() and current_app.config.get("REDIS_URL"):
        store = _store()
        if isinstance(store, RedisStore):
            store.bump()


freshness.on_write(_shared_write)
