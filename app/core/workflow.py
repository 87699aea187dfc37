"""The life cycle of documents: their states and status codes, the one table of allowed
transitions, and the one function every state change goes through.

``transition(session, doc, action)`` locks the document's row, re-reads it, and checks
that its state allows ``action``; only then does the service change it. Two identical
requests at once (a double click, a client retry) therefore run one after the other: the
second waits for the first to commit, then sees the new state and is refused with
``ConflictError`` (409 in the API, a message on the screens) — never a second number, a
second delivery or a gap.

Locks are taken in one order in every transaction: the document rows first (an outgoing
document before the incoming documents it delivered), then the number counter
(``app.core.numbering``), then the audit chain (``app.core.audit``).

On PostgreSQL the row lock is ``SELECT … FOR UPDATE``; on SQLite, which locks the whole
database for writing, it is a write to the row (``UPDATE … SET id = id``), which takes
the write lock at once, before anything is read (see ``app.core.sqlite`` for the busy
timeout that makes the others wait rather than fail)."""

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from app.core.errors import DomainError

# A row with a state: an IncomingDocument, OutgoingDocument or Recipient (core names no
# feature, so the type stays open).
Document = Any


class ConflictError(DomainError):
    """The document is no longer in a state that allows the step: usually because the same
    request (or another user's) has just done it. The API answers 409."""


# -- states and status codes ----------------------------------------------------------------

class IncomingState(enum.StrEnum):
    PENDING = "pending"
    REFUSED = "refused"
    REGISTERED = "registered"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"
    RECALLED = "recalled"
    REPLACED = "replaced"


