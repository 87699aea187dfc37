"""A counter of committed writes, for the values kept between requests (the top bar's
counts, the search form of a list): a value computed in an older generation is not used.

Every commit that wrote a row — through the ORM or an INSERT/UPDATE/DELETE statement of the
session — starts a new generation, except writes to ``QUIET_TABLES`` (the audit trail, a
file opened; the accounts' sign-in bookkeeping), which change nothing shown. The counter is
this process's; ``on_write`` hooks carry a write further (to Redis, for every worker)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

QUIET_TABLES = frozenset({"audit_event", "audit_chain_head", "ab_user"})
DIRTY = "qlvb_written"

_lock = threading.Lock()
_state = {"generation": 0}
_listeners: list[Callable[[], None]] = []


def generation() -> int:
    """This process's generation: how many writing commits it has seen."""
    return _state["generation"]


def on_write(listener: Callable[[], None]) -> None:
    """Call ``listener`` after each commit that starts a new generation."""
    if listener not in _listeners:
        _listeners.append(listener)


def written() -> None:
    """Start a new generation (called after a writing commit; tests call it directly)."""
    with _lock:
        _state["generation"] += 1
    for listener in list(_listeners):
        listener()


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, context: Any) -> None:
    if session.info.get(DIRTY):
        return
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__tablename__", None) not in QUIET_TABLES:
            session.info[DIRTY] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[DIRTY] = True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.info.pop(DIRTY, False):
        written()


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(DIRTY, None)
