"""The outbox of liên thông: a package per outside recipient written when the document is
issued (same transaction), sent once a peer serves it, the statuses of a document
received by liên thông going back to its sender, a revocation answered by the clerk, and
the statuses coming back attached by DocumentId — over a real HTTP server on 127.0.0.1,
this installation being its own peer (BTCHU is reached "from outside" by its mã định
danh)."""

import pytest
from sqlalchemy import select

from app.exchange import outbox
from app.exchange.models import ExchangeMessage
from app.extensions import db
from app.incoming.models import IncomingDocument
from app.outgoing.models import Recipient
from app.outgoing.services import RecipientSpec
from tests.conftest import client_for
from tests.exchange.conftest import BTCHU, VPHU
from tests.exchange.test_transport import SECRET, add_peer

TO_BTCHU = RecipientSpec(name="Ban Tổ chức Huyện ủy", channel="exchange", organ_id=BTCHU)


def rows(app, *where):
    with app.app_context():
        out = db.session.execute(select(
            ExchangeMessage.direction, ExchangeMessage.kind, ExchangeMessage.business_type,
            ExchangeMessage.status_code, ExchangeMessage.state)
            .where(*where).order_by(ExchangeMessage.id)).all()
        db.session.remove()
    return [tuple(r) for r in out]


def recipient(app, doc_id):
    with app.app_context():
        r = db.session.execute(select(Recipient).where(Recipient.document_id == doc_id,
                                                       Recipient.channel == "exchange")
                               ).scalar_one()
        out = (r.channel, r.organ_id, r.status, r.status_note)
        db.session.remove()
    return out


def received_here(app):
    with app.app_context():
        doc = db.session.execute(select(IncomingDocument).where(
            IncomingDocument.unit_id.is_not(None))).scalars().all()
        ids = [d.id for d in doc]
        db.session.remove()
    return ids


def test_issuing_writes_one_package_per_outside_recipient_that_waits_for_a_peer(
        app, world, outgoing, serve):
    doc_id = outgoing.issued(recipients=(TO_BTCHU, "Sở Nội vụ"))
    # No peer serves BTCHU yet: the package waits, written with the issue.
    assert rows(app, ExchangeMessage.outgoing_id == doc_id) == [
        ("out", "document", 0, "", "pending")]
    assert recipient(app, doc_id)[:3] == ("exchange", BTCHU, "00")
    assert received_here(app) == []
    # The admin adds the peer: what waited goes now, arrives once, and its 01 comes back.
    admin = client_for(app, "admin")
    resp = admin.post("/exchangepeers/add", data={
        "name": "tinh-uy", "base_url": serve(app), "organ_ids": f"{BTCHU},{VPHU}",
        "new_secret": SECRET, "active": "y"})
    assert resp.status_code == 302
    assert len(received_here(app)) == 1
    assert rows(app, ExchangeMessage.outgoing_id == doc_id) == [
        ("out", "document", 0, "", "acknowledged"), ("in", "status", 0, "01", "applied")]
    assert recipient(app, doc_id)[2] == "01"
    # Retrying a package already acknowledged does nothing.
    with app.test_request_context():
        row_id = db.session.execute(select(ExchangeMessage.id).where(
            ExchangeMessage.outgoing_id == doc_id)).scalars().first()
        assert outbox.retry(db.session, row_id, None) is False
        db.session.remove()


def test_a_refused_issue_writes_no_package(app, world, outgoing):
    doc_id = outgoing.ready(recipients=(TO_BTCHU,))
    with app.test_request_context():
        from app.outgoing.models import OutgoingDocument

        db.session.get(OutgoingDocument, doc_id).sensitive = True
        db.session.commit()
        db.session.remove()
    from app.core.errors import DomainError

    with pytest.raises(DomainError):
        outgoing.issue(doc_id)
    assert rows(app) == []


