from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from app.core.timeutil import utcnow

# Kinds of unit; values are stable codes, labels are translated.
UNIT_KINDS = {
    "host": _l("Host agency (party committee)"),
    "advisory": _l("Advisory and support agency"),
    "front": _l("Fatherland Front and mass organisation"),
    "party_org": _l("Subordinate party organisation"),
    "public_service": _l("Public service unit"),
    "other": _l("Other"),
}


class Unit(Model):
    """A unit (cơ quan, đơn vị) of the host agency, itself included; units form a tree."""

    __tablename__ = "unit"
    id = Column(Integer, primary_key=True)
    name = Column(String(255), nullable=False)
    abbreviation = Column(String(20), nullable=False, unique=True)
    code = Column(String(35), unique=True, nullable=True)
    kind = Column(String(20), nullable=False, default="advisory")
    parent_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    parent = relationship("Unit", remote_side=[id], backref="children", lazy="joined",
                          join_depth=1)
    active = Column(Boolean, nullable=False, default=True)
    address = Column(String(255))
    phone = Column(String(32))
    email = Column(String(255))
    created_at = Column(DateTime, nullable=False, default=utcnow)

    def kind_label(self):
        return str(UNIT_KINDS.get(self.kind, self.kind))

    def __repr__(self):
        return f"{self.name} ({self.abbreviation})"
