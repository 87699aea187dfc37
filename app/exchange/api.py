"""The HTTP inbox of liên thông: ``POST /api/v1/exchange/edoc`` takes a
document package, ``POST /api/v1/exchange/status`` a status package, from a peer that
signs its request (app/exchange/transport.py); no session, no CSRF token. The answer
comes after ``receive`` committed: 200 with the outcome (``received``, ``duplicate`` …),
422 with the reason when the package is refused, 401 for a request not signed by a peer,
out of its window or replayed, 413 for a body over ``EXCHANGE_MAX_PACKAGE`` bytes.

Shaped like the national axis besides (signed the same way, a GET over an empty body):
a peer that fetches rather than being sent to lists what waits here for the bodies it
serves (``GET /api/v1/exchange/received``), takes one package (``GET
/api/v1/exchange/edoc/<id>``) and tells how it went (``POST
/api/v1/exchange/edoc/<id>/status`` with ``{"status": "done"}``, or ``"fail"`` and a
``reason``): done marks the package sent, fail refused with the reason."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.core.timeutil import utcnow
from app.core.workflow import lock
from app.exchange import transport
from app.exchange.models import ExchangeMessage, ExchangePeer
from app.exchange.receive import receive
from app.extensions import db
from app.trust import services as trust

DEFAULT_MAX_PACKAGE = 50 * 1024 * 1024

blueprint = Blueprint("exchange_api", __name__)


def _unsigned(body: bytes) -> tuple[Response, int] | None:
    """The 401 answer to a request not signed by an active peer within the window (None
    when it is)."""
    why = transport.authenticate(db.session, request.method, request.path, request.headers,
                                 body)
    if why is None:
        return None
    db.session.rollback()
    current_app.logger.warning("exchange: request refused: %s", why)
    return jsonify(result="unauthorized", reason=why), 401


def _take(expected_kind: str) -> tuple[Response, int]:
    limit = int(current_app.config.get("EXCHANGE_MAX_PACKAGE") or DEFAULT_MAX_PACKAGE)
    if (request.content_length or 0) > limit:
        return jsonify(result="refused", reason="package too large"), 413
    body = request.get_data(cache=False)
    if len(body) > limit:
        return jsonify(result="refused", reason="package too large"), 413
    refusal = _unsigned(body)
    if refusal is not None:
        return refusal
    session = db.session
    outcome = receive(session, body, anchors=trust.load_anchors(session), now=utcnow())
    answer = outcome.as_dict()
    if outcome.result == "refused":
        return jsonify(answer), 422
    if (outcome.result == "status") != (expected_kind == "status"):
        # Taken all the same (receive tells the kinds apart); the route only says so.
        answer["note"] = f"a {outcome.result} package sent to the {expected_kind} route"
    return jsonify(answer), 200


@blueprint.route(transport.DOCUMENT_PATH, methods=["POST"])
def edoc() -> tuple[Response, int]:
    return _take("document")


@blueprint.route(transport.STATUS_PATH, methods=["POST"])
def status() -> tuple[Response, int]:
    return _take("status")


# -- shaped like the national axis ------------------------------------------------------

def _peer() -> tuple[ExchangePeer | None, tuple[Response, int] | None]:
    """The signed request's peer, or the answer refusing it."""
    refusal = _unsigned(request.get_data(cache=True))  # the JSON is read after
    if refusal is not None:
        return None, refusal
    peer = db.session.scalars(select(ExchangePeer).where(
        ExchangePeer.name == request.headers.get(transport.PEER_HEADER))).first()
    return peer, None


def _waiting_for(peer: ExchangePeer, message_id: int | None = None) -> list[ExchangeMessage]:
    query = select(ExchangeMessage).where(
        ExchangeMessage.direction == "out", ExchangeMessage.state == "pending",
        ExchangeMessage.to_organ.in_(peer.organs() or [""]),
        ExchangeMessage.package.is_not(None)).order_by(ExchangeMessage.id)
    if message_id is not None:
        query = query.where(ExchangeMessage.id == message_id)
    return list(db.session.scalars(query))


@blueprint.route(transport.RECEIVED_PATH, methods=["GET"])
def received() -> tuple[Response, int]:
    """The packages waiting here for the bodies the peer serves."""
    peer, refusal = _peer()
    if refusal is not None or peer is None:
        return refusal or (jsonify(result="unauthorized"), 401)
    return jsonify(result=[{
        "docId": m.id, "from": m.from_organ, "to": m.to_organ,
        "messagetype": m.kind, "document_id": m.document_id, "status": m.state,
        "created_time": m.created_at.isoformat() if m.created_at else None}
        for m in _waiting_for(peer)]), 200


@blueprint.route(transport.DOCUMENT_PATH + "/<int:message_id>", methods=["GET"])
def get_edoc(message_id: int) -> Response | tuple[Response, int]:
    """One package waiting for the peer, as it would have been sent."""
    peer, refusal = _peer()
    if refusal is not None or peer is None:
        return refusal or (jsonify(result="unauthorized"), 401)
    found = _waiting_for(peer, message_id)
    if not found:
        return jsonify(result="not found"), 404
    return Response(bytes(found[0].package), 200, content_type="application/xml")


@blueprint.route(transport.DOCUMENT_PATH + "/<int:message_id>/status", methods=["POST"])
def update_status(message_id: int) -> tuple[Response, int]:
    """The peer took the package (``done``: sent) or could not (``fail``: refused with
    the reason)."""
    peer, refusal = _peer()
    if refusal is not None or peer is None:
        return refusal or (jsonify(result="unauthorized"), 401)
    answer = request.get_json(silent=True)
    status = answer.get("status") if isinstance(answer, dict) else None
    if status not in ("done", "fail"):
        return jsonify(result="refused", reason='status must be "done" or "fail"'), 422
    found = _waiting_for(peer, message_id)
    if not found:
        return jsonify(result="not found"), 404
    message = found[0]
    lock(db.session, message)
    if message.state != "pending":
        db.session.rollback()
        return jsonify(result="conflict", reason="already answered"), 409
    message.attempts = (message.attempts or 0) + 1
    message.sent_at = utcnow()
    if status == "done":
        message.state, message.last_error = "sent", None
    else:
        reason = answer.get("reason") if isinstance(answer, dict) else None
        message.state = "refused"
        message.last_error = str(reason or "fail")[:4000]
    db.session.commit()
    return jsonify(result=message.state), 200
