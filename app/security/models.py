from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import relationship

ACCOUNT_KINDS = {
    "person": _l("Personal account"),
    "unit": _l("Unit account"),
}


class AppUser(User):
    """FAB's user (same ``ab_user`` table) with the unit, position, phone and kind of account.

    Every unit and every official has exactly one account (Quy chế Điều 3.4)."""

    __tablename__ = "ab_user"
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)
    unit = relationship("Unit", lazy="joined", foreign_keys=[unit_id])
    position = Column(String(100))
    phone = Column(String(32))
    kind = Column(String(10), nullable=False, default="person", server_default="person")
    locked_at = Column(DateTime, nullable=True)
    locked_reason = Column(String(255), nullable=True)

    __table_args__ = (
        Index("uq_ab_user_one_unit_account", "unit_id", unique=True,
              sqlite_where=text("kind = 'unit'"), postgresql_where=text("kind = 'unit'")),
        {"extend_existing": True},
    )

    @property
    def is_active(self):
        # A locked account is refused everywhere at once: login, session, API token.
        return bool(self.active) and self.locked_at is None

    @property
    def is_locked(self):
        return self.locked_at is not None

    def get_full_name(self):
        # Vietnamese order: family and middle names (họ, last_name) before the given name.
        return f"{self.last_name} {self.first_name}".strip()

    def kind_label(self):
        return str(ACCOUNT_KINDS.get(self.kind, self.kind))

    def unit_name(self):
        return self.unit.name if self.unit else ""

    def __repr__(self):
        return self.get_full_name()