class OutgoingState(enum.StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    RETURNED = "returned"
    SIGNED = "signed"
    NUMBERED = "numbered"
    ISSUED = "issued"
    RECALLED = "recalled"


class ExchangeCode(enum.StrEnum):
    """What an internal sender is told of its document (edXML, docs/domain.md §4)."""

    ARRIVED = "01"
    REFUSED = "02"
    REGISTERED = "03"
    ASSIGNED = "04"
    IN_PROGRESS = "05"
    COMPLETED = "06"


class RecipientStatus(enum.StrEnum):
    """Where one recipient of an outgoing document stands: the exchange codes 01–06, the
    recall codes 13/15/16, and P for paper or e-mail."""

    NOT_SENT = "00"
    ARRIVED = "01"
    REFUSED = "02"
    REGISTERED = "03"
    ASSIGNED = "04"
    IN_PROGRESS = "05"
    COMPLETED = "06"
    RECALL_REQUESTED = "13"
    RECALL_ACCEPTED = "15"
    RECALL_REFUSED = "16"
    PAPER = "P"


class FileState(enum.StrEnum):
    """A work file (hồ sơ, docs/domain.md §9): open while the work goes on, closed when it
    is done, submitted in a transfer, then in the archive's custody."""

    OPEN = "open"
    CLOSED = "closed"
    SUBMITTED = "submitted"
    ARCHIVED = "archived"


class TransferState(enum.StrEnum):
    """A transfer batch (đợt nộp lưu, docs/domain.md §9): sent by the unit, then checked
    file by file by the archive."""

    SENT = "sent"
    DONE = "done"


# -- the table of transitions -------------------------------------------------------------

INCOMING = "incoming"
OUTGOING = "outgoing"
RECIPIENT = "recipient"
WORK_FILE = "work_file"
TRANSFER = "transfer"

In, Out, Rs, Fs = IncomingState, OutgoingState, RecipientStatus, FileState
_DELIVERED = (In.PENDING, In.REGISTERED, In.ASSIGNED, In.IN_PROGRESS, In.DONE)
_RECALLABLE = _DELIVERED + (In.CANCELLED, In.REPLACED)


@dataclass(frozen=True)
class Transition:
    """``action`` of a ``kind`` of document moves it from one of ``sources`` to
    ``target`` (None: the state stays); ``who`` is for the README and the reader;
    ``refusal`` is the message when the state does not allow it; ``exchange`` the status
    an internal sender is told."""

    kind: str
    action: str
    sources: tuple
    target: object
    who: str
    refusal: object
    exchange: str | None = None
    to_label: str | None = None  # for the README, when the target is not one state


TRANSITIONS = {(t.kind, t.action): t for t in (
    # Incoming documents (docs/domain.md §5). Creation: intake → registered, delivery → pending.
    Transition(INCOMING, "register", (In.PENDING,), In.REGISTERED, "clerk",
               _l("This document is not waiting to be received."), ExchangeCode.REGISTERED),
    Transition(INCOMING, "refuse", (In.PENDING,), In.REFUSED, "clerk",
               _l("Only a document waiting to be received can be refused."),
               ExchangeCode.REFUSED),
    Transition(INCOMING, "cancel", (In.REGISTERED, In.ASSIGNED), In.CANCELLED, "clerk",
               _l("Only a registered document not yet being processed can be cancelled.")),
    Transition(INCOMING, "assign", (In.REGISTERED, In.ASSIGNED), In.ASSIGNED, "head",
               _l("This document cannot be assigned now."), ExchangeCode.ASSIGNED),
    Transition(INCOMING, "sub_assign", (In.ASSIGNED, In.IN_PROGRESS), None,
               "head of an assigned unit", _l("This document cannot be assigned now.")),
    Transition(INCOMING, "note", (In.ASSIGNED, In.IN_PROGRESS), None, "lead, cooperating",
               _l("This document is not being processed.")),
    Transition(INCOMING, "start", (In.ASSIGNED,), In.IN_PROGRESS, "lead, cooperating",
               _l("This document is not being processed."), ExchangeCode.IN_PROGRESS),
    Transition(INCOMING, "complete", (In.ASSIGNED, In.IN_PROGRESS), In.DONE, "lead",
               _l("This document is not being processed."), ExchangeCode.COMPLETED),
    Transition(INCOMING, "recall_accept", _RECALLABLE, In.RECALLED, "clerk",
               _l("This recall was already answered.")),
    Transition(INCOMING, "recall_refuse", _RECALLABLE, None, "clerk",
               _l("This recall was already answered.")),
    Transition(INCOMING, "replace", _DELIVERED + (In.RECALLED, In.REPLACED), In.REPLACED,
               "clerk of the sender, issuing the replacement", _l("Already replaced.")),
    # Outgoing documents (docs/domain.md §6). Creation: draft.
    Transition(OUTGOING, "submit", (Out.DRAFT, Out.REVIEW, Out.RETURNED), Out.REVIEW, "holder",
               _l("This document is no longer being drafted or approved.")),
    Transition(OUTGOING, "new_version", (Out.DRAFT, Out.REVIEW, Out.RETURNED), None, "holder",
               _l("An approved or issued document cannot be changed.")),
    Transition(OUTGOING, "return", (Out.REVIEW,), Out.RETURNED, "holder",
               _l("Only a document submitted for approval can be returned.")),
    Transition(OUTGOING, "sign", (Out.REVIEW,), Out.SIGNED, "holder who is a head",
               _l("Only a document submitted for approval can be signed.")),
    Transition(OUTGOING, "number", (Out.SIGNED,), Out.NUMBERED, "clerk",
               _l("Only a signed document can be numbered.")),
    Transition(OUTGOING, "cancel_number", (Out.NUMBERED,), Out.SIGNED, "clerk",
               _l("Only a numbered document not yet issued can lose its number.")),
    Transition(OUTGOING, "final", (Out.SIGNED, Out.NUMBERED), None, "clerk",
               _l("The signed file is attached after signing and before issuing.")),
    Transition(OUTGOING, "issue", (Out.NUMBERED,), Out.ISSUED, "clerk",
               _l("Only a signed and numbered document can be issued.")),
    Transition(OUTGOING, "recall", (Out.ISSUED,), Out.RECALLED, "clerk",
               _l("Only an issued document can be recalled.")),
    # A recipient's status, moved by the recipient's steps and by the recall.
    Transition(RECIPIENT, "delivered", (Rs.NOT_SENT,), Rs.ARRIVED, "issuing clerk",
               _l("Already delivered.")),
    Transition(RECIPIENT, "paper", (Rs.NOT_SENT,), Rs.PAPER, "issuing clerk",
               _l("Already sent.")),
    Transition(RECIPIENT, "status", tuple(s for s in Rs if s not in (
        Rs.RECALL_REQUESTED, Rs.RECALL_ACCEPTED)), None, "the recipient's steps",
               _l("A recall is pending or accepted."), to_label="the code reported (01–06)"),
    Transition(RECIPIENT, "recall", tuple(s for s in Rs if s not in (
        Rs.REFUSED, Rs.PAPER, Rs.NOT_SENT)), Rs.RECALL_REQUESTED, "issuing clerk",
               _l("Only a delivered document can be recalled.")),
    Transition(RECIPIENT, "recall_accept", (Rs.RECALL_REQUESTED,), Rs.RECALL_ACCEPTED,
               "recipient's clerk", _l("This recall was already answered.")),
    Transition(RECIPIENT, "recall_refuse", (Rs.RECALL_REQUESTED,), Rs.RECALL_REFUSED,
               "recipient's clerk", _l("This recall was already answered.")),
    # Work files and their transfer to the archive (docs/domain.md §9). Creation: open.
    Transition(WORK_FILE, "add", (Fs.OPEN,), None, "owner",
               _l("This file is closed: it can no longer be changed.")),
    Transition(WORK_FILE, "close", (Fs.OPEN,), Fs.CLOSED, "owner",
               _l("Only an open file can be closed.")),
    Transition(WORK_FILE, "reopen", (Fs.CLOSED,), Fs.OPEN, "archive",
               _l("Only a closed file not yet transferred can be reopened.")),
    Transition(WORK_FILE, "record_event", (Fs.OPEN, Fs.CLOSED), None, "owner, archive",
               _l("Only a file not yet transferred records the date of its event.")),
    Transition(WORK_FILE, "keep_back", (Fs.CLOSED,), None, "owner",
               _l("Only a closed file not yet transferred can be kept back.")),
    Transition(WORK_FILE, "submit", (Fs.CLOSED,), Fs.SUBMITTED, "owner, head",
               _l("Only a closed file not yet transferred can be transferred.")),
    Transition(WORK_FILE, "accept", (Fs.SUBMITTED,), Fs.ARCHIVED, "archive",
               _l("This file was already checked.")),
    Transition(WORK_FILE, "return", (Fs.SUBMITTED,), Fs.CLOSED, "archive",
               _l("This file was already checked.")),
    Transition(TRANSFER, "check", (TransferState.SENT,), None, "archive",
               _l("This transfer was already checked.")),
)}


def rule(kind: str, action: str) -> Transition:
    return TRANSITIONS[(kind, action)]


def _kind(doc: Document) -> str:
    return {"IncomingDocument": INCOMING, "OutgoingDocument": OUTGOING,
            "Recipient": RECIPIENT, "WorkFile": WORK_FILE,
            "TransferBatch": TRANSFER}[type(doc).__name__]


def _state(doc: Document) -> str:
    return doc.status if _kind(doc) == RECIPIENT else doc.state


def allows(doc: Document, action: str) -> bool:
    """Whether ``doc``'s state (as read, without a lock) allows ``action``: which steps a
    screen offers. The step itself checks again under the lock."""
    return _state(doc) in rule(_kind(doc), action).sources


def sources(kind: str, action: str) -> tuple:
    return rule(kind, action).sources


# -- locking ------------------------------------------------------------------------------

def lock(session: Session, obj: Document) -> Document:
    """Lock ``obj``'s row for the rest of the transaction and re-read it, so that what is
    checked next is what the transaction will change. Taken once per transaction."""
    table = type(obj).__table__
    held = session.info.setdefault("workflow_locks", set())
    key = (table.name, obj.id)
    if key in held:
        return obj
    with session.no_autoflush:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(select(table.c.id).where(table.c.id == obj.id).with_for_update())
        else:
            # SQLite: the first write of a transaction takes the database's write lock
            # (waiting for the writer before, within the busy timeout).
            session.execute(update(table).where(table.c.id == obj.id)
                            .values(id=table.c.id).execution_options(
                                synchronize_session=False))
    held.add(key)
    # What the request read before the lock may be stale (the row, its collections, their
    # rows): read it again on its next use. Nothing is changed before a lock is taken, but
    # should something be, it is kept.
    dirty = session.dirty
    for other in list(session.identity_map.values()):
        if other not in dirty:
            session.expire(other)
    return obj


def lock_all(session: Session, objs: Iterable[Document]) -> None:
    """Lock several rows, in the order of their ids (so that two transactions locking the
    same rows never wait for each other crosswise)."""
    for obj in sorted(objs, key=lambda o: o.id):
        lock(session, obj)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _release(session: Session, *args: object) -> None:
    session.info.pop("workflow_locks", None)


def transition(session: Session, doc: Document, action: str, locked: bool = True) -> Transition:
    """The one gate of every state change: lock ``doc`` (unless ``locked`` is False, for a
    row the transaction already guards), then check that its state allows ``action``;
    returns the rule, whose ``target`` the caller applies with ``apply``. A state that
    does not allow it raises ConflictError with the rule's message."""
    if locked:
        lock(session, doc)
    r = rule(_kind(doc), action)
    if _state(doc) not in r.sources:
        raise ConflictError(r.refusal)
    return r


def apply(doc: Document, r: Transition, target: object = None) -> None:
    """Move ``doc`` to the rule's target (or ``target``, for a rule whose target is the
    status being reported)."""
    target = target if target is not None else r.target
    if target is None:
        return
    if r.kind == RECIPIENT:
        doc.status = str(target)
    else:
        doc.state = str(target)


def readme_table() -> str:
    """The table of transitions as Markdown: the README carries it, and a test checks
    that it is this one."""
    lines = ["| Kind | Action | From | To | Sender hears | Who |",
             "|---|---|---|---|---|---|"]
    for t in TRANSITIONS.values():
        to = t.to_label or (str(t.target) if t.target is not None else "(unchanged)")
        lines.append(f"| {t.kind} | {t.action} | {', '.join(str(s) for s in t.sources)} "
                     f"| {to} | {t.exchange or ''} | {t.who} |")
    return "\n".join(lines)
