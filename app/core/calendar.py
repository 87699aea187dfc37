"""Working-day calendar: weekends are off, holidays (Tết and other lunar dates entered as
dated rows) are off, and a swapped Saturday can be declared a working day (Quy chế Điều 6.4)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from itertools import chain

from flask import g, has_request_context
from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Date, Integer, String, event, select
from sqlalchemy.orm import Session, UOWTransaction

from app.core.errors import DomainError
from app.core.timeutil import LOCAL_TZ

WEEKEND = (5, 6)  # Saturday, Sunday
MORNING_END = time(12, 0)

DAY_KINDS = {
    "holiday": _l("Day off (holiday)"),
    "workday": _l("Working day (swapped)"),
}


class CalendarDay(Model):
    """An exception to the ordinary week: a holiday on a weekday or a working weekend day."""

    __tablename__ = "calendar_day"
    id = Column(Integer, primary_key=True)
    day = Column(Date, nullable=False, unique=True)
    kind = Column(String(10), nullable=False, default="holiday")
    name = Column(String(255), nullable=False)

    def kind_label(self) -> str:
        return str(DAY_KINDS.get(self.kind, self.kind))

    def __repr__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.name}"


class Calendar:
    """The exceptions of a date range, loaded once, answering working-day questions."""

    def __init__(self, session: Session, start: date, end: date) -> None:
        rows = session.execute(
            select(CalendarDay.day, CalendarDay.kind).where(CalendarDay.day.between(start, end))
        ).all()
        self._exceptions = {day: kind for day, kind in rows}
        self.start, self.end = start, end

    def is_working_day(self, day: date) -> bool:
        kind = self._exceptions.get(day)
        if kind == "holiday":
            return False
        if kind == "workday":
            return True
        return day.weekday() not in WEEKEND


# Longest run of days off we expect (Tết plus weekends), with room to spare.
_HORIZON_PER_DAY = 3
_HORIZON_EXTRA = 30


def _calendar_for(session: Session, start: date, working_days: int) -> Calendar:
    end = start + timedelta(days=working_days * _HORIZON_PER_DAY + _HORIZON_EXTRA)
    if not has_request_context():
        return Calendar(session, start, end)
    # Within a request, whole years are loaded once: a page computing the deadlines of many
    # documents (the top bar's "to issue, late") asks one query, not one per document.
    span = (date(start.year, 1, 1), date(max(start.year + 1, end.year), 12, 31))
    cache = g.setdefault("_calendars", {})
    if span not in cache:
        cache[span] = Calendar(session, *span)
    return cache[span]


@event.listens_for(Session, "after_flush")
def _calendar_changed(session: Session, flush_context: UOWTransaction) -> None:
    """A day written to the calendar: the request's loaded years are stale."""
    if has_request_context() and "_calendars" in g and any(
            isinstance(obj, CalendarDay)
            for obj in chain(session.new, session.dirty, session.deleted)):
        g.pop("_calendars")


def is_working_day(session: Session, day: date) -> bool:
    """Whether ``day`` is a working day: not a weekend unless swapped, not a holiday."""
    return Calendar(session, day, day).is_working_day(day)


def add_working_days(session: Session, start: date, count: int) -> date:
    """The date ``count`` working days after ``start`` (start itself not counted); with
    count 0, start itself if it is a working day, else the next working day."""
    if count < 0:
        raise DomainError(_l("The number of working days cannot be negative."))
    cal = _calendar_for(session, start, count)
    day = start
    if count == 0:
        while not cal.is_working_day(day):
            day += timedelta(days=1)
        return day
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if day > cal.end:
            cal = _calendar_for(session, day, remaining)
        if cal.is_working_day(day):
            remaining -= 1
    return day


def next_working_day(session: Session, day: date) -> date:
    """The first working day strictly after ``day``."""
    return add_working_days(session, day, 1)


def next_working_morning_deadline(session: Session, moment: datetime) -> datetime:
    """The end of the morning (12:00, Asia/Ho_Chi_Minh) of the next working day after
    ``moment``'s date: the latest an outgoing document may be sent (Quy chế Điều 6.4)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL_TZ)
    local_day = moment.astimezone(LOCAL_TZ).date()
    day = next_working_day(session, local_day)
    return datetime.combine(day, MORNING_END, tzinfo=LOCAL_TZ)
