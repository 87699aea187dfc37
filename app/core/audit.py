"""The audit trail: one append-only table, one function to record an event.

Each event stores the HMAC-SHA256, under a key kept outside the database (``AUDIT_KEY``),
of the previous event's hash and its own content: an edited, removed or inserted row
breaks the chain and ``verify_chain`` names the first broken link, and whoever can write
the table but does not hold the key cannot recompute the chain after an edit (Quy chế
Điều 3.5: keep a trail of who did what). Events written before the key existed carry the
plain SHA-256 of the same content; they verify as such, but only before the first keyed
event. The database refuses UPDATE, DELETE and TRUNCATE on the table (triggers of
migration 0008); anchors — the chain's length and head written to a file outside the
database and on every printed register — make the removal of the newest events evident."""

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
from datetime import UTC, datetime
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_appbuilder import Model
from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    event,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session, UOWTransaction

from app.core.timeutil import utcnow

log = logging.getLogger(__name__)

GENESIS = "0" * 64
# Readable names of event actions, registered by the features that record them.
ACTION_LABELS: dict[str, object] = {}
APPEND_ONLY_MESSAGE = "audit_event is append-only"
# What migration 0008 installs on SQLite (the test harness drops and re-creates them to
# empty the table between tests).
SQLITE_TRIGGERS = {
    "audit_event_no_update": "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event "
                             f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
    "audit_event_no_delete": "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event "
                             f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}'); END",
}


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

    def details_dict(self) -> dict[str, Any]:
        return parse_details(self.details)


def parse_details(text: str | None) -> dict[str, Any]:
    """The details of an event as written (``AuditEvent.details``), or {} for text that is
    not a JSON object."""
    try:
        details = json.loads(text or "{}")
    except ValueError:
        return {}
    return details if isinstance(details, dict) else {}


class AuditChainHead(Model):
    """The chain's length and last hash, one row. Appending an event updates it first:
    that UPDATE is the lock that makes appends take turns (a row lock on PostgreSQL,
    SQLite's write lock), taken before the last hash is read."""

    __tablename__ = "audit_chain_head"
    id = Column(Integer, primary_key=True, autoincrement=False)
    event_count = Column(Integer, nullable=False)
    head_hash = Column(String(64), nullable=False)
    # How many events precede the first keyed one (unkeyed, written before the key);
    # copied into every anchor, so that a keyed part rewritten unkeyed later shows.
    keyed_from = Column(Integer, nullable=True)


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def _canonical_details(details: dict[str, Any] | None) -> str:
    return json.dumps(details or {}, ensure_ascii=False, sort_keys=True, default=str)


# --- the key ---------------------------------------------------------------------------

_KEY_FILES: dict[str, str] = {}


def _key_from_file(path: str) -> str:
    """The key kept in ``path``, made (random, readable by its owner only) on first use."""
    if path in _KEY_FILES:
        return _KEY_FILES[path]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        log.warning("audit key generated in %s (development only: set AUDIT_KEY)", path)
    with open(path, encoding="utf-8") as fh:
        value = fh.read().strip()
    if not value:
        raise RuntimeError(f"the audit key file {path} is empty")
    _KEY_FILES[path] = value
    return value


def audit_key(app: Flask | None = None) -> bytes:
    """The key of the chain's HMAC: ``AUDIT_KEY``, else (development) the key file."""
    config = (app or current_app).config
    value = config.get("AUDIT_KEY")
    if not value:
        path = config.get("AUDIT_KEY_FILE")
        if not path:
            raise RuntimeError("AUDIT_KEY must be set")
        value = _key_from_file(path)
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


# --- hashes ----------------------------------------------------------------------------

def _payload(prev_hash: str, created_at: datetime, user_id: int | None, username: str | None,
             unit_id: int | None, action: str, object_type: str | None,
             object_id: str | None, details: str, ip_address: str | None) -> bytes:
    return json.dumps(
        [prev_hash, created_at.isoformat(timespec="microseconds"), user_id, username, unit_id,
         action, object_type, object_id, details, ip_address],
        ensure_ascii=False, separators=(",", ":"),
    ).encode("utf-8")


