"""Notifications: one function to tell users something, and their unread counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import registry
from app.notifications.models import Notification
from app.security.models import AppUser
from app.security.signals import account_alert


def notify(session: Session, users: Iterable[AppUser | None], message: object,
           link: str | None = None, urgent: bool = False) -> None:
    """Queue a notification for each user (in the caller's transaction)."""
    seen = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        session.add(Notification(user_id=user.id, message=str(message)[:500], link=link,
                                 urgent=urgent))


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
