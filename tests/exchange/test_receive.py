"""Receiving edXML packages: routed by To/OrganId, checked as any
e-document, into "Chờ tiếp nhận" once; revocations, updates, replacements and statuses
applied; everything else refused with a reason and nothing stored."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.exchange.models import ExchangeMessage
from app.exchange.receive import receive
from app.extensions import db
from app.incoming.models import IncomingDocument
from app.outgoing.models import Recipient
from app.trust.signatures import Anchors
from tests.exchange.conftest import BTCHU, OUTSIDE, document_id_of, package, status

NOW = datetime.now(UTC)


def take(app, data):
    with app.app_context():
        outcome = receive(db.session, data, anchors=Anchors(), now=NOW)
        db.session.remove()
    return outcome


def count(app, model, *where):
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(model).where(*where)).scalar()
        db.session.remove()
    return n


def incoming_doc(app, doc_id):
    with app.app_context():
        doc = db.session.get(IncomingDocument, doc_id)
        out = {c.name: getattr(doc, c.name) for c in doc.__table__.columns}
        db.session.remove()
    return out


def test_a_package_waits_in_the_recipient_units_inbox(app, world):
    data = package()
    outcome = take(app, data)
    assert outcome.result == "received", outcome
    assert outcome.document_id == document_id_of(data)
    assert outcome.signature == "missing"
    doc = incoming_doc(app, outcome.incoming_id)
    assert doc["unit_id"] == world.ids["btchu"]
    assert (doc["state"], doc["channel"]) == ("pending", "exchange")
    assert doc["author_name"] == "Huyện ủy Duy Xuyên"
    assert doc["symbol"] == "19-BC/HU"
    assert doc["summary"].startswith("Báo cáo kết quả")
    assert doc["sender_unit_id"] is None
    with app.app_context():
        rows = db.session.execute(select(ExchangeMessage).order_by(ExchangeMessage.id)) \
            .scalars().all()
        got = [(r.direction, r.kind, r.status_code, r.state, r.from_organ, r.to_organ,
                r.incoming_id) for r in rows]
        assert got == [("in", "document", "", "received", OUTSIDE, BTCHU, doc["id"]),
                       ("out", "status", "01", "pending", BTCHU, OUTSIDE, doc["id"])]
        # Unsigned: delivered, and the verdict is kept.
        assert (rows[0].signature, rows[0].signature_reason) == ("missing", None)
        assert b"<edXML:StatusCode>01</edXML:StatusCode>" in rows[1].package
        db.session.remove()


def test_the_same_package_twice_is_one_document(app, world):
    data = package()
    first, second = take(app, data), take(app, data)
    assert first.result == "received"
    assert (second.result, second.incoming_id) == ("duplicate", None)
    assert count(app, IncomingDocument) == 1
    assert count(app, ExchangeMessage, ExchangeMessage.direction == "in") == 1


def test_an_unknown_recipient_is_refused_and_nothing_stored(app, world):
    outcome = take(app, package(to="000.99.99.Z99"))
    assert outcome.result == "refused"
    assert "000.99.99.Z99" in outcome.reason
    assert count(app, IncomingDocument) == 0
    assert count(app, ExchangeMessage) == 0


@pytest.mark.parametrize("data", [
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><edXML>&a;</edXML>',
    b"<edXML><unclosed></edXML>",
    b"not xml at all",
])
def test_hostile_or_unreadable_xml_is_refused_and_nothing_stored(app, world, data):
    outcome = take(app, data)
    assert outcome.result == "refused" and outcome.reason
    assert count(app, IncomingDocument) == 0
    assert count(app, ExchangeMessage) == 0


def test_a_secret_symbol_is_refused(app, world):
    outcome = take(app, package(symbol="19-BC/HU-MẬT"))
    assert outcome.result == "refused"
    assert count(app, IncomingDocument) == 0


def test_a_package_without_a_pdf_is_refused(app, world):
    outcome = take(app, package(files=[{"name": "a.txt", "content_type": "text/plain",
                                        "data": b"hello"}]))
    assert outcome.result == "refused"
    assert count(app, IncomingDocument) == 0 and count(app, ExchangeMessage) == 0


def test_an_update_changes_the_document_received(app, world):
    first = take(app, package())
    outcome = take(app, package(business_type=2, business_document_id=first.document_id,
                                summary="Báo cáo đã sửa", urgency=2,
                                update={"details_changed": True, "recipients_changed": False,
                                        "recipients": []}))
    assert (outcome.result, outcome.incoming_id) == ("update", first.incoming_id), outcome
    doc = incoming_doc(app, first.incoming_id)
    assert (doc["summary"], doc["urgency"]) == ("Báo cáo đã sửa", 2)
    assert count(app, IncomingDocument) == 1


def test_an_update_of_an_unknown_document_is_refused(app, world):
    outcome = take(app, package(business_type=2, business_document_id="X,2026/01/01,1/A"))
    assert outcome.result == "refused" and "X,2026/01/01,1/A" in outcome.reason


def test_a_replacement_takes_the_place_of_the_old_document(app, world):
    old = take(app, package())
    new = take(app, package(symbol="20-BC/HU", pdf_text="Báo cáo thay thế", business_type=3,
                            business_document_id=old.document_id,
                            replacements=[{"document_id": old.document_id,
                                           "codes": [BTCHU]}]))
    assert new.result == "replacement", new
    assert new.incoming_id != old.incoming_id
    replaced = incoming_doc(app, old.incoming_id)
    assert (replaced["state"], replaced["replaced_by_id"]) == ("replaced", new.incoming_id)
    assert incoming_doc(app, new.incoming_id)["state"] == "pending"


def test_a_revocation_marks_the_document_asked_back(app, world):
    first = take(app, package())
    outcome = take(app, package(business_type=1, business_document_id=first.document_id,
                                business_reason="Ban hành nhầm"))
    assert (outcome.result, outcome.incoming_id) == ("revocation", first.incoming_id)
    doc = incoming_doc(app, first.incoming_id)
    assert doc["recall_reason"] == "Ban hành nhầm" and doc["recall_requested_at"]
    assert take(app, package(business_type=1, business_document_id=first.document_id,
                             business_reason="Ban hành nhầm")).result == "duplicate"


def test_a_status_moves_our_recipient(app, world, outgoing, tmp_path):
    from app.exchange.export import export

    doc_id = outgoing.ready(recipients=("btchu",))
    with app.app_context():
        written = export(db.session, doc_id, str(tmp_path), key=None, now=NOW)
        db.session.remove()
    outcome = take(app, status(written[0].document_id, "03"))
    assert outcome.result == "status", outcome
    with app.app_context():
        recipient = db.session.execute(select(Recipient).where(
            Recipient.document_id == doc_id)).scalars().one()
        assert recipient.status == "03"
        db.session.remove()
    assert take(app, status(written[0].document_id, "03")).result == "duplicate"


def test_a_status_about_an_unknown_document_is_refused(app, world):
    outcome = take(app, status("000.00.01.H31,2026/01/05,1/CV"))
    assert outcome.result == "refused"
    assert "000.00.01.H31,2026/01/05,1/CV" in outcome.reason
    assert count(app, ExchangeMessage) == 0


def test_a_signed_package_is_received_with_a_valid_verdict(app, world):
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    from app.exchange import signing
    from tests.pki import PASSPHRASE, pki

    p = pki()
    der = serialization.Encoding.DER
    anchors = Anchors(roots=[asn1_x509.Certificate.load(p.root.public_bytes(der))],
                      others=[asn1_x509.Certificate.load(p.sub.public_bytes(der))],
                      crls=[asn1_crl.CertificateList.load(p.crl.public_bytes(der))])
    data = signing.sign(package(), signing.load_p12(p.agency_p12(), PASSPHRASE))
    with app.app_context():
        outcome = receive(db.session, data, anchors=anchors, now=NOW)
        assert (outcome.result, outcome.signature) == ("received", "valid")
        tampered = data.replace("Báo cáo kết quả".encode(), "Báo cáo sửa đổi".encode())
        # Another DocumentId too, so that it is not the first one again.
        other = receive(db.session, tampered.replace(b",19/BC/HU", b",29/BC/HU"),
                        anchors=anchors, now=NOW)
        db.session.remove()
    # Changed in transit: still delivered, with the verdict for the clerk.
    assert (other.result, other.signature) == ("received", "invalid")


def test_a_status_a_recipient_cannot_send_is_refused(app, world, outgoing, tmp_path):
    from app.exchange.export import export

    doc_id = outgoing.ready(recipients=("btchu",))
    with app.app_context():
        written = export(db.session, doc_id, str(tmp_path / "out"), key=None, now=NOW)
        db.session.remove()
    outcome = take(app, status(written[0].document_id, "13"))
    assert outcome.result == "refused" and "13" in outcome.reason
    with app.app_context():
        assert db.session.execute(select(Recipient.status).where(
            Recipient.document_id == doc_id)).scalar_one() == "00"
        db.session.remove()
