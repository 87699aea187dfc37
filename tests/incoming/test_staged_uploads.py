"""A file chosen on a form survives the form's round trips (app.core.staging,
docs/domain.md §5.1): kept server-side for the user's session, shown again, used on the next
submit; refused files are not kept; expired or foreign staged files ask for the file again
with the typed fields kept."""

import io
import re
from datetime import timedelta

from sqlalchemy import func, select

from tests import pdfs
from tests.conftest import client_for
from tests.incoming.conftest import created_id

TOKEN = re.compile(r'name="main_file_staged" value="([^"]+)"')


def _staged_count(app):
    from app.core.staging import StagedUpload
    from app.extensions import db

    with app.app_context():
        n = db.session.scalar(select(func.count(StagedUpload.id)))
        db.session.remove()
    return n


def _resubmit(client, incoming, token, **fields):
    """The intake form sent again without a file, carrying the staged one's token."""
    form = {k: v for k, v in incoming.intake_form(**fields).items() if k != "main_file"}
    form["main_file_staged"] = token
    return client.post("/incomingview/intake", data=form, content_type="multipart/form-data")


def test_file_survives_two_validation_errors_and_is_used(app, world, incoming):
    clerk = client_for(app, "vanthu.vphu")
    # 1st round trip: the summary is missing.
    resp = incoming.post_intake(clerk, summary="", filename="Công văn số 5.pdf")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Đã tải lên: Công văn số 5.pdf (" in html and "Đổi tệp" in html
    token = TOKEN.search(html).group(1)
    # 2nd round trip: no file sent, the staged one is carried; the date is wrong.
    resp = _resubmit(clerk, incoming, token, document_date="31/02/2026")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Đã tải lên: Công văn số 5.pdf (" in html
    token = TOKEN.search(html).group(1)
    # 3rd submit: all good, the staged file becomes the document's.
    doc_id = created_id(_resubmit(clerk, incoming, token))
    from app.extensions import db
    from app.incoming.models import IncomingDocument

    with app.app_context():
        doc = db.session.get(IncomingDocument, doc_id)
        assert doc.main_file().name == "Công văn số 5.pdf"
        db.session.remove()
    assert _staged_count(app) == 0  # released with the document


def test_duplicate_warning_keeps_the_file(app, world, incoming):
    incoming.intake(symbol="555-CV/TU")
    clerk = client_for(app, "vanthu.vphu")
    resp = incoming.post_intake(clerk)
    html = resp.get_data(as_text=True)
    assert "allow_duplicate" in html and TOKEN.search(html)


def test_another_users_staged_file_is_refused(app, world, incoming):
    clerk = client_for(app, "vanthu.vphu")
    token = TOKEN.search(incoming.post_intake(clerk, summary="").get_data(as_text=True)).group(1)
    other = client_for(app, "vanthu.btchu")
    resp = _resubmit(other, incoming, token)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "không còn được giữ" in html  # asks for the file again
    assert "Công văn đến.pdf" not in html
    assert "Về việc kiểm tra dữ liệu nhập" in html  # the typed fields are kept


def test_same_user_other_session_cannot_use_it(app, world, incoming):
    token = TOKEN.search(incoming.post_intake(client_for(app, "vanthu.vphu"), summary="")
                         .get_data(as_text=True)).group(1)
    second = client_for(app, "vanthu.vphu")
    resp = _resubmit(second, incoming, token)
    assert resp.status_code == 200 and "không còn được giữ" in resp.get_data(as_text=True)


def test_expired_staged_file_asks_again_and_keeps_fields(app, world, incoming):
    from app.core.staging import StagedUpload, purge_expired
    from app.extensions import db

    clerk = client_for(app, "vanthu.vphu")
    token = TOKEN.search(incoming.post_intake(clerk, summary="").get_data(as_text=True)).group(1)
    with app.app_context():
        row = db.session.scalars(select(StagedUpload)).one()
        row.expires_at = row.expires_at - timedelta(days=1)
        db.session.commit()
        db.session.remove()
    resp = _resubmit(clerk, incoming, token, symbol="77-CV/TU")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Tệp đã chọn trước đây không còn được giữ" in html
    assert 'value="77-CV/TU"' in html
    with app.test_request_context():
        assert purge_expired(db.session) == 1
        db.session.remove()
    assert _staged_count(app) == 0


def test_refused_type_is_not_kept(app, world, incoming):
    clerk = client_for(app, "vanthu.vphu")
    resp = incoming.post_intake(clerk, summary="", pdf=pdfs.pdf_with_javascript())
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "bị từ chối" in html and "Đã tải lên" not in html
    assert _staged_count(app) == 0


def test_oversize_file_is_refused_in_vietnamese(app, world, incoming):
    app.config["MAX_FILE_SIZE"] = 1024 * 1024
    try:
        clerk = client_for(app, "vanthu.vphu")
        big = pdfs.clean_pdf("x") + b"%" * (1024 * 1024 + 10)
        resp = incoming.post_intake(clerk, pdf=big)
        html = resp.get_data(as_text=True)
        assert "Tệp vượt quá dung lượng cho phép 1 MB" in html and "Đã tải lên" not in html
        assert _staged_count(app) == 0
    finally:
        app.config.pop("MAX_FILE_SIZE")


def test_outgoing_draft_keeps_its_files(app, world):
    from app.extensions import db
    from app.reference.models import DocumentType

    with app.app_context():
        t = DocumentType(name="Thông báo", abbreviation="TB", processing_days=7)
        db.session.add(t)
        db.session.commit()
        type_id = t.id
        db.session.remove()
    official = client_for(app, "chuyenvien.vphu")
    data = {"document_type_id": str(type_id), "summary": "", "urgency": "0",
            "draft_file": (io.BytesIO(pdfs.clean_pdf("Dự thảo")), "Dự thảo thông báo.pdf"),
            "attachments": [(io.BytesIO(pdfs.clean_pdf("Phụ lục")), "Phụ lục 1.pdf")]}
    resp = official.post("/outgoingview/draft", data=data, content_type="multipart/form-data")
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Đã tải lên: Dự thảo thông báo.pdf" in html and "Đã tải lên: Phụ lục 1.pdf" in html
