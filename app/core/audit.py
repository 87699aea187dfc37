"""The audit trail: one append-only table, one function to record an event.

Each event stores the SHA-256 of the previous event's hash and its own content, so an
edited, removed or inserted row breaks the chain and ``verify_chain`` names the first
broken link (Quy chế Điều 3.5: keep a trail of who did what)."""

import hashlib
import json
import logging

from flask import g, has_request_context, request
from flask_appbuilder import Model
from sqlalchemy import Column, DateTime, Index, Integer, String, Text, event, select, text
from sqlalchemy.orm import Session

from app.core.timeutil import utcnow

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# Readable names of event actions, registered by the features that record them.
ACTION_LABELS = {}
# Any constant; it names the PostgreSQL advisory lock that serialises chain appends.
_CHAIN_LOCK_ID = 7_203_611


class AuditEvent(Model):
    """One thing that happened: who, when, to which object, what, with details."""

    __tablename__ = "audit_event"
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime, nullable=False, index=True)
    user_id = Column(Integer, nullable=True, index=True)
    username = Column(String(128), nullable=True)
    unit_id = Column(Integer, nullable=True, index=True)
    action = Column(String(64), nullable=False, index=True)
    object_type = Column(String(64), nullable=True)
    object_id = Column(String(64), nullable=True)
    details = Column(Text, nullable=False, default="{}")
    ip_address = Column(String(64), nullable=True)
    prev_hash = Column(String(64), nullable=False, unique=True)  # the chain never forks
    hash = Column(String(64), nullable=False, unique=True)

    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    def details_dict(self):
        try:
            return json.loads(self.details or "{}")
        except ValueError:
            return {}


def action_label(action):
    return str(ACTION_LABELS.get(action, action))


def _canonical_details(details):
    return json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)


def compute_hash(prev_hash, created_at, user_id, username, unit_id, action, object_type,
                 object_id, details, ip_address):
    payload = json.dumps(
        [prev_hash, created_at.isoformat(timespec="microseconds"), user_id, username, unit_id,
         action, object_type, object_id, details, ip_address],
        ensure_ascii=False, separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _event_hash(ev):
    return compute_hash(ev.prev_hash, ev.created_at, ev.user_id, ev.username, ev.unit_id,
                        ev.action, ev.object_type, ev.object_id, ev.details, ev.ip_address)


def _last_hash(session):
    pending = session.info.get("audit_last_hash")
    if pending:
        return pending
    # No autoflush here: a flush would record events of its own in the middle of this one.
    with session.no_autoflush:
        if session.get_bind().dialect.name == "postgresql":
            # Held until commit: concurrent writers append one after the other.
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _CHAIN_LOCK_ID})
        last = session.execute(
            select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
        ).scalar()
    return last or GENESIS


def _current_actor():
    user = getattr(g, "user", None) if has_request_context() else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.username, getattr(user, "unit_id", None)
    return None, None, None


def record(session, action, obj=None, *, object_type=None, object_id=None, details=None,
           user=None, username=None):
    """Append one event to the trail in the caller's transaction (it commits with it).

    ``obj`` names the object (its class and id); ``user`` defaults to the request's user."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        if object_id is None and getattr(obj, "id", None) is not None:
            object_id = obj.id
    if user is not None:
        user_id, uname, unit_id = user.id, user.username, getattr(user, "unit_id", None)
    else:
        user_id, uname, unit_id = _current_actor()
    if username and not uname:
        uname = username
    ip = None
    if has_request_context():
        ip = request.remote_addr
    ev = AuditEvent(
        created_at=utcnow(), user_id=user_id, username=uname, unit_id=unit_id,
        action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=_canonical_details(details), ip_address=ip,
    )
    ev.prev_hash = _last_hash(session)
    ev.hash = _event_hash(ev)
    session.info["audit_last_hash"] = ev.hash
    session.add(ev)
    log.debug("audit %s %s %s by %s", action, object_type, object_id, uname)
    return ev


def verify_chain(session, batch=2000):
    """Walk the trail in order; return ``(count, None)`` when intact, or ``(count, problem)``
    where problem is a dict naming the first broken event."""
    prev = GENESIS
    count = 0
    last_id = 0
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not rows:
            return count, None
        for ev in rows:
            count += 1
            if ev.prev_hash != prev:
                return count, {"id": ev.id, "reason": "prev_hash",
                               "expected": prev, "found": ev.prev_hash}
            if _event_hash(ev) != ev.hash:
                return count, {"id": ev.id, "reason": "hash",
                               "expected": _event_hash(ev), "found": ev.hash}
            prev = ev.hash
            last_id = ev.id
        session.expunge_all()


@event.listens_for(Session, "before_flush")
def _append_only(session, flush_context, instances):
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError("audit events are append-only")


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_pending_hash(session, *args):
    session.info.pop("audit_last_hash", None)
