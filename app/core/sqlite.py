"""SQLite made to answer like PostgreSQL where our rules compare text."""

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine


@event.listens_for(Engine, "connect")
def _unicode_lower(dbapi_connection, connection_record):
    # SQLite's lower() folds ASCII only: "Đảng ủy" would never match "đảng ủy". Make it
    # fold as PostgreSQL's does, so that both databases give the same answer.
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function(
            "lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True)
        # Writers take turns (the audit chain's head is one row every append updates):
        # wait for the write lock rather than fail after the driver's 5 seconds.
        dbapi_connection.execute("PRAGMA busy_timeout = 30000")