def test_an_outside_recipient_needs_its_identifier_code(app, world, outgoing):
    from app.core.errors import DomainError

    with pytest.raises(DomainError, match="mã định danh"):
        outgoing.draft(recipients=(RecipientSpec(name="Tỉnh ủy", channel="exchange"),))
    with pytest.raises(DomainError, match="hai lần"):
        outgoing.draft(recipients=(TO_BTCHU, RecipientSpec(
            name="Ban Tổ chức", channel="exchange", organ_id=BTCHU)))


def test_the_form_reads_an_outside_recipient_by_exchange(app, world):
    from app.outgoing.forms import RecipientsForm

    with app.test_request_context(method="POST", data={
            "outside": f"Ban Tổ chức Huyện ủy; liên thông; {BTCHU}\nSở Nội vụ; paper"}):
        specs = RecipientsForm().recipient_specs()
    assert [(s.name, s.channel, s.organ_id) for s in specs] == [
        ("Ban Tổ chức Huyện ủy", "exchange", BTCHU), ("Sở Nội vụ", "paper", "")]


def _peer_and_issue(app, outgoing, serve, **kw):
    add_peer(app, name="tinh-uy", base_url=serve(app), organs=f"{BTCHU},{VPHU}")
    doc_id = outgoing.issued(recipients=(TO_BTCHU,), **kw)
    (incoming_id,) = received_here(app)
    return doc_id, incoming_id


def test_the_receivers_steps_go_back_to_the_sender(app, world, outgoing, serve):
    doc_id, incoming_id = _peer_and_issue(app, outgoing, serve)
    from app.incoming import services as incoming

    with app.test_request_context():
        doc = db.session.get(IncomingDocument, incoming_id)
        incoming.refuse(db.session, doc, world.user("vanthu.btchu"), "Gửi nhầm đơn vị")
        db.session.commit()
        db.session.remove()
    assert recipient(app, doc_id)[2:] == ("02", "Gửi nhầm đơn vị")
    assert ("out", "status", 0, "02", "sent") in rows(app, ExchangeMessage.incoming_id
                                                    == incoming_id)


def test_a_late_status_is_kept_not_applied(app, world, outgoing, serve):
    from tests.exchange.conftest import status

    doc_id, _incoming_id = _peer_and_issue(app, outgoing, serve)
    with app.app_context():
        sent = db.session.execute(select(ExchangeMessage).where(
            ExchangeMessage.outgoing_id == doc_id, ExchangeMessage.direction == "out")
        ).scalar_one()
        document_id = sent.document_id
        db.session.remove()
    from app.core.timeutil import utcnow
    from app.exchange.receive import receive
    from app.trust.signatures import Anchors

    with app.test_request_context():
        for code in ("05", "03"):
            out = receive(db.session, status(document_id, code=code), anchors=Anchors([]),
                          now=utcnow())
            assert out.result == "status"
        assert "03" not in (out.reason or "") or "05" in out.reason
        db.session.remove()
    assert recipient(app, doc_id)[2] == "05"  # the 03 came after the 05: kept, not applied


def test_a_revocation_is_answered_by_the_clerk_and_the_answer_comes_back(
        app, world, outgoing, serve):
    doc_id, incoming_id = _peer_and_issue(app, outgoing, serve)
    from app.outgoing import services

    with app.test_request_context():
        from app.outgoing.models import OutgoingDocument

        services.request_recall(db.session, db.session.get(OutgoingDocument, doc_id),
                                world.user("vanthu.vphu"), "Sai số liệu")
        db.session.commit()
        db.session.remove()
    assert recipient(app, doc_id)[2] == "13"
    with app.app_context():
        doc = db.session.get(IncomingDocument, incoming_id)
        assert doc.recall_requested_at is not None and doc.recall_reason == "Sai số liệu"
        db.session.remove()
    clerk = client_for(app, "vanthu.btchu")
    resp = clerk.post(f"/incomingview/recall_answer/{incoming_id}",
                      data={"answer": "refuse", "reason": ""})
    assert resp.status_code == 302
    assert recipient(app, doc_id)[2] == "13"  # a refusal needs its reason: nothing sent
    resp = clerk.post(f"/incomingview/recall_answer/{incoming_id}",
                      data={"answer": "accept", "reason": ""})
    assert resp.status_code == 302
    assert recipient(app, doc_id)[2] == "15"
    with app.app_context():
        assert db.session.get(IncomingDocument, incoming_id).state == "recalled"
        db.session.remove()
    # Answered once: a second answer is refused.
    clerk.post(f"/incomingview/recall_answer/{incoming_id}",
               data={"answer": "refuse", "reason": "Không đồng ý"})
    assert recipient(app, doc_id)[2] == "15"
    assert rows(app, ExchangeMessage.status_code.in_(("15", "16"))) == [
        ("out", "status", 0, "15", "sent"), ("in", "status", 0, "15", "applied")]


