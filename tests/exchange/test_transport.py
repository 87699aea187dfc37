"""Liên thông over HTTP: the signed inbox (HMAC headers, the 5-minute
window, replays, the size cap), the peers' screen, and the job that sends an outbound
package to the peer serving its recipient — over a real HTTP server on 127.0.0.1."""

import hashlib
import time

import pytest
from sqlalchemy import func, select

from app.exchange import transport
from app.exchange.models import ExchangeMessage, ExchangePeer, SeenSignature
from app.extensions import db
from app.incoming.models import IncomingDocument
from app.jobs import runner
from app.jobs.models import Job
from tests.conftest import client_for
from tests.exchange.conftest import BTCHU, OUTSIDE, document_id_of, package

SECRET = "chia-se-bi-mat-0123456789"
PATH = transport.DOCUMENT_PATH


def add_peer(app, name="huyen-uy", base_url="http://127.0.0.1:9", organs=OUTSIDE):
    with app.app_context():
        db.session.add(ExchangePeer(name=name, base_url=base_url, organ_ids=organs,
                                    secret=SECRET, active=True))
        db.session.commit()
        db.session.remove()


def signed(body, name="huyen-uy", secret=SECRET, stamp=None, path=PATH):
    stamp = str(int(time.time()) if stamp is None else stamp)
    return {transport.PEER_HEADER: name, transport.TIMESTAMP_HEADER: stamp,
            transport.SIGNATURE_HEADER: transport.signature(secret, "POST", path, stamp, body)}


def count(app, model, *where):
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()
        db.session.remove()
    return n


def post(app, body, headers, path=PATH):
    return app.test_client().post(path, data=body, headers=headers,
                                  content_type="application/xml")


def test_a_signed_package_is_received_and_waits_in_the_inbox(app, world):
    add_peer(app)
    data = package()
    resp = post(app, data, signed(data))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    answer = resp.get_json()
    assert answer["result"] == "received"
    assert answer["document_id"] == document_id_of(data)
    with app.app_context():
        doc = db.session.get(IncomingDocument, answer["incoming_id"])
        assert (doc.state, doc.unit_id) == ("pending", world.ids["btchu"])
        db.session.remove()


@pytest.mark.parametrize("case", ["bad", "stale", "future", "unknown", "missing"])
def test_an_unsigned_or_stale_request_is_refused_and_nothing_stored(app, world, case):
    add_peer(app)
    data = package()
    headers = {
        "bad": signed(data, secret="another-secret-0123456789"),
        "stale": signed(data, stamp=int(time.time()) - 6 * 60),
        "future": signed(data, stamp=int(time.time()) + 6 * 60),
        "unknown": signed(data, name="no-such-peer"),
        "missing": {},
    }[case]
    resp = post(app, data, headers)
    assert resp.status_code == 401, resp.get_data(as_text=True)
    assert count(app, IncomingDocument) == 0
    assert count(app, ExchangeMessage) == 0


def test_a_signature_for_another_body_or_path_is_refused(app, world):
    add_peer(app)
    data = package()
    assert post(app, data + b" ", signed(data)).status_code == 401
    assert post(app, data, signed(data), path=transport.STATUS_PATH).status_code == 401
    assert count(app, IncomingDocument) == 0


def test_a_replayed_request_is_refused(app, world):
    add_peer(app)
    data = package()
    headers = signed(data)
    assert post(app, data, headers).status_code == 200
    again = post(app, data, headers)
    assert again.status_code == 401
    assert "replay" in again.get_json()["reason"]
    assert count(app, IncomingDocument) == 1
    assert count(app, SeenSignature) == 1


def test_the_same_package_sent_twice_is_one_document(app, world):
    add_peer(app)
    data = package()
    first = post(app, data, signed(data, stamp=int(time.time()) - 1))
    second = post(app, data, signed(data))
    assert first.get_json()["result"] == "received"
    assert (second.status_code, second.get_json()["result"]) == (200, "duplicate")
    assert count(app, IncomingDocument) == 1


def test_a_refused_package_answers_422_with_the_reason(app, world):
    add_peer(app)
    data = package(to="000.99.99.Z99")
    resp = post(app, data, signed(data))
    assert resp.status_code == 422
    assert resp.get_json()["result"] == "refused" and resp.get_json()["reason"]
    assert count(app, IncomingDocument) == 0


def test_a_package_over_the_cap_is_refused_413(app, world):
    add_peer(app)
    data = package()
    app.config["EXCHANGE_MAX_PACKAGE"] = 1000
    try:
        assert post(app, data, signed(data)).status_code == 413
    finally:
        app.config.pop("EXCHANGE_MAX_PACKAGE")
    assert count(app, IncomingDocument) == 0


# -- sending ----------------------------------------------------------------------------

def outbound(app, data, to=BTCHU, send=True):
    """An outbound package waiting for the transport, its sending queued (and, inline, run
    after the commit) unless not ``send``; the row's id."""
    with app.app_context():
        row = ExchangeMessage(direction="out", kind="document",
                              document_id=document_id_of(data), from_organ=OUTSIDE,
                              to_organ=to, sha256=hashlib.sha256(data).hexdigest(),
                              state="pending", package=data)
        db.session.add(row)
        db.session.flush()
        queued = send and transport.queue_send(db.session, row)
        if send and not queued:  # no peer: the job is asked for all the same, to say so
            runner.enqueue(db.session, transport.SEND_JOB, {"message_id": row.id})
        db.session.commit()
        row_id = row.id
        db.session.remove()
    return row_id


def message(app, row_id):
    with app.app_context():
        row = db.session.get(ExchangeMessage, row_id)
        out = (row.state, row.attempts, row.last_error)
        db.session.remove()
    return out


