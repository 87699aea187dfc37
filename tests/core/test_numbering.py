"""Gap-free numbers (số đến, docs/domain.md §3): one counter per (series, unit, period), a rolled
back transaction gives its number back, and registrations through the real service get
1..N without duplicate or hole, 20 threads at once (PostgreSQL and SQLite) and in
sequence."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.exc import IntegrityError

from app.core import audit, numbering
from app.extensions import db
from tests.conftest import fresh_app
from tests.incoming.conftest import IncomingKit

THREADS = 20
ROLLBACKS = 5


@pytest.fixture
def app(database, tmp_path):
    """The usual test app, with an engine pool large enough for 20 concurrent sessions
    (the default pool is 5 + 10 overflow: the last threads would wait at the barrier
    holding connections, and the others would time out waiting for one)."""
    with fresh_app(database, tmp_path, SQLALCHEMY_ENGINE_OPTIONS={
            "pool_size": THREADS + 5, "max_overflow": 5, "pool_timeout": 60}) as app:
        yield app


# -- the counter itself -------------------------------------------------------------------

def test_numbers_count_per_series_unit_and_period(app, world):
    vphu, btchu = world.ids["vphu"], world.ids["btchu"]
    with app.app_context():
        s = db.session
        assert [numbering.next_number(s, "incoming", vphu, 2025) for _ in range(3)] == [1, 2, 3]
        # Another unit, another year, another series: counters of their own.
        assert numbering.next_number(s, "incoming", btchu, 2025) == 1
        assert numbering.next_number(s, "incoming", vphu, 2026) == 1
        assert numbering.next_number(s, "outgoing", vphu, 2025) == 1
        # The period is text: 2025 and "2025" are the same period.
        assert numbering.next_number(s, "incoming", vphu, "2025") == 4
        s.commit()
        assert numbering.next_number(s, "incoming", vphu, 2025) == 5
        assert numbering.next_number(s, "incoming", btchu, 2025) == 2
        s.commit()
        rows = s.execute(select(numbering.NumberCounter.series, numbering.NumberCounter.unit_id,
                                numbering.NumberCounter.period,
                                numbering.NumberCounter.last_value)).all()
        assert sorted(rows) == sorted([("incoming", vphu, "2025", 5),
                                       ("incoming", btchu, "2025", 2),
                                       ("incoming", vphu, "2026", 1),
                                       ("outgoing", vphu, "2025", 1)])
        db.session.remove()


def test_rollback_gives_the_number_back(app, world):
    vphu = world.ids["vphu"]
    with app.app_context():
        s = db.session
        assert numbering.next_number(s, "incoming", vphu, 2025) == 1
        s.commit()
        assert numbering.next_number(s, "incoming", vphu, 2025) == 2
        assert numbering.next_number(s, "incoming", vphu, 2025) == 3
        s.rollback()
        assert numbering.next_number(s, "incoming", vphu, 2025) == 2
        s.commit()
        # A counter created in a transaction that rolls back is gone with it.
        assert numbering.next_number(s, "incoming", vphu, 2030) == 1
        s.rollback()
        assert numbering.peek_number(s, "incoming", vphu, 2030) == 1
        assert numbering.next_number(s, "incoming", vphu, 2030) == 1
        s.commit()
        db.session.remove()


def test_peek_never_reserves(app, world):
    vphu = world.ids["vphu"]
    with app.app_context():
        s = db.session
        assert numbering.peek_number(s, "incoming", vphu, 2025) == 1
        assert numbering.peek_number(s, "incoming", vphu, 2025) == 1
        assert numbering.next_number(s, "incoming", vphu, 2025) == 1
        assert numbering.peek_number(s, "incoming", vphu, 2025) == 2
        assert numbering.peek_number(s, "incoming", vphu, 2025) == 2
        assert numbering.next_number(s, "incoming", vphu, 2025) == 2
        assert numbering.peek_number(s, "incoming", world.ids["btchu"], 2025) == 1
        s.commit()
        db.session.remove()


def test_counter_key_is_unique(app, world):
    with app.app_context():
        db.session.add_all([
            numbering.NumberCounter(series="incoming", unit_id=world.ids["vphu"],
                                    period="2025", last_value=1),
            numbering.NumberCounter(series="incoming", unit_id=world.ids["vphu"],
                                    period="2025", last_value=2)])
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.remove()


# -- the register's unique number -----------------------------------------------------------

def test_incoming_number_constraint_exists_and_holds(app, world):
    from app.incoming.models import IncomingDocument

    with app.app_context():
        names = {c["name"] for c in inspect(db.engine).get_unique_constraints(
            "incoming_document")}
        assert "uq_incoming_number" in names

        def row(unit, number, year=2025):
            return IncomingDocument(unit_id=world.ids[unit], channel="paper", state="registered",
                                    arrival_year=year, arrival_number=number)

        db.session.add_all([row("vphu", 1), row("btchu", 1), row("vphu", 1, 2026),
                            row("vphu", 2)])
        db.session.commit()
        db.session.add(row("vphu", 1))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.remove()


# -- many clerks registering at once through the real service ----------------------------------

def _entry(kit, i):
    from app.incoming.services import Entry

    today = kit.today()
    return Entry(arrival_date=today, author_name="Tỉnh ủy Hưng Yên", symbol=f"{i + 1}-CV/TU",
                 document_date=today - timedelta(days=1), document_type_id=kit.type_id,
                 summary=f"Văn bản thử số {i + 1}", secrecy_confirmed=True)


def _register_one(app, world, kit, i, rollback, barrier, results, errors):
    from app.incoming import services

    try:
        with app.test_request_context():
            user = world.user("vanthu.vphu")
            stored = kit.stored_pdf(text=f"Văn bản thử số {i + 1}", name=f"vb{i + 1}.pdf")
            entry = _entry(kit, i)
            if barrier is not None:
                barrier.wait(timeout=60)
            doc = services.intake(db.session, user, "paper", entry, stored)
            number = doc.arrival_number
            if rollback:
                db.session.rollback()
            else:
                db.session.commit()
            results.append((i, number, rollback))
            db.session.remove()
    except Exception as error:  # collected and reported by the test
        errors.append((i, repr(error)))
        if barrier is not None:
            barrier.abort()


def _numbers(app, world):
    from app.incoming.models import IncomingDocument

    with app.app_context():
        rows = db.session.execute(
            select(IncomingDocument.arrival_number, IncomingDocument.state)
            .where(IncomingDocument.unit_id == world.ids["vphu"])).all()
        count, problem = audit.verify_chain(db.session)
        registered = db.session.execute(
            select(audit.AuditEvent.object_id)
            .where(audit.AuditEvent.action == "incoming_registered")).scalars().all()
        db.session.remove()
    return [n for n, _ in rows], {s for _, s in rows}, problem, count, registered


def _run(app, world, rollback_every=None, threaded=True):
    kit = IncomingKit(app, world)
    plan = [bool(rollback_every) and i % rollback_every == rollback_every - 1
            for i in range(THREADS)]
    results, errors = [], []
    if threaded:
        barrier = threading.Barrier(THREADS)
        threads = [threading.Thread(target=_register_one,
                                    args=(app, world, kit, i, plan[i], barrier, results, errors))
                   for i in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=180)
        assert not any(t.is_alive() for t in threads), "a registration never finished"
    else:
        for i in range(THREADS):
            _register_one(app, world, kit, i, plan[i], None, results, errors)
    assert errors == []
    assert len(results) == THREADS
    return plan.count(True)


def _assert_gap_free(app, world, expected):
    numbers, states, problem, count, registered = _numbers(app, world)
    assert len(numbers) == expected
    assert sorted(numbers) == list(range(1, expected + 1))  # no duplicate, no hole
    assert states == {"registered"}
    assert problem is None and count >= expected
    assert len(registered) == expected
    from app.incoming.services import NUMBER_SERIES

    with app.app_context():
        assert numbering.peek_number(db.session, NUMBER_SERIES, world.ids["vphu"],
                                     _today().year) == expected + 1
        db.session.remove()


def _today():
    from app.core.timeutil import local_today

    return local_today()


# On PostgreSQL the counter's row lock and the audit chain's advisory lock order the
# writers; SQLite serialises them with its write lock (waiting up to its busy timeout).

def test_concurrent_registrations_get_consecutive_numbers(app, world):
    _run(app, world)
    _assert_gap_free(app, world, THREADS)


def test_concurrent_registrations_with_rollbacks_leave_no_hole(app, world):
    rolled_back = _run(app, world, rollback_every=THREADS // ROLLBACKS)
    assert rolled_back == ROLLBACKS
    _assert_gap_free(app, world, THREADS - ROLLBACKS)


def test_sequential_registrations_get_consecutive_numbers(app, world):
    _run(app, world, threaded=False)
    _assert_gap_free(app, world, THREADS)


def test_sequential_registrations_with_rollbacks_leave_no_hole(app, world):
    rolled_back = _run(app, world, rollback_every=THREADS // ROLLBACKS, threaded=False)
    assert rolled_back == ROLLBACKS
    _assert_gap_free(app, world, THREADS - ROLLBACKS)
