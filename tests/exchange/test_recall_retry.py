"""A recall reaching a recipient by liên thông whatever its package's state (docs/domain.md
§4, recall): not gone out yet → cancelled, nothing sent; sent but its 01 not back yet → a
revocation, and the 15/16 that comes back moves the recipient; on its way at the moment
of the recall → the revocation follows it. And a retry of the transport within the same
second is signed afresh, never refused as a replay — over a real HTTP server on
127.0.0.1, this installation being its own peer."""

import threading
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from app.exchange import outbox, transport
from app.exchange.models import ExchangeMessage, ExchangePeer
from app.extensions import db
from app.incoming.models import IncomingDocument
from app.outgoing import services
from app.outgoing.models import OutgoingDocument
from tests.conftest import client_for
from tests.exchange.conftest import BTCHU, VPHU, package
from tests.exchange.test_outbox import TO_BTCHU, received_here, recipient, rows
from tests.exchange.test_transport import SECRET, add_peer, count, outbound


def recall(app, world, doc_id, reason="Sai số liệu"):
    with app.test_request_context():
        services.request_recall(db.session, db.session.get(OutgoingDocument, doc_id),
                                world.user("vanthu.vphu"), reason)
        db.session.commit()
        db.session.remove()


def serve_also(app, organs):
    """The peer now serves ``organs`` too: what waited for it goes (after the commit)."""
    with app.test_request_context():
        peer = db.session.execute(select(ExchangePeer)).scalar_one()
        peer.organ_ids = organs
        outbox.requeue(db.session)
        db.session.commit()
        db.session.remove()


def test_a_package_not_gone_out_is_cancelled_and_never_sent(app, world, outgoing, serve):
    doc_id = outgoing.issued(recipients=(TO_BTCHU,))  # no peer yet: the package waits
    assert rows(app) == [("out", "document", 0, "", "pending")]
    recall(app, world, doc_id)
    assert rows(app) == [("out", "document", 0, "", "cancelled")]
    channel, organ, status, note = recipient(app, doc_id)
    assert status == "00" and "Sai số liệu" in note
    # A peer for the recipient now: nothing goes, neither the document nor a revocation.
    resp = client_for(app, "admin").post("/exchangepeers/add", data={
        "name": "tinh-uy", "base_url": serve(app), "organ_ids": f"{BTCHU},{VPHU}",
        "new_secret": SECRET, "active": "y"})
    assert resp.status_code == 302
    assert received_here(app) == []
    assert rows(app) == [("out", "document", 0, "", "cancelled")]
    page = client_for(app, "admin").get("/exchangeoutbox/list/").get_data(as_text=True)
    assert "Đã hủy" in page


def test_a_recall_before_the_01_came_back_revokes_and_its_answer_applies(
        app, world, outgoing, serve):
    # The peer serves the recipient only: our package goes, its 01 back to us waits.
    add_peer(app, name="tinh-uy", base_url=serve(app), organs=BTCHU)
    doc_id = outgoing.issued(recipients=(TO_BTCHU,))
    (incoming_id,) = received_here(app)
    assert recipient(app, doc_id)[2] == "00"
    assert rows(app, ExchangeMessage.outgoing_id == doc_id) == [
        ("out", "document", 0, "", "sent")]
    recall(app, world, doc_id)
    assert recipient(app, doc_id)[2] == "13"
    assert ("out", "document", 1, "", "sent") in rows(app, ExchangeMessage.outgoing_id
                                                      == doc_id)
    with app.app_context():
        assert db.session.get(IncomingDocument, incoming_id).recall_requested_at is not None
        db.session.remove()
    resp = client_for(app, "vanthu.btchu").post(f"/incomingview/recall_answer/{incoming_id}",
                                                data={"answer": "accept", "reason": ""})
    assert resp.status_code == 302
    assert recipient(app, doc_id)[2] == "13"  # the 15 waits for a peer serving us
    serve_also(app, f"{BTCHU},{VPHU}")
    # The 01 comes late (kept, not applied), the 15 moves the recipient.
    assert recipient(app, doc_id)[2] == "15"
    statuses = rows(app, ExchangeMessage.direction == "in", ExchangeMessage.kind == "status")
    assert statuses == [("in", "status", 0, "01", "received"),
                        ("in", "status", 0, "15", "applied")]


