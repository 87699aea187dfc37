"""What a demo scenario runs against: the session, the demo's units, accounts and document
types by name, today, and the working days around it; and the checks that decide whether
a scenario runs at all (the demo units and accounts exist, the register is still empty)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.calendar import Calendar, add_working_days
from app.core.timeutil import local_today
from app.reference.models import DocumentType
from app.security.models import AppUser
from app.units.models import Unit

Echo = Callable[[str], None]
DEMO_UNIT_ROLES = ("vanthu", "lanhdao", "chuyenvien")
"""The accounts a scenario acts as, in each of VPHU and BTCHU: clerk, head, official."""


def working_days_back(session: Session, today: date) -> Callable[[int], date]:
    """``back(n)``: the date n working days before ``today`` (today itself for 0)."""
    cal = Calendar(session, today - timedelta(days=400), today)

    def back(n: int) -> date:
        day = today
        while n > 0:
            day -= timedelta(days=1)
            if cal.is_working_day(day):
                n -= 1
        return day

    return back


@dataclass
class Demo:
    """The demo's world as a scenario sees it."""

    session: Session
    units: dict[str, Unit]
    users: dict[str, AppUser]
    types: dict[str, DocumentType]
    today: date
    back: Callable[[int], date]

    def ahead(self, n: int) -> date:
        """The date n working days after today."""
        return add_working_days(self.session, self.today, n)

    def staff(self, prefix: str, abbr: str) -> AppUser:
        """The account ``prefix`` (vanthu, lanhdao, chuyenvien) of the unit ``abbr``."""
        return self.users[f"{prefix}.{abbr.lower()}"]


def open_demo(session: Session, label: str, model: type[Any], needed: Iterable[str],
              echo: Echo) -> Demo | None:
    """The demo's world for the register ``label`` (of rows ``model``), or None, said with
    ``echo``, when the demo units are missing, the register of VPHU or BTCHU already holds
    something, or one of the ``needed`` accounts is missing or inactive."""
    units = {u.abbreviation: u for u in session.execute(select(Unit)).unique().scalars()}
    if "VPHU" not in units or "BTCHU" not in units:
        echo(f"{label}: skipped (the demo units are missing).")
        return None
    existing = session.execute(
        select(func.count(model.id)).where(
            model.unit_id.in_((units["VPHU"].id, units["BTCHU"].id)))).scalar_one()
    if existing:
        echo(f"{label}: {existing} already present, none added.")
        return None
    users = {u.username: u for u in session.execute(select(AppUser)).unique().scalars()}
    missing = [name for name in needed if name not in users or not users[name].is_active]
    if missing:
        echo(f"{label}: skipped (missing or inactive accounts: " + ", ".join(missing) + ").")
        return None
    types = {t.abbreviation: t for t in session.execute(select(DocumentType)).scalars()}
    today = local_today()
    return Demo(session, units, users, types, today, working_days_back(session, today))


def demo_accounts() -> list[str]:
    """The clerk, head and official of VPHU and of BTCHU."""
    return [f"{p}.{a}" for a in ("vphu", "btchu") for p in DEMO_UNIT_ROLES]


def tally(states: Iterable[str]) -> dict[str, int]:
    """How many of each state."""
    counts: dict[str, int] = {}
    for state in states:
        counts[state] = counts.get(state, 0) + 1
    return counts


def per_unit(demo: Demo, unit_ids: Iterable[int]) -> str:
    """"VPHU n, BTCHU m": how many of ``unit_ids`` are each demo unit's."""
    ids = list(unit_ids)
    return ", ".join(f"{abbr} {sum(1 for i in ids if i == demo.units[abbr].id)}"
                     for abbr in ("VPHU", "BTCHU"))
