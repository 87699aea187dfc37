"""Demo data (``flask qlvb seed-demo``): the host agency and the units named in Quy chế
19-QC/HU (Kim Động), the document types, the current term, this year's holidays, one
account per role, a register of incoming documents in every state and outgoing documents
in every state (with what their recipients did with them), and the office's file plan with
open, closed and transferred work files (``records``). Running it again changes
nothing.

- ``data``: what the demo holds, as tables (units, types, accounts, and the two registers'
  scenarios: one row per document with the steps that happen to it);
- ``files``: the PDFs and Word drafts the documents carry;
- ``incoming``, ``outgoing``: the small functions that play each scenario step through the
  real services;
- ``context``: what a scenario runs against, and when it runs at all.
"""

from __future__ import annotations

from typing import Any

import click
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.core import fab
from app.core.calendar import CalendarDay
from app.core.errors import DomainError
from app.core.scope import ScopeSettings
from app.core.timeutil import local_today
from app.demo.data import (
    ACCOUNT_UNITS,
    DEFAULT_PASSWORD,
    DOCUMENT_TYPES,
    HOLIDAYS,
    PEOPLE,
    TERM,
    UNIT_ROLE_ACCOUNTS,
    UNITS,
)
from app.demo.files import _find_font, _latin, demo_docx, demo_pdf
from app.demo.incoming import seed_incoming
from app.demo.outgoing import seed_outgoing
from app.demo.records import seed_records
from app.reference.models import DocumentType, Term
from app.security import permissions as P
from app.security.models import AppUser
from app.security.passwords import password_problems
from app.units.models import Unit

__all__ = ["DEFAULT_PASSWORD", "_find_font", "_latin", "demo_docx", "demo_pdf", "seed_demo",
           "seed_incoming", "seed_outgoing"]

Account = tuple[str, str, str, str]
"""(user name, password shown, role, unit abbreviation)."""


def _get_or_add(session: Session, model: type[Any], where: dict[str, Any],
                **values: Any) -> Any:
    row = session.execute(select(model).filter_by(**where)).unique().scalars().first()
    if row is None:
        row = model(**where, **values)
        session.add(row)
        session.flush()
    return row


def _reference_data(session: Session, year: int) -> dict[str, Unit]:
    """The units (by abbreviation), document types, term and holidays of ``year`` and the
    next."""
    units: dict[str, Unit] = {}
    for abbr, name, kind, code, parent in UNITS:
        unit = _get_or_add(session, Unit, {"abbreviation": abbr}, name=name, kind=kind,
                           code=code, active=True)
        if parent and unit.parent_id is None:
            unit.parent = units[parent]
        units[abbr] = unit
    for name, abbr, days in DOCUMENT_TYPES:
        _get_or_add(session, DocumentType, {"abbreviation": abbr}, name=name,
                    processing_days=days, active=True)
    _get_or_add(session, Term, {"name": TERM[0]}, start_date=TERM[1], end_date=TERM[2])
    for y in (year, year + 1):
        for day, kind, name in HOLIDAYS.get(y, []):
            _get_or_add(session, CalendarDay, {"day": day}, kind=kind, name=name)
    return units


def _accounts(session: Session, units: dict[str, Unit], password: str) -> list[Account]:
    """The admin, the office account and one account per role in each of ACCOUNT_UNITS;
    an existing account is left as it is (its password shown as "(unchanged)")."""
    sm = fab.appbuilder().sm
    pw_hash = None
    accounts = []
    table = [("admin", P.ROLE_ADMIN, "VPHU", "Quản trị hệ thống", "admin"),
             ("vanphong", P.ROLE_OFFICE, "VPHU", "Chuyên viên Văn phòng", "vanphong"),
             ("luutru.vphu", P.ROLE_ARCHIVE, "VPHU", "Lưu trữ cơ quan", "luutru")]
    table += [(f"{prefix}.{abbr.lower()}", role_name, abbr, position, prefix)
              for abbr in ACCOUNT_UNITS for prefix, role_name, position in UNIT_ROLE_ACCOUNTS]
    for username, role_name, abbr, position, person_key in table:
        unit = units[abbr]
        existing = session.execute(
            select(AppUser).where(AppUser.username == username)).unique().scalar_one_or_none()
        shown = password
        if existing is None:
            if pw_hash is None:
                pw_hash = generate_password_hash(
                    password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"))
            first, last = PEOPLE[person_key]
            user = AppUser(username=username, first_name=first, last_name=last,
                           email=f"{username}@qlvb.local", active=True, password=pw_hash,
                           unit=unit, position=position, kind="person")
            user.roles = [sm.find_role(role_name)]
            session.add(user)
        else:
            shown = "(unchanged)"
        accounts.append((username, shown, role_name, unit.abbreviation))
    return accounts


def seed_demo(session: Session, password: str | None = None,
              year: int | None = None) -> list[Account]:
    """Load the demo set; return (username, password, role, unit) for each account."""
    password = password or DEFAULT_PASSWORD
    problems = password_problems(password, current_app.config.get("PASSWORD_MIN_LENGTH", 10))
    if problems:
        raise DomainError("weak demo password: needs " + ", ".join(problems))
    if fab.appbuilder().sm.find_role(P.ROLE_CLERK) is None:
        raise DomainError("run `flask qlvb sync-roles` first")
    units = _reference_data(session, year or local_today().year)
    accounts = _accounts(session, units, password)
    session.commit()
    seed_incoming(session, echo=click.echo)
    seed_outgoing(session, echo=click.echo)
    seed_records(session, click.echo, ScopeSettings.from_config(current_app.config))
    return accounts

