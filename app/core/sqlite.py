"""SQLite made to answer like PostgreSQL where our rules compare text; PostgreSQL's
connections without JIT compilation, their statements prepared from their second run and
kept prepared across requests (a request that only read ends its transaction with COMMIT:
psycopg forgets every prepared statement of a connection on ROLLBACK)."""

import logging
import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 60_000
# PostgreSQL: a statement is prepared on the server from its second run on a connection,
# and a connection keeps this many prepared (psycopg: 5 runs, 100 statements).
PREPARE_THRESHOLD = 1
PREPARED_MAX = 1000


@event.listens_for(Engine, "connect")
def _unicode_lower(dbapi_connection, connection_record):
    # SQLite's lower() folds ASCII only: "Đảng ủy" would never match "đảng ủy". Make it
    # fold as PostgreSQL's does, so that both databases give the same answer.
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True)
        # A second writer waits for the first (a document's step locks it by writing
        # first, app.core.workflow; the audit chain's head is one row every append
        # updates) instead of failing with "database is locked" after
        # Python's default 5 s: a busy office queues more than 5 s of writes at times.
        dbapi_connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


@event.listens_for(Engine, "connect")
def _no_jit(dbapi_connection, connection_record):
    # PostgreSQL compiles a query whose estimated cost is high (a search over a million
    # documents, stopped early by its LIMIT) with LLVM first: 20-30 ms spent on every such
    # request for nothing (a page of rows). The setting is the session's, kept by the pool.
    if type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


@event.listens_for(Engine, "connect")
def _prepared(dbapi_connection, connection_record):
    # A statement PostgreSQL has prepared is planned once for all its values after its
    # fifth run (a generic plan, when it costs no more than planning each time). The joins
    # of a page's statements take longer to plan (0.5-2 ms) than to run (0.1 ms): they are
    # prepared from their second run, and a worker keeps the statements of every screen
    # prepared (psycopg's default of 100 is fewer than the statements the screens run, and
    # a statement pushed out starts again from its first run).
    if type(dbapi_connection).__module__.startswith("psycopg"):
        dbapi_connection.prepare_threshold = PREPARE_THRESHOLD
        dbapi_connection.prepared_max = PREPARED_MAX


# -- a transaction that only read -------------------------------------------------------------

WROTE = "qlvb_wrote"


@event.listens_for(Engine, "begin")
def _transaction_began(conn):
    conn.info.pop(WROTE, None)


@event.listens_for(Engine, "before_cursor_execute")
def _note_a_write(conn, cursor, statement, parameters, context, executemany):
    # Anything but a SELECT (an INSERT, an UPDATE, a DDL, a SET…) counts as a write.
    if WROTE not in conn.info and statement.lstrip()[:6].upper() != "SELECT":
        conn.info[WROTE] = True


def only_read(session) -> bool:
    """Whether ``session``'s transaction ran nothing but SELECTs and holds no change to
    write: ending it with COMMIT or ROLLBACK is the same."""
    if not session.in_transaction() or session.new or session.dirty or session.deleted:
        return False
    return not session.connection().info.get(WROTE)


def install(app, db) -> None:
    """At the end of a request (or of any app context) on PostgreSQL, a transaction that
    only read is committed, not rolled back: psycopg keeps the connection's prepared
    statements across a COMMIT and forgets them all on a ROLLBACK, so a worker would
    otherwise plan each statement of a page again on every request. Anything else (a
    write not committed, an error) is rolled back by Flask-SQLAlchemy as before."""

    @app.teardown_appcontext
    def _commit_what_only_read(error):
        if error is not None or not db.session.registry.has():
            return
        session = db.session()
        try:
            if session.get_bind().dialect.name == "postgresql" and only_read(session):
                # The objects read stay as they were read, as after the ROLLBACK (a value
                # kept between requests, the top bar's notifications, is read again later).
                expire, session.expire_on_commit = session.expire_on_commit, False
                try:
                    session.commit()
                finally:
                    session.expire_on_commit = expire
        except SQLAlchemyError as failure:
            log.warning("ending a read-only transaction: %s", failure)