def compute_hash(prev_hash: str, created_at: datetime, user_id: int | None,
                 username: str | None, unit_id: int | None, action: str,
                 object_type: str | None, object_id: str | None, details: str,
                 ip_address: str | None, key: bytes | None = None) -> str:
    """The event's HMAC-SHA256 under ``key``; without a key, the plain SHA-256 of the
    events written before the chain was keyed (still read by ``verify_chain``)."""
    payload = _payload(prev_hash, created_at, user_id, username, unit_id, action,
                       object_type, object_id, details, ip_address)
    if key is None:
        return hashlib.sha256(payload).hexdigest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def _event_hash(ev: AuditEvent, key: bytes | None = None) -> str:
    return compute_hash(ev.prev_hash, ev.created_at, ev.user_id, ev.username, ev.unit_id,
                        ev.action, ev.object_type, ev.object_id, ev.details, ev.ip_address,
                        key=key)


# --- appending -------------------------------------------------------------------------

_HEAD = AuditChainHead.__table__


def _seed_head(session: Session) -> None:
    """Write the head row from the table when it is missing (a new database, or one
    emptied by hand), in one statement: SQLite runs it under its write lock, and on
    PostgreSQL a concurrent seeder waits on the key and then does nothing."""
    last = select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1).scalar_subquery()
    values = select(literal(1), select(func.count(AuditEvent.id)).scalar_subquery(),
                    func.coalesce(last, GENESIS))
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        # The same call for the other dialect.
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    session.execute(insert(_HEAD).from_select(["id", "event_count", "head_hash"], values)
                    .on_conflict_do_nothing(index_elements=["id"]))


def _lock_head(session: Session) -> tuple[int, str]:
    """``(count, hash)`` of the chain, its head row locked until the transaction ends."""
    # An UPDATE, not a SELECT: on SQLite only a write takes the write lock, and the last
    # hash must be read under it (two appends reading the same one would fork the chain).
    lock = (update(_HEAD).where(_HEAD.c.id == 1).values(event_count=_HEAD.c.event_count)
            .returning(_HEAD.c.event_count, _HEAD.c.head_hash))
    row = session.execute(lock).first()
    if row is None:
        _seed_head(session)
        row = session.execute(lock).first()
    return row[0], row[1]  # type: ignore[index]  # the row is there once seeded


def _current_actor() -> tuple[int | None, str | None, int | None]:
    user = getattr(g, "user", None) if has_request_context() else None
    if user is not None and getattr(user, "is_authenticated", False):
        return user.id, user.username, getattr(user, "unit_id", None)
    return None, None, None


