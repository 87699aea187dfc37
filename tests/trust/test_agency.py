"""The agency's own signature on what it issues: applied by the clerk when issuing, with a
visible stamp; every recipient receives the same signed bytes, intact and trusted where the
admin loaded the root."""

import pytest

from app.incoming.models import IncomingFile
from app.outgoing.models import OutgoingFile
from tests import pki
from tests.conftest import fresh_app, html_of, rows
from tests.trust.conftest import load_roots


@pytest.fixture
def app(database, tmp_path, agency_p12):
    with fresh_app(database, tmp_path, QLVB_AGENCY_P12=agency_p12,
                   QLVB_AGENCY_P12_PASSPHRASE=pki.PASSPHRASE.decode()) as app:
        yield app


def test_issued_with_the_agency_signature_arrives_trusted(app, world, clients, outgoing):
    from pypdf import PdfReader

    load_roots(app, pki.pki().root_pem())
    outgoing.add_unit("vpt", "VPT", "Văn phòng Tỉnh ủy")
    doc_id = outgoing.ready(recipients=("btchu", "vpt"))
    clerk = clients("vanthu.vphu")
    form = html_of(clerk, f"/outgoingview/issue/{doc_id}")
    assert "agency_sign" in form
    resp = clerk.post(f"/outgoingview/issue/{doc_id}", data={"agency_sign": "y"})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    finals = [f for f in rows(app, OutgoingFile, document_id=doc_id) if f["kind"] == "final"]
    assert len(finals) == 2 and finals[-1]["signature_status"] == "valid"
    signer = finals[-1]["trust_report"]["signatures"][0]
    assert signer["signer"] == "Văn phòng Huyện ủy" and signer["trusted"]
    delivered = outgoing.delivered(doc_id)
    copies = [rows(app, IncomingFile, document_id=i, role="main")[0]
              for i in delivered.values()]
    assert {c["sha256"] for c in copies} == {finals[-1]["sha256"]}
    assert {c["signature_status"] for c in copies} == {"valid"}
    btchu = clients("vanthu.btchu")
    page = html_of(btchu, f"/incomingview/show/{delivered[world.ids['btchu']]}")
    assert "Hợp lệ" in page and "Văn phòng Huyện ủy" in page
    # The stamp is on the page, in an embedded TrueType font; the page text is untouched.
    from io import BytesIO

    from app.core import storage

    with app.app_context():
        data = open(storage.path_for(finals[-1]["sha256"]), "rb").read()
    reader = PdfReader(BytesIO(data))
    annots = [a.get_object() for a in reader.pages[-1]["/Annots"]]
    widget = next(a for a in annots if a.get("/FT") == "/Sig")
    assert widget["/AP"]["/N"] is not None
    assert b"DejaVuSans" in data and b"FontFile2" in data
    # Registering the trusted copy needs no reason.
    assert "qlvb-signature-valid" in page and "qlvb-signature-unsigned" not in page


