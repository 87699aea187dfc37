from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Column, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import relationship

from app.core.storage import register_reference
from app.core.timeutil import utcnow

INCIDENT_KINDS = {
    "account_compromise": _l("Lost control of an account"),
    "security": _l("Information security incident"),
    "software_error": _l("Software error"),
    "feature_request": _l("Feature request"),
}
INCIDENT_STATUSES = {
    "new": _l("New"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
}


class Incident(Model):
    """A problem or request reported by a user (Quy chế Điều 4.2.b–c, Điều 8.5)."""

    __tablename__ = "incident"
    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    unit = relationship("Unit", lazy="joined")
    reporter_id = Column(Integer, ForeignKey("ab_user.id"), nullable=False, index=True)
    reporter = relationship("AppUser", foreign_keys=[reporter_id], lazy="joined")
    kind = Column(String(30), nullable=False)
    title = Column(String(255), nullable=False)
    description = Column(Text, nullable=False)
    status = Column(String(20), nullable=False, default="new")
    response = Column(Text)
    handler_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    handler = relationship("AppUser", foreign_keys=[handler_id], lazy="joined")
    created_at = Column(DateTime, nullable=False, default=utcnow)
    updated_at = Column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)
    resolved_at = Column(DateTime)
    file_name = Column(String(255))
    file_sha256 = Column(String(64), index=True)
    file_size = Column(BigInteger)
    file_mime = Column(String(100))

    __table_args__ = (
        Index("ix_incident_unit_created", "unit_id", "created_at"),
        Index("ix_incident_status_created", "status", "created_at"),
    )

    def kind_label(self):
        return str(INCIDENT_KINDS.get(self.kind, self.kind))

    def status_label(self):
        return str(INCIDENT_STATUSES.get(self.status, self.status))

    def __repr__(self):
        return self.title


def _register_files():
    register_reference(Incident.file_sha256)


_register_files()
