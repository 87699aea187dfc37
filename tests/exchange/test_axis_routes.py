"""The axis simulator's own routes, without installations: a package signed by one system
is queued for the system serving its recipient, which may fetch it (list, get, update
status) instead of being sent it; an unsigned or unroutable package is refused."""

import json

from werkzeug.test import Client

from app.exchange import transport
from app.exchange.axis import Axis, Faults
from tests.exchange.conftest import BTCHU, package

SECRET_A, SECRET_B = "bi-mat-he-thong-A-012345", "bi-mat-he-thong-B-012345"


def request(client, method, path, name, secret, body=b"", stamp=None):
    headers = transport.signed_headers(name, secret, path, body, now=stamp, method=method)
    return client.open(path, method=method, data=body, headers=headers)


def test_a_package_waits_for_the_system_serving_its_recipient(app):
    axis = Axis(Faults())
    axis.register("A", "http://127.0.0.1:9", SECRET_A, ["000.01.10.A47"])
    axis.register("B", "http://127.0.0.1:9", SECRET_B, [BTCHU])
    client = Client(axis)
    data = package()
    resp = request(client, "POST", transport.DOCUMENT_PATH, "A", SECRET_A, data)
    assert resp.status_code == 202
    # Signed with the wrong secret, or replayed: refused.
    assert request(client, "POST", transport.DOCUMENT_PATH, "A", SECRET_B,
                   data).status_code == 401
    listed = request(client, "GET", transport.RECEIVED_PATH, "B", SECRET_B)
    (item,) = listed.get_json()["result"]
    assert item["from"] == "A" and item["to"] == "B"
    got = request(client, "GET", f"{transport.DOCUMENT_PATH}/{item['docId']}", "B", SECRET_B)
    assert got.status_code == 200 and got.data == data
    # A's own list holds nothing for it; A cannot take B's package.
    assert request(client, "GET", transport.RECEIVED_PATH, "A", SECRET_A
                   ).get_json()["result"] == []
    done = json.dumps({"status": "done"}).encode()
    assert request(client, "POST", f"{transport.DOCUMENT_PATH}/{item['docId']}/status", "B",
                   SECRET_B, done).get_json()["result"] == "delivered"
    assert axis.idle()


def test_the_axis_refuses_a_package_nobody_serves_and_drops_when_told(app):
    axis = Axis(Faults(drop=1.0))
    axis.register("A", "http://127.0.0.1:9", SECRET_A, ["000.01.10.A47"])
    client = Client(axis)
    assert request(client, "POST", transport.DOCUMENT_PATH, "A", SECRET_A,
                   package()).status_code == 503
    axis.faults = Faults()
    resp = request(client, "POST", transport.DOCUMENT_PATH, "A", SECRET_A, package(
        pdf_text="Một văn bản khác"))
    assert resp.status_code == 422 and BTCHU in resp.get_json()["reason"]
    assert axis.report()["dropped"] == 1 and axis.idle()
