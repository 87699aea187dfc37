"""The routes shaped like the national axis: a peer that fetches rather than being sent
to lists what waits for the bodies it serves, takes a package and says how it went —
signed like the inbox."""

import hashlib
import json

from sqlalchemy import select

from app.exchange import transport
from app.exchange.models import ExchangeMessage
from app.extensions import db
from tests.exchange.conftest import OUTSIDE, VPHU, document_id_of, package
from tests.exchange.test_transport import SECRET, add_peer


def waiting(app, to=OUTSIDE):
    data = package()
    with app.app_context():
        row = ExchangeMessage(direction="out", kind="document",
                              document_id=document_id_of(data), from_organ=VPHU, to_organ=to,
                              sha256=hashlib.sha256(data).hexdigest(), state="pending",
                              package=data)
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
    return row_id, data


def call(app, method, path, body=b"", name="huyen-uy", secret=SECRET, stamp=None):
    headers = transport.signed_headers(name, secret, path, body, now=stamp, method=method)
    headers["Content-Type"] = "application/json"
    return app.test_client().open(path, method=method, data=body, headers=headers)


def state(app, row_id):
    with app.app_context():
        row = db.session.get(ExchangeMessage, row_id)
        out = (row.state, row.last_error)
        db.session.remove()
    return out


def test_a_peer_lists_takes_and_acknowledges_what_waits_for_it(app, world):
    add_peer(app)  # serves OUTSIDE
    row_id, data = waiting(app)
    other_id, _ = waiting(app, to="000.00.09.H99")  # not the peer's: never shown to it
    resp = call(app, "GET", transport.RECEIVED_PATH)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    listed = resp.get_json()["result"]
    assert [item["docId"] for item in listed] == [row_id]
    assert listed[0]["to"] == OUTSIDE and listed[0]["messagetype"] == "document"
    path = f"{transport.DOCUMENT_PATH}/{row_id}"
    got = call(app, "GET", path, stamp=1e12 / 1000)  # another second: another signature
    assert got.status_code == 401  # … outside the window
    got = call(app, "GET", path)
    assert got.status_code == 200 and got.data == data
    assert call(app, "GET", f"{transport.DOCUMENT_PATH}/{other_id}").status_code == 404
    done = json.dumps({"status": "done"}).encode()
    resp = call(app, "POST", path + "/status", done)
    assert resp.status_code == 200 and resp.get_json()["result"] == "sent"
    assert state(app, row_id) == ("sent", None)
    # Acknowledged: no longer waiting.
    assert call(app, "POST", path + "/status", json.dumps(
        {"status": "done", "again": 1}).encode()).status_code == 404


def test_a_peer_that_cannot_take_a_package_says_why(app, world):
    add_peer(app)
    row_id, _ = waiting(app)
    path = f"{transport.DOCUMENT_PATH}/{row_id}/status"
    assert call(app, "POST", path, b'{"status": "maybe"}').status_code == 422
    resp = call(app, "POST", path, json.dumps(
        {"status": "fail", "reason": "Không có đơn vị nhận"}).encode())
    assert resp.status_code == 200
    assert state(app, row_id) == ("refused", "Không có đơn vị nhận")


def test_the_axis_shaped_routes_refuse_unsigned_requests(app, world):
    add_peer(app)
    row_id, _ = waiting(app)
    client = app.test_client()
    assert client.get(transport.RECEIVED_PATH).status_code == 401
    assert client.get(f"{transport.DOCUMENT_PATH}/{row_id}").status_code == 401
    assert call(app, "GET", transport.RECEIVED_PATH, secret="sai-bi-mat-0123456789"
                ).status_code == 401
    with app.app_context():
        assert db.session.execute(select(ExchangeMessage.state)).scalars().all() == [
            "pending"]
        db.session.remove()
