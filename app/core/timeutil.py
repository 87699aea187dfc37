"""Time in one place: timestamps are stored as naive UTC, shown in Asia/Ho_Chi_Minh,
and dates read dd/mm/yyyy."""

from datetime import UTC, date, datetime
from typing import overload
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DATE_FORMAT = "%d/%m/%Y"
DATETIME_FORMAT = "%d/%m/%Y %H:%M"


def utcnow() -> datetime:
    """Naive UTC now, the form every timestamp column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


@overload
def to_local(value: datetime) -> datetime: ...
@overload
def to_local(value: None) -> None: ...
def to_local(value: datetime | None) -> datetime | None:
    """A stored naive-UTC timestamp as an aware Asia/Ho_Chi_Minh one."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(LOCAL_TZ)


def local_now() -> datetime:
    return datetime.now(LOCAL_TZ)


def local_today() -> date:
    return local_now().date()


def fmt_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value)
    return value.strftime(DATE_FORMAT)


def fmt_datetime(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return fmt_date(value)
    return to_local(value).strftime(DATETIME_FORMAT)


def parse_date(text: str | None) -> date:
    """Parse dd/mm/yyyy (also accepts ISO yyyy-mm-dd, as scripts write it)."""
    text = (text or "").strip()
    for fmt in (DATE_FORMAT, "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


__all__ = ["utcnow", "to_local", "local_now", "local_today", "fmt_date", "fmt_datetime",
           "parse_date", "date", "LOCAL_TZ"]
