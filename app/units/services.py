"""Unit rules: identifier shape, unique abbreviation and code, a tree without cycles."""

import re
import unicodedata

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.units.models import UNIT_KINDS, Unit

CODE_RE = re.compile(r"^[0-9A-Z]+(\.[0-9A-Z]+)*$")
ABBR_RE = re.compile(r"^[0-9A-ZĐ]+(-[0-9A-ZĐ]+)*$")


def normalise_unit(unit: Unit) -> None:
    unit.name = unicodedata.normalize("NFC", (unit.name or "").strip())
    unit.abbreviation = unicodedata.normalize("NFC", (unit.abbreviation or "").strip().upper())
    code = (unit.code or "").strip().upper()
    unit.code = code or None


def check_unit(session: Session, unit: Unit) -> None:
    """Validate a unit before saving: mã định danh is `0-9A-Z` groups joined by dots, at
    most 35 characters, unique; the abbreviation is unique; the parent chain has no cycle."""
    normalise_unit(unit)
    if not unit.name:
        raise DomainError(_("The unit name is required."), field="name")
    if len(unit.name) > 255:
        raise DomainError(_("The unit name is at most 255 characters."), field="name")
    if not unit.abbreviation or len(unit.abbreviation) > 20 or not ABBR_RE.match(unit.abbreviation):
        raise DomainError(_("The abbreviation is 1 to 20 capital letters or digits, e.g. VPHU."),
                          field="abbreviation")
    if unit.code is not None and (len(unit.code) > 35 or not CODE_RE.match(unit.code)):
        raise DomainError(_("The identifier code is groups of digits and capital letters "
                            "separated by dots, at most 35 characters, e.g. 000.00.31.H31."),
                          field="code")
    if unit.kind not in UNIT_KINDS:
        raise DomainError(_("Choose the kind of unit."), field="kind")
    with session.no_autoflush:
        for column, value, message in (
            (Unit.abbreviation, unit.abbreviation,
             _("Another unit already has this abbreviation.")),
            (Unit.code, unit.code, _("Another unit already has this identifier code.")),
        ):
            if value is None:
                continue
            query = select(func.count(Unit.id)).where(column == value)
            if unit.id is not None:
                query = query.where(Unit.id != unit.id)
            if session.execute(query).scalar_one():
                raise DomainError(message, field=column.key)
        parent = unit.parent
        if parent is None and unit.parent_id is not None:
            parent = session.get(Unit, unit.parent_id)
            if parent is None:
                raise DomainError(_("The parent unit does not exist."), field="parent")
        seen = set()
        while parent is not None:
            if unit.id is not None and parent.id == unit.id or parent is unit:
                raise DomainError(_("A unit cannot be placed under itself or under one of its "
                                    "own sub-units."), field="parent")
            if parent.id in seen:
                break
            seen.add(parent.id)
            parent = parent.parent


def unit_tree(session: Session) -> list[tuple[int, Unit]]:
    """All units ordered as a tree: (depth, unit) pairs, parents before children."""
    units = session.execute(select(Unit).order_by(Unit.name)).unique().scalars().all()
    children: dict[int | None, list[Unit]] = {}
    for u in units:
        children.setdefault(u.parent_id, []).append(u)
    out = []

    def walk(parent_id: int | None, depth: int) -> None:
        for u in children.get(parent_id, []):
            out.append((depth, u))
            walk(u.id, depth + 1)

    walk(None, 0)
    return out
