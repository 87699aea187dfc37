"""The outgoing screens a clerk meets beyond the lifecycle: starting a corrected
replacement from the document it replaces."""

import io

from app.extensions import db
from app.outgoing.models import OutgoingDocument
from tests import pdfs
from tests.conftest import client_for, d


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


LONG = ("Về việc tổ chức hội nghị sơ kết công tác sáu tháng đầu năm và triển khai nhiệm vụ "
        "sáu tháng cuối năm của các đơn vị trực thuộc")


def test_each_step_message_names_the_document(app, world, outgoing):
    from app.core.docviews import short_summary
    from app.core.timeutil import fmt_date, local_today

    pk = outgoing.signed(summary=LONG)
    short = short_summary(LONG)
    assert len(short) <= 80 and short.endswith("…") and LONG.startswith(short[:-1])
    clerk = client_for(app, "vanthu.vphu")
    page = clerk.post(f"/outgoingview/number/{pk}", data={"document_date": d(local_today())},
                      follow_redirects=True).get_data(as_text=True)
    with app.app_context():
        symbol = db.session.get(OutgoingDocument, pk).symbol
    assert symbol
    assert (f"Đã cấp số {symbol} ngày {fmt_date(local_today())} cho dự thảo «{short}»"
            in page)
    outgoing.attach_final(pk)
    page = clerk.post(f"/outgoingview/issue/{pk}", data={"late_reason": ""},
                      follow_redirects=True).get_data(as_text=True)
    assert f"Đã phát hành văn bản {symbol} «{short}»" in page


def test_saving_a_draft_names_it(app, world, outgoing):
    official = client_for(app, "chuyenvien.vphu")
    page = official.post("/outgoingview/draft", data={
        "document_type_id": str(outgoing.types["CV"]), "summary": "Về việc kiểm kê tài sản",
        "urgency": "0", "signer_id": str(world.ids["lanhdao.vphu"]),
        "units": [str(world.ids["btchu"])], "outside": "",
        "draft_file": (io.BytesIO(pdfs.docx_bytes()), "dự thảo.docx")},
        content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
    assert "Đã lưu dự thảo «Về việc kiểm kê tài sản»" in page