def record(session: Session, action: str, obj: Any = None, *,
           object_type: str | None = None, object_id: object = None,
           details: dict[str, Any] | None = None, user: Any = None,
           username: str | None = None) -> AuditEvent:
    """Append one event to the trail in the caller's transaction (it commits with it).
    Call it last in the transaction, after the rows it records are locked: it holds the
    chain's head until the commit.

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
    key = audit_key()
    ev = AuditEvent(
        created_at=utcnow(), user_id=user_id, username=uname, unit_id=unit_id,
        action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        details=_canonical_details(details), ip_address=ip,
    )
    # No autoflush here: a flush would record events of its own in the middle of this one.
    with session.no_autoflush:
        count, prev = session.info.get("audit_head") or _lock_head(session)
        ev.prev_hash = prev
        ev.hash = _event_hash(ev, key)
        session.execute(update(_HEAD).where(_HEAD.c.id == 1)
                        .values(event_count=count + 1, head_hash=ev.hash,
                                keyed_from=func.coalesce(_HEAD.c.keyed_from, count)))
        # Written now, not at the next flush: the ids must follow the chain, and a flush
        # orders the rows it inserts by when they joined its pending set (an event
        # recorded by a flush hook would land after one recorded later).
        table = AuditEvent.__table__
        ev.id = session.execute(
            table.insert().values({c.name: getattr(ev, c.name) for c in table.columns
                                   if c.name != "id"}).returning(table.c.id)).scalar_one()
    session.info["audit_head"] = (count + 1, ev.hash)
    log.debug("audit %s %s %s by %s", action, object_type, object_id, uname)
    return ev


# --- anchors ---------------------------------------------------------------------------

_ANCHOR_RE = re.compile(r"^(?P<body>(?P<at>\S+) count=(?P<count>\d+) last_id=(?P<last_id>\d*) "
                        r"head=(?P<head>[0-9a-f]{64}) keyed_from=(?P<keyed_from>\d*) "
                        r"source=(?P<source>\S+)) mac=(?P<mac>[0-9a-f]{64})$")


def chain_head(session: Session) -> tuple[Any, ...]:
    """``(count, last_id, hash, keyed_from)`` of the committed chain, read in one
    statement (one snapshot); from the table itself when the head row is missing."""
    row = session.execute(
        select(_HEAD.c.event_count, AuditEvent.id, _HEAD.c.head_hash, _HEAD.c.keyed_from)
        .select_from(_HEAD).outerjoin(AuditEvent, AuditEvent.hash == _HEAD.c.head_hash)
        .where(_HEAD.c.id == 1)).first()
    if row is not None and (row[1] is not None or row[0] == 0):
        return tuple(row)
    count = session.execute(select(func.count(AuditEvent.id))).scalar()
    last = session.execute(select(AuditEvent.id, AuditEvent.hash)
                           .order_by(AuditEvent.id.desc()).limit(1)).first()
    return (count, last[0], last[1], None) if last else (0, None, GENESIS, None)


def _anchor_mac(key: bytes, body: str) -> str:
    return hmac.new(key, b"anchor\n" + body.encode("utf-8"), hashlib.sha256).hexdigest()


def anchor_path(app: Flask | None = None) -> str:
    config = (app or current_app).config
    return config.get("AUDIT_ANCHOR_FILE") or os.path.join(
        (app or current_app).instance_path, "audit-anchors.log")


def write_anchor(session: Session, source: str = "cli") -> tuple[Any, Any, Any]:
    """Append the chain's length and head to the anchor file (outside the database), with
    their HMAC, and wait for the disk; return ``(count, last_id, hash)``."""
    count, last_id, head, keyed_from = chain_head(session)
    at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    source = re.sub(r"\s+", "_", source or "-")
    body = (f"{at} count={count} last_id={'' if last_id is None else last_id} head={head} "
            f"keyed_from={'' if keyed_from is None else keyed_from} source={source}")
    line = f"{body} mac={_anchor_mac(audit_key(), body)}\n"
    path = anchor_path()
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    created = not os.path.exists(path)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line.encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)
    if created:
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return count, last_id, head


def read_anchors(path: str, key: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The anchors of ``path``: dicts (line, count, last_id, head, at), and the problems
    (dicts with line and reason: unreadable, or an HMAC that does not match)."""
    anchors, problems = [], []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for number, raw in enumerate(fh, 1):
            raw = raw.rstrip("\n")
            if not raw.strip():
                continue
            m = _ANCHOR_RE.match(raw)
            if m is None:
                problems.append({"line": number, "reason": "anchor_format"})
                continue
            if not hmac.compare_digest(m["mac"], _anchor_mac(key, m["body"])):
                problems.append({"line": number, "reason": "anchor_mac"})
                continue
            anchors.append({"line": number, "at": m["at"], "count": int(m["count"]),
                            "last_id": int(m["last_id"]) if m["last_id"] else None,
                            "keyed_from": int(m["keyed_from"]) if m["keyed_from"] else None,
                            "head": m["head"]})
    return anchors, problems


# --- verifying -------------------------------------------------------------------------

