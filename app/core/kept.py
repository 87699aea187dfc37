"""Values kept in the process between requests, used only while nothing was written since
they were computed (``app.core.freshness``) and for at most a number of seconds: the capped
counts of the lists, the users' scope conditions, the user's part of the top bar.

The generation a value is checked against is the installation's when ``REDIS_URL`` is set
(every worker's writes count, through the key the top bar already bumps), else this
process's (another worker's write is seen when the kept value expires). It is read once per
request. When Redis cannot be reached nothing is kept: everything is computed again."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import current_app, g, has_app_context, has_request_context

from app.core import freshness

log = logging.getLogger(__name__)

GENERATION_KEY = "qlvb:topbar:generation"
MAX_ENTRIES = 20000
# Values of some size (a list page's SQL statement, about 100 kB with what it holds) are
# kept apart, fewer of them.
MAX_LARGE_ENTRIES = 256
T = TypeVar("T")

_lock = threading.Lock()
_entries: dict[Hashable, tuple[int, float, Any]] = {}
_large: dict[Hashable, tuple[int, float, Any]] = {}


def redis_client() -> Any:
    """The app's Redis client (``REDIS_URL``), made once: short timeouts, the page does
    not wait for an unreachable Redis."""
    extensions = current_app.extensions
    client = extensions.get("qlvb.kept.redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=1,
                                      socket_connect_timeout=1)
        extensions["qlvb.kept.redis"] = client
    return client


def data_generation() -> int:
    """The generation of the data, read once per request: the installation's (Redis) or
    this process's; -1 when it cannot be known (nothing is kept then)."""
    if not has_app_context():
        return -1
    if has_request_context() and "_kept_generation" in g:
        return int(g._kept_generation)
    if current_app.config.get("REDIS_URL"):
        import redis

        try:
            raw = redis_client().get(GENERATION_KEY)
            value = int(raw or 0)
        except redis.RedisError as error:
            log.warning("kept values: Redis unavailable (%s); computing", error)
            value = -1
        # A write of this process moves its own generation too: both are part of it.
        value = -1 if value < 0 else value * 1_000_003 + freshness.generation()
    else:
        value = freshness.generation()
    if has_request_context():
        g._kept_generation = value
    return value


def forget_generation() -> None:
    """After a write within the request, the generation is read again."""
    if has_request_context():
        g.pop("_kept_generation", None)


freshness.on_write(forget_generation)


def remember(namespace: str, key: Hashable, compute: Callable[[], T], seconds: float,
             generation: bool = True, large: bool = False) -> T:
    """``compute()``, or the value kept under ``(namespace, key)`` if it was computed in
    the current generation (with ``generation``) less than ``seconds`` ago. ``seconds <= 0``
    keeps nothing. ``large``: among the values of some size (MAX_LARGE_ENTRIES at most)."""
    if seconds <= 0:
        return compute()
    current = data_generation() if generation else 0
    if current < 0:
        return compute()
    entries, most = (_large, MAX_LARGE_ENTRIES) if large else (_entries, MAX_ENTRIES)
    full = (app_token(), namespace, key)
    entry = entries.get(full)
    now = time.monotonic()
    if entry is not None:
        kept_generation, expires, value = entry
        if kept_generation == current and expires > now:
            return value
    value = compute()
    with _lock:
        if len(entries) >= most:
            entries.clear()
        entries[full] = (current, now + seconds, value)
    return value


def keep(namespace: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, once per app and ``(namespace, key)``: for a value whose key carries
    what it depends on (the security stamp's sets, ``app/security/stamp.py``)."""
    return remember(namespace, key, compute, float("inf"), generation=False)


def app_token() -> object:
    """This app's own token (two apps of one process, as in the tests, keep apart)."""
    token = current_app.extensions.get("qlvb.kept.token")
    if token is None:
        token = current_app.extensions["qlvb.kept.token"] = object()
    return token


def clear() -> None:
    """Forget every kept value (tests; after changes made outside the sessions)."""
    with _lock:
        _entries.clear()
        _large.clear()
