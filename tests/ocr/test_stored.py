"""OCR of stored files end to end (docs/domain.md §5.2, §2): a scan received through the
intake screen is recognised in a job after the commit; the original stays as it was, the
searchable copy is stored beside it and offered on the document page, the text reaches
the search index; a scanned secrecy stamp is refused at intake; without Tesseract the app
works and says OCR is unavailable, and `flask qlvb ocr-stored` recognises the files stored
meanwhile. Each recognition costs seconds: few pages are recognised."""

import hashlib
import io

import pytest
from pypdf import PdfReader, PdfWriter

from app.ocr import engine
from tests.conftest import client_for, flashes_text
from tests.incoming.conftest import created_id
from tests.ocr import corpus

MISSING = engine.missing()
pytestmark = pytest.mark.skipif(
    MISSING is not None, reason=f"OCR unavailable: {MISSING} missing (make ocr-deps)")


def _two_page_scan():
    """Page 1: the công văn 125-CV/TU; page 2: the page of the kế hoạch 89-KH/BTCTU, whose
    words ("phát triển đảng viên") are nowhere else."""
    writer = PdfWriter()
    for spec in corpus.DOCUMENTS[:2]:
        writer.append(PdfReader(io.BytesIO(corpus.scan(corpus.text_pdf(spec), dpi=300))))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _found(app, world, query):
    from app.extensions import db
    from app.search import services

    with app.test_request_context():
        user = world.user("vanthu.vphu")
        hits = services.search(db.session, user, query, page_size=100).hits
        result = [(h.kind, h.document_id) for h in hits]
        db.session.remove()
    return result


def _scan_row(app, sha256):
    from app.extensions import db
    from app.ocr.models import OcrScan

    with app.app_context():
        scan = db.session.query(OcrScan).filter_by(sha256=sha256).one()
        db.session.expunge(scan)
        db.session.remove()
    return scan


def _files(app, doc_id):
    from app.extensions import db
    from app.incoming.models import IncomingFile

    with app.app_context():
        rows = db.session.query(IncomingFile).filter_by(document_id=doc_id).all()
        out = [(r.id, r.sha256, r.text_content or "") for r in rows]
        db.session.remove()
    return out


def test_a_received_scan_is_recognised_searchable_and_kept(app, world, incoming):
    scan = _two_page_scan()
    original = hashlib.sha256(scan).hexdigest()
    clerk = client_for(app, "vanthu.vphu")
    resp = incoming.post_intake(clerk, pdf=scan, filename="bản quét.pdf")
    doc_id = created_id(resp)
    [(file_id, sha256, text)] = _files(app, doc_id)
    assert sha256 == original  # the evidence as received
    from app.core import storage

    with app.app_context():
        with open(storage.path_for(sha256), "rb") as fh:
            assert fh.read() == scan
    # The job ran after the commit (inline): both pages are text, in the file's row...
    assert "phát triển đảng viên" in text and "Kim Động" in text
    row = _scan_row(app, sha256)
    assert row.state == "done" and row.pages == 2 and row.marking is None
    assert row.searchable_sha256 and row.searchable_sha256 != sha256
    # ... and in the search index: a word only the image of page 2 held.
    assert ("in", doc_id) in _found(app, world, "phat trien dang vien")
    # The document page says so and offers the searchable copy beside the original.
    page = clerk.get(f"/incomingview/show/{doc_id}").get_data(as_text=True)
    assert "qlvb-ocr-done" in page and "copy=searchable" in page
    copy = clerk.get(f"/incomingview/file/{file_id}?copy=searchable")
    assert copy.status_code == 200
    assert hashlib.sha256(copy.data).hexdigest() == row.searchable_sha256
    assert "phát triển" in PdfReader(io.BytesIO(copy.data)).pages[1].extract_text()
    assert clerk.get(f"/incomingview/file/{file_id}").data == scan
    preview = clerk.get(f"/incomingview/preview/{file_id}?copy=searchable")
    assert preview.status_code == 200 and preview.data.startswith(b"%PDF")
    # Another unit's clerk gets neither.
    other = client_for(app, "vanthu.btchu")
    assert other.get(f"/incomingview/file/{file_id}?copy=searchable").status_code == 404


@pytest.mark.parametrize("marking, red", [("MẬT", False), ("TỐI MẬT", True)])
def test_a_scanned_secrecy_stamp_is_refused_at_intake(app, world, incoming, marking, red):
    """In dark ink on a grey scan, and in the red of a rubber stamp on a colour scan (which
    the page's clean-up drops with the seals: read from the red ink alone)."""
    from app.extensions import db
    from app.incoming.models import IncomingDocument

    scan = corpus.scan(corpus.marked(corpus.text_pdf(corpus.DOCUMENTS[0]), marking, red=red),
                       dpi=300, colour=red)
    assert engine.needs_ocr(scan)
    clerk = client_for(app, "vanthu.vphu")
    resp = incoming.post_intake(clerk, pdf=scan, filename="bản quét mật.pdf")
    assert resp.status_code == 200
    assert marking in flashes_text(resp.get_data(as_text=True))
    with app.app_context():
        assert db.session.query(IncomingDocument).count() == 0
        db.session.remove()


def test_without_tesseract_the_app_works_and_says_so(app, world, incoming, runner,
                                                     monkeypatch):
    from app.ocr import services

    monkeypatch.setitem(services._available, "ok", False)
    scan = corpus.scan(corpus.text_pdf(corpus.DOCUMENTS[1]), dpi=300)
    clerk = client_for(app, "vanthu.vphu")
    doc_id = created_id(incoming.post_intake(clerk, pdf=scan, filename="bản quét.pdf"))
    [(_, sha256, text)] = _files(app, doc_id)
    assert "phát triển" not in text
    assert _scan_row(app, sha256).state == "unavailable"
    page = clerk.get(f"/incomingview/show/{doc_id}").get_data(as_text=True)
    assert "qlvb-ocr-unavailable" in page
    refused = runner.invoke(args=["qlvb", "ocr-stored"])
    assert refused.exit_code == 1
    # Tesseract installed: the command recognises what was stored meanwhile.
    services._available.clear()
    result = runner.invoke(args=["qlvb", "ocr-stored"])
    assert result.exit_code == 0, result.output
    assert " 1 " in result.output
    assert _scan_row(app, sha256).state == "done"
    assert "phát triển" in _files(app, doc_id)[0][2]
    assert ("in", doc_id) in _found(app, world, "phat trien dang vien")
    again = runner.invoke(args=["qlvb", "ocr-stored"])
    assert again.exit_code == 0 and " 0 " in again.output
