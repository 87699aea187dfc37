"""Notifications: one function to tell users something, and their unread counts."""

from sqlalchemy import func, select

from app.notifications.models import Notification


def notify(session, users, message, link=None, urgent=False):
    """Queue a notification for each user (in the caller's transaction)."""
    seen = set()
    for user in users:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        session.add(Notification(user_id=user.id, message=str(message)[:500], link=link,
                                 urgent=urgent))


def unread_count(session, user_id):
    return session.execute(
        select(func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.read_at.is_(None)
        )
    ).scalar_one()


def recent(session, user_id, limit=8):
    return session.execute(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ).scalars().all()
