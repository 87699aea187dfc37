from typing import Any

from flask_appbuilder import Model
from flask_babel import gettext
from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Index, Integer, String

from app.core.timeutil import utcnow


def _param(value: Any) -> str:
    if isinstance(value, dict) and "msgid" in value:
        return gettext(str(value["msgid"]))
    return str(value)


class Notification(Model):
    """A message to one user, linking to what it is about. The message is a catalog key
    and its parameters, read in the reader's language (Vietnamese first, English
    available); ``message`` is the same text in the default language, read when there is
    no key (the rows written before keys were kept) or the key no longer renders."""

    __tablename__ = "notification"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    message = Column(String(500), nullable=False)
    message_key = Column(String(500))
    params = Column(JSON)
    link = Column(String(255))
    urgent = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    read_at = Column(DateTime)

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at", "created_at"),)

    def text(self) -> str:
        """The message in the active language."""
        if not self.message_key:
            return self.message
        try:
            params = {k: _param(v) for k, v in (self.params or {}).items()}
            return gettext(self.message_key, **params)[:500]
        except (KeyError, ValueError, TypeError):
            return self.message

    def __repr__(self):
        return self.text()