def test_a_refusal_of_the_recall_comes_back_as_16(app, world, outgoing, serve):
    add_peer(app, name="tinh-uy", base_url=serve(app), organs=BTCHU)
    doc_id = outgoing.issued(recipients=(TO_BTCHU,))
    (incoming_id,) = received_here(app)
    recall(app, world, doc_id)
    client_for(app, "vanthu.btchu").post(f"/incomingview/recall_answer/{incoming_id}",
                                         data={"answer": "refuse", "reason": "Đã thực hiện"})
    serve_also(app, f"{BTCHU},{VPHU}")
    assert recipient(app, doc_id)[2:] == ("16", "Đã thực hiện")


def test_a_package_on_its_way_when_recalled_is_followed_by_its_revocation(
        app, world, outgoing, serve, monkeypatch):
    add_peer(app, name="tinh-uy", base_url=serve(app), organs=BTCHU)
    real_post = transport.requests.post
    recalled = []

    def post_after_the_recall(url, **kw):
        if not recalled:  # the clerk recalls (another request) while it is on the network
            recalled.append(True)
            with app.app_context():
                doc_id = db.session.execute(select(OutgoingDocument.id)).scalar_one()
                db.session.remove()
            clerk = threading.Thread(target=recall, args=(app, world, doc_id))
            clerk.start()
            clerk.join()
            assert rows(app) == [("out", "document", 0, "", "cancelled")]
        return real_post(url, **kw)

    monkeypatch.setattr(transport.requests, "post", post_after_the_recall)
    doc_id = outgoing.issued(recipients=(TO_BTCHU,))
    (incoming_id,) = received_here(app)
    assert rows(app, ExchangeMessage.outgoing_id == doc_id,
                ExchangeMessage.direction == "out") == [
        ("out", "document", 0, "", "sent"), ("out", "document", 1, "", "sent")]
    assert recipient(app, doc_id)[2] == "13"
    with app.app_context():
        assert db.session.get(IncomingDocument, incoming_id).recall_requested_at is not None
        db.session.remove()


# -- a retry within the same second -----------------------------------------------------

def test_a_retry_in_the_same_second_is_signed_afresh_and_not_a_replay(
        app, world, serve, monkeypatch):
    """The peer takes the package but its answer is lost; the retry, within the same
    second, is a duplicate there (acknowledged), not a replay (401)."""
    answers = []

    def answer_lost(environ, start_response):
        def keep(status, headers, exc_info=None):
            answers.append(status)
            return start_response("502 BAD GATEWAY" if len(answers) == 1 else status,
                                  headers, exc_info)
        return app.wsgi_app(environ, keep)

    add_peer(app, name="tinh-uy", base_url=serve(answer_lost), organs=BTCHU)
    frozen = SimpleNamespace(time=lambda: 1_800_000_000.25)
    monkeypatch.setattr(transport, "time", frozen)
    row_id = outbound(app, package(), send=False)
    with app.app_context():
        with pytest.raises(transport.SendFailed):
            transport.send(db.session, row_id)
        transport.send(db.session, row_id)
        row = db.session.get(ExchangeMessage, row_id)
        assert (row.state, row.attempts, row.last_error) == ("sent", 2, None)
        assert row.last_stamp == 1_800_000_001
        db.session.remove()
    assert answers[0].startswith("200") and answers[1].startswith("200")
    assert count(app, IncomingDocument, IncomingDocument.unit_id == world.ids["btchu"]) == 1


def test_the_stamp_moves_on_only_when_the_clock_has_not():
    assert transport.fresh_stamp(None, now=100.9) == 100
    assert transport.fresh_stamp(99, now=100.1) == 100
    assert transport.fresh_stamp(100, now=100.7) == 101
    assert transport.fresh_stamp(101, now=100.7) == 102