def test_the_outbox_sends_to_the_peer_over_http(app, world, serve):
    # This installation is its own peer for BTCHU: the package goes out over HTTP and
    # comes back in through the signed inbox, as it would at another installation.
    add_peer(app, name="tinh-uy", base_url=serve(app), organs=f"{BTCHU},{OUTSIDE}")
    data = package()
    row_id = outbound(app, data)
    state, attempts, error = message(app, row_id)
    assert (state, attempts, error) == ("sent", 1, None)
    assert count(app, IncomingDocument, IncomingDocument.unit_id == world.ids["btchu"]) == 1
    assert count(app, ExchangeMessage, ExchangeMessage.direction == "in") == 1
    # Received there: the status 01 back to the sender is sent in turn to the peer serving
    # OUTSIDE (this installation again), whose status route answers 422: no outgoing
    # document here is the one it is about. Refused is final: not tried again.
    with app.app_context():
        status = db.session.execute(select(ExchangeMessage).where(
            ExchangeMessage.direction == "out", ExchangeMessage.kind == "status")).scalar_one()
        assert (status.status_code, status.state, status.attempts) == ("01", "refused", 1)
        assert status.last_error
        assert db.session.execute(select(func.count()).select_from(Job).where(
            Job.kind == transport.SEND_JOB, Job.state == "done")).scalar() == 2
        db.session.remove()


def test_a_peer_answering_500_leaves_the_package_waiting_with_the_error(app, world, serve):
    def broken(environ, start_response):
        start_response("500 INTERNAL SERVER ERROR", [("Content-Type", "text/plain")])
        return [b"down for maintenance"]

    add_peer(app, name="tinh-uy", base_url=serve(broken), organs=BTCHU)
    row_id = outbound(app, package())
    state, attempts, error = message(app, row_id)
    assert (state, attempts) == ("pending", 1)
    assert "HTTP 500" in error and "maintenance" in error
    with app.app_context():
        job = db.session.execute(select(Job).where(Job.kind == transport.SEND_JOB)).scalar_one()
        assert (job.state, job.attempts) == ("queued", 1)  # tried again after the backoff
        assert job.run_after is not None and "HTTP 500" in job.last_error
        db.session.remove()


def test_no_peer_for_the_recipient_fails_the_package_clearly(app, world):
    row_id = outbound(app, package())
    state, attempts, error = message(app, row_id)
    assert state == "failed"
    assert BTCHU in error


# -- the peers' screen ------------------------------------------------------------------

def test_the_admin_adds_a_peer_and_the_secret_is_never_shown(app, world):
    admin = client_for(app, "admin")
    resp = admin.post("/exchangepeers/add", data={
        "name": "tinh-uy", "base_url": "https://lienthong.example.vn/", "organ_ids":
        " 000.00.00.H31 , 000.00.01.H31", "new_secret": SECRET, "active": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    with app.app_context():
        peer = db.session.execute(select(ExchangePeer)).scalar_one()
        assert (peer.base_url, peer.organ_ids, peer.secret) == (
            "https://lienthong.example.vn", "000.00.00.H31,000.00.01.H31", SECRET)
        peer_id = peer.id
        db.session.remove()
    for url in ("/exchangepeers/list/", f"/exchangepeers/show/{peer_id}",
                f"/exchangepeers/edit/{peer_id}"):
        page = admin.get(url)
        assert page.status_code == 200
        assert SECRET not in page.get_data(as_text=True)
    # An edit that leaves the secret empty keeps it.
    resp = admin.post(f"/exchangepeers/edit/{peer_id}", data={
        "name": "tinh-uy", "base_url": "https://lienthong.example.vn", "organ_ids":
        "000.00.00.H31", "new_secret": "", "active": "y"})
    assert resp.status_code == 302
    with app.app_context():
        peer = db.session.get(ExchangePeer, peer_id)
        assert (peer.organ_ids, peer.secret) == ("000.00.00.H31", SECRET)
        db.session.remove()


def test_only_the_admin_reaches_the_peers_screen(app, world):
    for user in ("vanphong", "vanthu.vphu", "qtdv.vphu"):
        c = client_for(app, user)
        assert c.get("/exchangepeers/list/").status_code == 403
        assert c.post("/exchangepeers/add", data={"name": "x"}).status_code == 403
    assert count(app, ExchangePeer) == 0


def test_an_exported_document_is_sent_and_its_status_comes_back(app, world, outgoing,
                                                                 runner, serve, tmp_path):
    # The peer serves both units: the package goes to BTCHU through the inbox, and
    # BTCHU's status 01 comes back to VPHU through the status route and moves our
    # recipient row.
    from app.outgoing.models import Recipient
    from tests.exchange.conftest import VPHU

    add_peer(app, name="tinh-uy", base_url=serve(app), organs=f"{BTCHU},{VPHU}")
    doc_id = outgoing.ready(recipients=("btchu",), summary="Về việc tổng kết công tác năm")
    result = runner.invoke(args=["qlvb", "exchange", "export", str(doc_id),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        rows = db.session.execute(select(
            ExchangeMessage.direction, ExchangeMessage.kind, ExchangeMessage.status_code,
            ExchangeMessage.state).order_by(ExchangeMessage.id)).all()
        assert rows == [("out", "document", "", "acknowledged"), ("in", "document", "", "received"),
                        ("out", "status", "01", "sent"), ("in", "status", "01", "applied")]
        assert db.session.execute(select(func.count()).select_from(IncomingDocument).where(
            IncomingDocument.unit_id == world.ids["btchu"])).scalar() == 1
        assert db.session.execute(select(Recipient.status).where(
            Recipient.document_id == doc_id)).scalar_one() == "01"
        db.session.remove()
