"""The database connections (app/core/sqlite.py): a request's transaction that only read
ends with COMMIT on PostgreSQL, so that the connection keeps its prepared statements (a
ROLLBACK makes psycopg forget them all and the next request plans every statement again);
a transaction that wrote without committing is rolled back as before."""

import pytest
from sqlalchemy import event, select, text

LIST = "/incomingview/list/"


def _is_postgresql(app):
    from app.extensions import db

    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def test_a_transaction_that_only_read_is_told_from_one_that_wrote(app, world):
    from app.core.sqlite import only_read
    from app.extensions import db
    from app.units.models import Unit

    with app.app_context():
        assert not only_read(db.session())  # no transaction yet
        db.session.execute(select(Unit.id)).all()
        assert only_read(db.session())
        unit = db.session.get(Unit, world.ids["vphu"])
        unit.phone = "0221 000 000"
        assert not only_read(db.session())  # a change not yet written
        db.session.flush()
        assert not only_read(db.session())  # written, not committed
        db.session.rollback()
        db.session.execute(select(Unit.id)).all()
        assert only_read(db.session())  # a new transaction
        db.session.execute(text("SELECT 1"))
        db.session.execute(text("UPDATE unit SET phone = phone WHERE id = 0"))
        assert not only_read(db.session())
        db.session.rollback()


def test_a_write_left_uncommitted_is_rolled_back_at_the_end(app, world):
    from app.extensions import db
    from app.units.models import Unit

    with app.app_context():
        unit = db.session.get(Unit, world.ids["vphu"])
        before = unit.phone
        unit.phone = "0221 999 999"
        db.session.flush()
    with app.app_context():
        assert db.session.get(Unit, world.ids["vphu"]).phone == before


def test_a_page_that_only_read_commits_and_keeps_the_prepared_statements(app, world,
                                                                           clients):
    from app.extensions import db

    if not _is_postgresql(app):
        pytest.skip("psycopg's prepared statements: PostgreSQL only")
    with app.app_context():
        engine = db.engine
    ended, used = [], {}

    def _commit(conn):
        ended.append("commit")

    def _rollback(conn):
        ended.append("rollback")

    def _used(conn, cursor, statement, *args):
        used[id(cursor.connection)] = cursor.connection

    client = clients("vanthu.vphu")
    for _ in range(4):  # the list's statements run often enough to be prepared
        client.get(LIST)
    event.listen(engine, "commit", _commit)
    event.listen(engine, "rollback", _rollback)
    event.listen(engine, "before_cursor_execute", _used)
    try:
        assert client.get(LIST).status_code == 200
    finally:
        event.remove(engine, "commit", _commit)
        event.remove(engine, "rollback", _rollback)
        event.remove(engine, "before_cursor_execute", _used)
    assert ended == ["commit"], ended
    prepared = 0
    for connection in used.values():
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements "
                           "WHERE statement LIKE '%FROM incoming_document%'")
            prepared += cursor.fetchone()[0]
        connection.rollback()
    assert prepared >= 1


def test_what_a_read_only_request_read_stays_readable_after_it(app, world):
    """Ending a read-only transaction with COMMIT leaves the objects it read loaded, as
    the ROLLBACK did: a value kept between requests (the top bar's notifications) is
    read again after its request ended."""
    from app.extensions import db
    from app.units.models import Unit

    with app.app_context():
        unit = db.session.get(Unit, world.ids["vphu"])
        name = unit.name
    assert unit.name == name  # detached, not expired


def test_a_search_is_planned_for_its_own_words(app, world, clients):
    """The search's statements are never run on a plan made once for every value: how
    common a word is decides the plan (app/search/services.py, ``plan_for_these_words``).
    The other statements of a page are (a list's rows, the account)."""
    from app.extensions import db

    if not _is_postgresql(app):
        pytest.skip("plans kept by prepared statements: PostgreSQL only")
    with app.app_context():
        engine = db.engine
    used = {}

    def _used(conn, cursor, statement, *args):
        used[id(cursor.connection)] = cursor.connection

    client = clients("vanphong")
    event.listen(engine, "before_cursor_execute", _used)
    try:
        for _ in range(14):
            assert client.get("/search/?q=ke%20hoach").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", _used)
    plans = {}
    for connection in used.values():
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement, generic_plans, custom_plans "
                           "FROM pg_prepared_statements")
            for statement, generic, custom in cursor.fetchall():
                plans[" ".join(statement.split())] = (generic, custom)
        connection.rollback()
    ranked = [plan for statement, plan in plans.items() if "ts_rank" in statement]
    account = [plan for statement, plan in plans.items()
               if statement.startswith("SELECT ab_user.id") and "security_stamp" in statement]
    assert ranked and all(generic == 0 for generic, _custom in ranked), plans
    assert account and account[0][0] > 0, plans  # read before the search: planned once
