"""Liên thông over HTTP: the request signature both sides compute, the
replay window, and the job ``exchange.send`` that carries an outbound package to the peer
serving its recipient.

A request carries three headers: ``X-Exchange-Peer`` (the connection's name, the same on
both sides), ``X-Exchange-Timestamp`` (Unix seconds) and ``X-Exchange-Signature``, the hex
HMAC-SHA256, under the connection's shared secret, of
``METHOD\\nPATH\\nTIMESTAMP\\nSHA256(BODY)``. The inbox takes a request whose timestamp is
within ``WINDOW`` of its clock and whose signature it has not seen within that window.

Sending: the outbound row (state ``pending``, its package's bytes kept) is locked and
read, the lock released before the network (a peer answering by sending us a status must
not wait for us), the package posted, and the row locked again to record the answer:
``sent`` on a 2xx (a ``duplicate`` is an acknowledgement too), ``refused`` when the peer
refuses the package itself (422: sending it again changes nothing), else the try and its
error are kept and the job fails, to be tried again after the runner's backoff. The
receiver is idempotent, so a package sent twice (an answer lost) is one document there."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from datetime import timedelta
from typing import Any

import requests
from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.timeutil import utcnow
from app.core.workflow import lock
from app.exchange.models import ExchangeMessage, ExchangePeer, SeenSignature
from app.outgoing.models import OutgoingDocument

log = logging.getLogger(__name__)

SEND_JOB = "exchange.send"
WINDOW = timedelta(minutes=5)
PEER_HEADER = "X-Exchange-Peer"
TIMESTAMP_HEADER = "X-Exchange-Timestamp"
SIGNATURE_HEADER = "X-Exchange-Signature"
DOCUMENT_PATH = "/api/v1/exchange/edoc"
STATUS_PATH = "/api/v1/exchange/status"
RECEIVED_PATH = "/api/v1/exchange/received"
TIMEOUT = 30  # seconds for a peer to answer


class SendFailed(RuntimeError):
    """A try that did not reach the peer or was not acknowledged: tried again later."""


# -- the signature ----------------------------------------------------------------------

def signature(secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``METHOD\\nPATH\\nTIMESTAMP\\nSHA256(BODY)``."""
    message = "\n".join((method.upper(), path, timestamp, hashlib.sha256(body).hexdigest()))
    return hmac.new(secret.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def headers(peer: ExchangePeer, path: str, body: bytes, now: float | None = None
            ) -> dict[str, str]:
    """The headers of a POST of ``body`` to ``path`` at ``peer``."""
    return signed_headers(str(peer.name), str(peer.secret), path, body, now)


def signed_headers(name: str, secret: str, path: str, body: bytes,
                   now: float | None = None, method: str = "POST") -> dict[str, str]:
    """The headers of a request of ``body`` to ``path`` over the connection ``name``."""
    timestamp = str(int(time.time() if now is None else now))
    return {PEER_HEADER: name, TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: signature(secret, method, path, timestamp, body),
            "Content-Type": "application/xml"}


def fresh_stamp(last: int | None, now: float | None = None) -> int:
    """The timestamp of a new request carrying a package whose last request carried
    ``last``: the clock's second, or one past ``last`` when the clock has not moved on —
    a retry within the same second is signed differently, never refused as a replay (a
    second ahead is well within the window)."""
    current = int(time.time() if now is None else now)
    return current if last is None or current > last else int(last) + 1


def authenticate(session: Session, method: str, path: str, request_headers: Any,
                 body: bytes, now: float | None = None) -> str | None:
    """Why the request is not to be taken (None when it is): no such active peer, no or
    a wrong signature, a timestamp outside the window, a signature seen before. An
    accepted signature is recorded (committed) so that the same request again is a
    replay."""
    name = request_headers.get(PEER_HEADER) or ""
    stamp = request_headers.get(TIMESTAMP_HEADER) or ""
    given = (request_headers.get(SIGNATURE_HEADER) or "").lower()
    if not name or not stamp or not given:
        return "missing signature headers"
    peer = session.scalars(select(ExchangePeer).where(
        ExchangePeer.name == name, ExchangePeer.active.is_(True))).first()
    if peer is None:
        return "unknown peer"
    expected = signature(str(peer.secret), method, path, stamp, body)
    if not hmac.compare_digest(expected, given):
        return "bad signature"
    try:
        moment = int(stamp)
    except ValueError:
        return "bad timestamp"
    current = time.time() if now is None else now
    if abs(current - moment) > WINDOW.total_seconds():
        return "timestamp outside the replay window"
    return _first_seen(session, expected)


def _first_seen(session: Session, value: str) -> str | None:
    """Record the signature; "replayed" when it was recorded before (by any process: the
    primary key decides)."""
    now = utcnow()
    session.execute(delete(SeenSignature).where(SeenSignature.seen_at < now - 2 * WINDOW))
    session.add(SeenSignature(signature=value, seen_at=now))
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return "replayed request"
    return None


# -- sending ----------------------------------------------------------------------------

def peer_for(session: Session, organ_id: str) -> ExchangePeer | None:
    """The active peer serving ``organ_id`` (the first registered when several do)."""
    peers = session.scalars(select(ExchangePeer).where(ExchangePeer.active.is_(True))
                            .order_by(ExchangePeer.id))
    return next((p for p in peers if organ_id and p.serves(organ_id)), None)


def queue_send(session: Session, message: ExchangeMessage) -> bool:
    """Queue ``message`` (an outbound package waiting, already flushed) for sending after
    the caller's commit, when a peer serves its recipient; a package no peer serves stays
    waiting (exported as a file, or sent once a peer is set up). True when queued."""
    from app.jobs import runner

    if peer_for(session, str(message.to_organ or "")) is None:
        return False
    runner.enqueue(session, SEND_JOB, {"message_id": message.id},
                   dedupe_key=f"{SEND_JOB}:{message.id}")
    return True


def send(session: Session, message_id: int) -> None:
    """The job ``exchange.send``: post the package of the outbound row ``message_id`` to
    the peer serving its recipient (see the module's docstring)."""
    message = session.get(ExchangeMessage, message_id)
    if message is None or message.direction != "out" or message.state != "pending":
        return
    lock(session, message)
    if message.state != "pending" or not message.package:
        session.rollback()
        return
    peer = peer_for(session, str(message.to_organ or ""))
    if peer is None:
        message.state = "failed"
        message.last_error = _("No peer serves the recipient %(organ)s: add one in "
                               "Administration → Exchange.", organ=message.to_organ)
        session.commit()
        return
    path = STATUS_PATH if message.kind == "status" else DOCUMENT_PATH
    url = str(peer.base_url).rstrip("/") + path
    body = bytes(message.package)
    stamp = fresh_stamp(message.last_stamp)
    message.last_stamp = stamp
    request_headers = headers(peer, path, body, now=stamp)
    session.commit()  # the lock is not held over the network
    error: str | None = None
    refused: str | None = None
    try:
        resp = requests.post(url, data=body, headers=request_headers, timeout=TIMEOUT)
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"
    else:
        if resp.status_code == 422:
            refused = _answer(resp).get("reason") or resp.text[:500]
        elif not 200 <= resp.status_code < 300:
            error = f"HTTP {resp.status_code}: {resp.text[:500]}"
    message = session.get(ExchangeMessage, message_id)
    assert message is not None
    if message.outgoing_id is not None:
        # Its document first, as a recall locks them (the recall may have come meanwhile).
        lock(session, session.get(OutgoingDocument, message.outgoing_id))
    lock(session, message)
    message.attempts = (message.attempts or 0) + 1
    if error is None:
        if message.state == "cancelled" and not refused:
            # Recalled while on its way: it arrived all the same, its revocation follows.
            from app.exchange import outbox

            outbox.sent_after_cancel(session, message)
        elif message.state not in ("acknowledged", "cancelled"):  # 01 may come first
            message.state = "refused" if refused else "sent"
        message.last_error = refused
        message.sent_at = utcnow()
        session.commit()
        log.info("exchange: package #%s %s by %s", message_id, message.state, peer.name)
        return
    message.last_error = error[:4000]
    session.commit()
    raise SendFailed(f"package #{message_id} to {url}: {error}")


def _answer(resp: requests.Response) -> dict[str, Any]:
    try:
        value = resp.json()
    except (ValueError, json.JSONDecodeError):
        return {}
    return value if isinstance(value, dict) else {}