def verify_chain(session: Session, batch: int = 2000,
                 anchors: list[dict[str, Any]] | None = None,
                 report: dict[str, int] | None = None) -> tuple[int, dict[str, Any] | None]:
    """Walk the trail in order; return ``(count, None)`` when intact, or ``(count, problem)``
    where problem is a dict naming the first broken event, or the first anchor (from
    ``read_anchors``) the chain does not match. ``report``, a dict, receives the number
    of events of the unkeyed start of the chain (``legacy``)."""
    key = audit_key()
    pending: dict[int, list[dict[str, Any]]] = {}
    # The head row, read before the walk (every event it counts is visible to the walk),
    # is checked like an anchor: events deleted behind it shorten the chain.
    head = session.execute(select(_HEAD.c.event_count, _HEAD.c.head_hash, _HEAD.c.keyed_from)
                           .where(_HEAD.c.id == 1)).first()
    if head is not None:
        pending.setdefault(head[0], []).append(
            {"line": None, "count": head[0], "head": head[1], "last_id": None,
             "keyed_from": head[2]})
    for a in anchors or ():
        pending.setdefault(a["count"], []).append(a)
    # Where the key began, as the head row and every anchor recorded it: the start of the
    # chain may be unkeyed, but no longer than it was.
    starts = [a for group in pending.values() for a in group if a.get("keyed_from") is not None]
    prev = GENESIS
    count = 0
    last_id = 0
    legacy = 0
    keyed = False

    def check_anchors(at_count: int, ev_hash: str, ev_id: int | None) -> dict[str, Any] | None:
        for a in pending.pop(at_count, ()):
            if a["head"] != ev_hash or (a["last_id"] is not None and a["last_id"] != ev_id):
                return {"id": ev_id, "reason": "anchor" if a["line"] else "head",
                        "line": a["line"], "count": at_count, "found": at_count,
                        "expected": a["head"], "found_hash": ev_hash}
        return None

    problem = check_anchors(0, GENESIS, None)
    if problem:
        return 0, problem
    while True:
        rows = session.execute(
            select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id).limit(batch)
        ).scalars().all()
        if not rows:
            break
        for ev in rows:
            count += 1
            if ev.prev_hash != prev:
                return count, {"id": ev.id, "reason": "prev_hash",
                               "expected": prev, "found": ev.prev_hash}
            expected = _event_hash(ev, key)
            if not hmac.compare_digest(expected, ev.hash):
                # Unkeyed hashes are those written before the key: only before the first
                # keyed event (an edit made after it cannot fall back to the public formula).
                if keyed or _event_hash(ev) != ev.hash:
                    return count, {"id": ev.id, "reason": "hash",
                                   "expected": expected, "found": ev.hash}
                legacy += 1
            else:
                keyed = True
            problem = check_anchors(count, ev.hash, ev.id)
            if problem:
                return count, problem
            prev = ev.hash
            last_id = ev.id
        session.expunge_all()
    if report is not None:
        report["legacy"] = legacy
    if pending:
        a = min((a for group in pending.values() for a in group),
                key=lambda a: (a["line"] is None, a["line"] or 0))
        return count, {"id": None, "reason": "truncated" if a["line"] else "head",
                       "line": a["line"], "count": a["count"], "found": count}
    for a in sorted(starts, key=lambda a: (a["line"] is None, a["line"] or 0)):
        # Longer, not different: a head row seeded again (after a downgrade) counts the
        # keyed events already there as before the key, which hides nothing.
        if legacy > a["keyed_from"]:
            return count, {"id": None, "reason": "keyed_from", "line": a["line"],
                           "count": a["keyed_from"], "found": legacy}
    return count, None


@event.listens_for(Session, "before_flush")
def _append_only(session: Session, flush_context: UOWTransaction, instances: object) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent) and (obj in session.deleted or session.is_modified(obj)):
            raise RuntimeError(APPEND_ONLY_MESSAGE)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_pending_hash(session: Session, *args: object) -> None:
    session.info.pop("audit_head", None)
