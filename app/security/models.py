from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, text
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


# ``LoginGuard.address`` of the row counting an account's failures from every address.
ANY_ADDRESS = "*"


class LoginGuard(Model):
    """Failed sign-ins to one account from one client address, and the time-limited lock
    they led to (app/security/lockout.py). The row of address ``*`` counts the account's
    failures from every address; its lock spares the addresses the owner recently signed
    in from."""

    __tablename__ = "login_guard"
    id = Column(Integer, primary_key=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    user = relationship(AppUser, lazy="joined", foreign_keys=[user_id])
    address = Column(String(64), nullable=False)
    failures = Column(Integer, nullable=False, default=0, server_default="0")
    # How many times this key has been locked since it was last forgotten: the next lock
    # lasts longer.
    level = Column(Integer, nullable=False, default=0, server_default="0")
    last_failure_at = Column(DateTime, nullable=True)
    locked_until = Column(DateTime, nullable=True, index=True)
    last_success_at = Column(DateTime, nullable=True)

    __table_args__ = (UniqueConstraint("user_id", "address", name="uq_login_guard_key"),)

    def username(self):
        return self.user.username if self.user else ""

    def unit_name(self):
        return self.user.unit_name() if self.user else ""

    def why(self):
        from flask import current_app
        from flask_babel import gettext as _

        if self.address == ANY_ADDRESS:
            limit = current_app.config.get("AUTH_MAX_FAILED_LOGINS_ACCOUNT", 20)
            return _("%(n)d wrong passwords to the account from various addresses (lock "
                     "no. %(level)d in a row)", n=limit, level=self.level)
        limit = current_app.config.get("AUTH_MAX_FAILED_LOGINS", 5)
        return _("%(n)d wrong passwords from this address (lock no. %(level)d in a row)",
                 n=limit, level=self.level)

    def __repr__(self):
        return f"{self.username()} @ {self.address}"
