"""SQLite made to answer like PostgreSQL where our rules compare text; PostgreSQL's
connections without JIT compilation."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

BUSY_TIMEOUT_MS = 60_000


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
