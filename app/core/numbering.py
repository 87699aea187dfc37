"""Gap-free, concurrency-safe numbers (số đến, số văn bản đi).

A counter row per (series, unit, period) is incremented with one ``UPDATE … RETURNING``
inside the caller's transaction: the row lock (PostgreSQL) or the write lock (SQLite)
makes concurrent callers wait for each other, a rollback gives the number back, and a
committed number is never handed out again (Quy chế; docs/domain.md §3). Call ``next_number``
before anything else in the transaction writes the audit trail, so that every
registration takes its locks in the same order."""

from flask_appbuilder import Model
from sqlalchemy import Column, Integer, String, UniqueConstraint, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable


class NumberCounter(Model):
    """The last number given in one series of one unit for one period (a year or a term)."""

    __tablename__ = "number_counter"
    id = Column(Integer, primary_key=True)
    series = Column(String(50), nullable=False)
    unit_id = Column(Integer, nullable=False)
    period = Column(String(20), nullable=False)
    last_value = Column(Integer, nullable=False, default=0)

    __table_args__ = (UniqueConstraint("series", "unit_id", "period",
                                       name="uq_number_counter_key"),)


def _insert_ignore(session: Session, values: dict[str, object]) -> None:
    dialect = session.get_bind().dialect.name
    stmt: Executable
    if dialect == "postgresql":
        stmt = postgresql.insert(NumberCounter).values(**values).on_conflict_do_nothing(
            index_elements=["series", "unit_id", "period"])
    else:
        stmt = sqlite.insert(NumberCounter).values(**values).on_conflict_do_nothing(
            index_elements=["series", "unit_id", "period"])
    session.execute(stmt)


def next_number(session: Session, series: str, unit_id: int, period: object) -> int:
    """The next number of ``series`` for ``unit_id`` in ``period``, taken in the caller's
    transaction (it is given back if that transaction rolls back)."""
    key = (NumberCounter.series == series, NumberCounter.unit_id == unit_id,
           NumberCounter.period == str(period))
    stmt: Executable = (update(NumberCounter).where(*key)
                        .values(last_value=NumberCounter.last_value + 1)
                        .returning(NumberCounter.last_value)
                        .execution_options(synchronize_session=False))
    with session.no_autoflush:
        value = session.execute(stmt).scalar()
        if value is None:
            _insert_ignore(session, {"series": series, "unit_id": unit_id,
                                     "period": str(period), "last_value": 0})
            value = session.execute(stmt).scalar_one()
    return value


def peek_number(session: Session, series: str, unit_id: int, period: object) -> int:
    """The number the next call would give (for display only; never reserve with it)."""
    last = session.execute(
        select(NumberCounter.last_value).where(
            NumberCounter.series == series, NumberCounter.unit_id == unit_id,
            NumberCounter.period == str(period))).scalar()
    return (last or 0) + 1
