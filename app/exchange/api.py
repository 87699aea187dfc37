"""The HTTP inbox of liên thông: ``POST /api/v1/exchange/edoc`` takes a
document package, ``POST /api/v1/exchange/status`` a status package, from a peer that
signs its request (app/exchange/transport.py); no session, no CSRF token. The answer
comes after ``receive`` committed: 200 with the outcome (``received``, ``duplicate`` …),
422 with the reason when the package is refused, 401 for a request not signed by a peer,
out of its window or replayed, 413 for a body over ``EXCHANGE_MAX_PACKAGE`` bytes."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from werkzeug.wrappers import Response

from app.core.timeutil import utcnow
from app.exchange import transport
from app.exchange.receive import receive
from app.extensions import db
from app.trust import services as trust

DEFAULT_MAX_PACKAGE = 50 * 1024 * 1024

blueprint = Blueprint("exchange_api", __name__)


def _take(expected_kind: str) -> tuple[Response, int]:
    limit = int(current_app.config.get("EXCHANGE_MAX_PACKAGE") or DEFAULT_MAX_PACKAGE)
    if (request.content_length or 0) > limit:
        return jsonify(result="refused", reason="package too large"), 413
    body = request.get_data(cache=False)
    if len(body) > limit:
        return jsonify(result="refused", reason="package too large"), 413
    session = db.session
    why = transport.authenticate(session, request.method, request.path, request.headers,
                                 body)
    if why is not None:
        session.rollback()
        current_app.logger.warning("exchange: request refused: %s", why)
        return jsonify(result="unauthorized", reason=why), 401
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
