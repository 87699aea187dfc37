"""The outgoing screens a clerk meets beyond the lifecycle: starting a corrected
replacement from the document it replaces."""

import io

from app.extensions import db
from app.outgoing.models import OutgoingDocument
from tests import pdfs
from tests.conftest import client_for


def test_a_replacement_starts_from_the_original(app, world, outgoing):
    original = outgoing.issued(recipients=("btchu",))
    official = client_for(app, "chuyenvien.vphu")
    page = official.get(f"/outgoingview/draft?replaces={original}").get_data(as_text=True)
    assert f'name="replaces_id" type="hidden" value="{original}"' in page
    resp = official.post("/outgoingview/draft", data={
        "document_type_id": str(outgoing.types["CV"]), "summary": "Thay thế văn bản trước",
        "urgency": "0", "signer_id": str(world.ids["lanhdao.vphu"]),
        "units": [str(world.ids["btchu"])], "outside": "", "replaces_id": str(original),
        "draft_file": (io.BytesIO(pdfs.docx_bytes()), "thay thế.docx")},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    new_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(OutgoingDocument, new_id).replaces_id == original
    # Another unit's document is not offered as the original.
    theirs = outgoing.issued(author="chuyenvien.btchu", signer="lanhdao.btchu",
                             clerk="vanthu.btchu", recipients=("vphu",))
    page = official.get(f"/outgoingview/draft?replaces={theirs}").get_data(as_text=True)
    assert f'name="replaces_id" type="hidden" value="{theirs}"' not in page


def test_an_unreadable_outside_recipient_line_is_refused(app, world, outgoing):
    official = client_for(app, "chuyenvien.vphu")
    for line in ("Sở Nội vụ; fax", "; paper"):
        resp = official.post("/outgoingview/draft", data={
            "document_type_id": str(outgoing.types["CV"]), "summary": "Thử nơi nhận",
            "urgency": "0", "signer_id": str(world.ids["lanhdao.vphu"]), "outside": line,
            "draft_file": (io.BytesIO(pdfs.docx_bytes()), "dt.docx")},
            content_type="multipart/form-data")
        assert resp.status_code == 200 and "qlvb-field-error" in resp.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(OutgoingDocument).count() == 0
