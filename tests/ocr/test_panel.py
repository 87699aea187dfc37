"""The document page says where the recognition of each scan stands (docs/domain.md §5.2):
"Đang nhận dạng chữ…" while the job is queued or running (a worker takes it), "Nhận dạng
chữ bị lỗi" with the reason, and nothing for a file that needed none."""

from tests.conftest import client_for


def _set_scan(app, doc_id, **values):
    from app.extensions import db
    from app.incoming.models import IncomingFile
    from app.ocr.models import OcrScan

    with app.app_context():
        sha = db.session.query(IncomingFile).filter_by(document_id=doc_id).first().sha256
        scan = db.session.query(OcrScan).filter_by(sha256=sha).first()
        if scan is None:
            scan = OcrScan(sha256=sha)
            db.session.add(scan)
        for key, value in values.items():
            setattr(scan, key, value)
        db.session.commit()
        db.session.remove()


def test_the_page_shows_the_recognition_state(app, world, incoming):
    doc_id = incoming.intake(text="Kế hoạch tổ chức hội nghị")
    clerk = client_for(app, "vanthu.vphu")
    page = clerk.get(f"/incomingview/show/{doc_id}").get_data(as_text=True)
    assert "qlvb-ocr" not in page  # a PDF with its text: nothing to recognise
    _set_scan(app, doc_id, state="queued")
    page = clerk.get(f"/incomingview/show/{doc_id}").get_data(as_text=True)
    assert "qlvb-ocr-running" in page and "Đang nhận dạng chữ…" in page
    _set_scan(app, doc_id, state="failed", error="ocrmypdf exit code 6")
    page = clerk.get(f"/incomingview/show/{doc_id}").get_data(as_text=True)
    assert "qlvb-ocr-failed" in page and "Nhận dạng chữ bị lỗi" in page
    assert "ocrmypdf exit code 6" in page
    # No searchable copy yet: asking for it is "not found", the original is served.
    from tests.ocr.test_quarantine import _file_id

    file_id = _file_id(app, doc_id)
    assert clerk.get(f"/incomingview/file/{file_id}?copy=searchable").status_code == 404
    assert clerk.get(f"/incomingview/file/{file_id}").status_code == 200
