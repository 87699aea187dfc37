"""Working days: weekends, Tết and other holidays entered as dated rows, swapped days."""

from datetime import date, datetime

import pytest

from app.core.calendar import (
    CalendarDay,
    add_working_days,
    is_working_day,
    next_working_morning_deadline,
)
from app.core.errors import DomainError
from app.core.timeutil import LOCAL_TZ
from app.extensions import db

TET_2026 = [date(2026, 2, d) for d in (16, 17, 18, 19, 20)]


@pytest.fixture
def calendar(app):
    with app.app_context():
        for d in TET_2026:
            db.session.add(CalendarDay(day=d, kind="holiday", name="Tết Nguyên đán"))
        db.session.add(CalendarDay(day=date(2026, 1, 10), kind="workday", name="Làm bù"))
        db.session.add(CalendarDay(day=date(2026, 1, 2), kind="holiday", name="Nghỉ bù"))
        db.session.commit()
        yield db.session
        db.session.remove()


def test_weekends_holidays_and_swapped_days(calendar):
    assert is_working_day(calendar, date(2026, 2, 13))  # Friday before Tết
    assert not is_working_day(calendar, date(2026, 2, 14))  # Saturday
    assert not is_working_day(calendar, date(2026, 2, 17))  # mùng 1 Tết, a Tuesday
    assert is_working_day(calendar, date(2026, 1, 10))  # a Saturday made a working day
    assert not is_working_day(calendar, date(2026, 1, 2))  # a Friday made a day off


def test_adding_working_days_across_tet(calendar):
    # Friday 13/02 + 1 working day skips the weekend and the five days of Tết.
    assert add_working_days(calendar, date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert add_working_days(calendar, date(2026, 2, 12), 3) == date(2026, 2, 24)
    assert add_working_days(calendar, date(2026, 2, 17), 0) == date(2026, 2, 23)
    # Friday 09/01 + 1 lands on the swapped Saturday.
    assert add_working_days(calendar, date(2026, 1, 9), 1) == date(2026, 1, 10)
    with pytest.raises(DomainError):
        add_working_days(calendar, date(2026, 1, 9), -1)


def test_long_spans_reach_past_the_loaded_window(calendar):
    assert add_working_days(calendar, date(2026, 1, 5), 200) > date(2026, 10, 1)


def test_next_working_morning_deadline(calendar):
    signed = datetime(2026, 2, 13, 16, 30, tzinfo=LOCAL_TZ)  # Friday afternoon before Tết
    deadline = next_working_morning_deadline(calendar, signed)
    assert deadline == datetime(2026, 2, 23, 12, 0, tzinfo=LOCAL_TZ)
    # A naive time is read as local time.
    assert next_working_morning_deadline(calendar, datetime(2026, 3, 3, 9, 0)) == \
        datetime(2026, 3, 4, 12, 0, tzinfo=LOCAL_TZ)


def test_calendar_screen_refuses_duplicate_date_with_message(app, world):
    from tests.conftest import client_for

    c = client_for(app, "admin")
    data = {"day": "17/02/2026", "kind": "holiday", "name": "Tết"}
    assert c.post("/calendardayview/add", data=data).status_code == 302
    resp = c.post("/calendardayview/add", data=data)
    assert "Đã tồn tại" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(CalendarDay).filter_by(day=date(2026, 2, 17)).count() == 1