def test_a_replacement_takes_the_place_of_the_document_received(app, world, outgoing,
                                                                  serve):
    doc_id, first_id = _peer_and_issue(app, outgoing, serve)
    second = outgoing.issued(recipients=(TO_BTCHU,), replaces_id=doc_id,
                             summary="Về việc tổng kết (thay thế)")
    assert rows(app, ExchangeMessage.outgoing_id == second,
                ExchangeMessage.direction == "out") == [("out", "document", 3, "", "acknowledged")]
    with app.app_context():
        old = db.session.get(IncomingDocument, first_id)
        assert old.state == "replaced" and old.replaced_by_id is not None
        db.session.remove()


def test_the_pages_and_the_register_mark_what_went_by_lien_thong(app, world, outgoing,
                                                                  serve):
    from types import SimpleNamespace

    from app.registers.services import _incoming_notes

    doc_id, incoming_id = _peer_and_issue(app, outgoing, serve)
    page = client_for(app, "vanthu.vphu").get(f"/outgoingview/show/{doc_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert BTCHU in html and "qlvb-exchange-state" in html
    shown = client_for(app, "vanthu.btchu").get(f"/incomingview/show/{incoming_id}")
    assert "Liên thông" in shown.get_data(as_text=True)
    with app.test_request_context():
        assert "liên thông" in _incoming_notes(SimpleNamespace(
            channel="exchange", state="registered", trust_reason=None, notes=None))
    # The admin's outbox lists the package and its state.
    outbox_page = client_for(app, "admin").get("/exchangeoutbox/list/")
    assert outbox_page.status_code == 200
    assert "000.00.02.H31" in outbox_page.get_data(as_text=True)


def test_the_admin_retries_a_refused_package_from_the_outbox(app, world):
    import hashlib

    from tests.exchange.conftest import OUTSIDE, document_id_of, package

    add_peer(app)  # serves OUTSIDE at a port nobody answers
    data = package()
    with app.app_context():
        row = ExchangeMessage(direction="out", kind="document",
                              document_id=document_id_of(data), from_organ=VPHU,
                              to_organ=OUTSIDE, sha256=hashlib.sha256(data).hexdigest(),
                              state="refused", last_error="Không có đơn vị nhận",
                              package=data)
        db.session.add(row)
        db.session.commit()
        row_id = row.id
        db.session.remove()
    for user in ("vanthu.vphu", "qtdv.vphu"):
        resp = client_for(app, user).post("/exchangeoutbox/action_post",
                                          data={"action": "retry", "rowid": row_id})
        assert resp.status_code in (302, 403)
    assert rows(app) == [("out", "document", 0, "", "refused")]
    resp = client_for(app, "admin").post("/exchangeoutbox/action_post",
                                         data={"action": "retry", "rowid": row_id})
    assert resp.status_code == 302
    with app.app_context():
        row = db.session.get(ExchangeMessage, row_id)
        # Tried again at once (inline): the peer does not answer, the try is counted.
        assert (row.state, row.attempts) == ("pending", 1)
        assert "Không có đơn vị nhận" not in (row.last_error or "")
        db.session.remove()
