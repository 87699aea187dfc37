"""Notifications: one function to tell users something, and their unread counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import nullcontext
from typing import Any

from flask import Flask, current_app, has_app_context
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.core import registry
from app.core.timeutil import utcnow
from app.notifications.models import Notification
from app.security.models import AppUser
from app.security.signals import account_alert


def _key_and_params(message: object) -> tuple[str | None, dict[str, Any] | None]:
    """A message given as ``lazy_gettext(msgid, **params)``: its msgid and parameters (a
    parameter that is itself a lazy label is kept as its msgid, read in the reader's
    language too). Any other message has no key: its text is all there is."""
    if not isinstance(message, LazyString) or not message._args:
        return None, None
    params: dict[str, Any] = {}
    for name, value in message._kwargs.items():
        if isinstance(value, LazyString) and value._args and not value._kwargs:
            params[name] = {"msgid": str(value._args[0])}
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            params[name] = value
        else:
            params[name] = str(value)
    return str(message._args[0]), params


def notify(session: Session, users: Iterable[AppUser | None], message: object,
           link: str | None = None, urgent: bool = False) -> None:
    """Queue a notification for each user (in the caller's transaction). ``message`` is
    ``lazy_gettext(msgid, **params)``: the key and parameters are kept and each reader reads
    it in their language; the text in the default language is kept as the fallback
    (each screen speaks its reader's language: Vietnamese first, English available)."""
    key, params = _key_and_params(message)
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")) \
            if has_app_context() else nullcontext():
        text = str(message)[:500]
    seen = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        session.add(Notification(user_id=user.id, message=text, message_key=key,
                                 params=params, link=link, urgent=urgent))


def mark_read(session: Session, user_id: int, ids: Iterable[int] | None = None) -> int:
    """Mark ``user_id``'s notifications ``ids`` (all unread ones when None) read; the number
    marked. Only the user's own rows are touched: the update's WHERE is the check, in one
    statement, so two tabs marking at once mark each row once."""
    query = update(Notification).where(Notification.user_id == user_id,
                                       Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    count: int = session.execute(query.values(read_at=utcnow()).execution_options(
        synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    return count


def delete_own(session: Session, user_id: int, ids: Iterable[int]) -> int:
    """Delete ``user_id``'s notifications ``ids`` (never another user's); the number
    deleted."""
    count: int = session.execute(delete(Notification).where(
        Notification.user_id == user_id, Notification.id.in_(list(ids))
    ).execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    return count


def unread_count(session: Session, user_id: int) -> int:
    return session.execute(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    ).scalar_one()


def recent(session: Session, user_id: int, limit: int = 8) -> Sequence[Notification]:
    return session.execute(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ).scalars().all()


def _account_alert(account: AppUser, session: Session, recipients: list[AppUser],
                   message: Any, link: str | None = None, urgent: bool = False) -> None:
    notify(session, recipients, message, link=link, urgent=urgent)


def init_app(app: Flask) -> None:
    """The unread count and the latest notifications in the top bar; the account alerts
    of the security rules."""
    registry.add_top_bar(app, "unread", lambda session, user: unread_count(session, user.id))
    registry.add_top_bar(app, "recent", lambda session, user: recent(session, user.id, limit=6))
    account_alert.connect(_account_alert)
