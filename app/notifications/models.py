from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String

from app.core.timeutil import utcnow


class Notification(Model):
    """A message to one user, linking to what it is about."""

    __tablename__ = "notification"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    message = Column(String(500), nullable=False)
    link = Column(String(255))
    urgent = Column(Boolean, nullable=False, default=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    read_at = Column(DateTime)

    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at", "created_at"),)

    def __repr__(self):
        return self.message
