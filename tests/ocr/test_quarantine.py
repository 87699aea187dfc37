"""A secrecy marking found after intake (docs/domain.md §2): the document is withheld at
once — gone from the lists, the document page and the search, its files answered 410 with
the reason — its clerk and the office are told, and the office either confirms it is not
secret (shown again) or destroys its stored bytes (the register keeps the number, with the
reason). Each decision is locked, checked and audited.

The first test finds the marking by OCR end to end (a stamp on page 2, which intake does
not read); the others withhold a stored document through the same service with the text
the job would have found."""

import io

import pytest
from pypdf import PdfReader, PdfWriter

from app.ocr import engine
from tests.conftest import client_for, flashes_text
from tests.incoming.conftest import created_id
from tests.ocr import corpus

MISSING = engine.missing()
needs_engine = pytest.mark.skipif(
    MISSING is not None, reason=f"OCR unavailable: {MISSING} missing (make ocr-deps)")


def _audit(app, action):
    from app.core.audit import AuditEvent
    from app.extensions import db

    with app.app_context():
        count = db.session.query(AuditEvent).filter_by(action=action).count()
        db.session.remove()
    return count


def _notified(app, world, username):
    from app.extensions import db
    from app.notifications.models import Notification

    with app.app_context():
        messages = [n.message for n in db.session.query(Notification).filter_by(
            user_id=world.ids[username])]
        db.session.remove()
    return messages


def _searched(app, world, query, username="vanthu.vphu"):
    from app.extensions import db
    from app.search import services

    with app.test_request_context():
        hits = services.search(db.session, world.user(username), query, page_size=100).hits
        found = [(h.kind, h.document_id) for h in hits]
        db.session.remove()
    return found


def _hold(app, doc_id, marking="MẬT", file_model=None):
    """What the job does when the recognised text of the document's main file (an
    incoming one unless ``file_model`` says otherwise) carries ``marking``."""
    from app.extensions import db
    from app.incoming.models import IncomingFile
    from app.ocr.models import OcrScan
    from app.search import scans

    file_model = file_model or IncomingFile
    with app.test_request_context():
        sha = db.session.query(file_model).filter_by(document_id=doc_id).first().sha256
        scan = OcrScan(sha256=sha, state="done", pages=1, text=f"UBND\n{marking}\nKính gửi")
        db.session.add(scan)
        db.session.flush()
        scans.apply_text(db.session, scan)
        [held] = scans.withhold(db.session, scan)
        db.session.commit()
        ids = held.id, sha
        db.session.remove()
    return ids


def _file_id(app, doc_id):
    from app.extensions import db
    from app.incoming.models import IncomingFile

    with app.app_context():
        file_id = db.session.query(IncomingFile).filter_by(document_id=doc_id).first().id
        db.session.remove()
    return file_id


@needs_engine
def test_a_marking_found_by_the_job_withholds_the_document_at_once(app, world, incoming):
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(corpus.scan(corpus.text_pdf(corpus.DOCUMENTS[1]),
                                                   dpi=300))))
    writer.append(PdfReader(io.BytesIO(corpus.scan(
        corpus.marked(corpus.text_pdf(corpus.DOCUMENTS[0]), "TỐI MẬT"), dpi=300))))
    scan = io.BytesIO()
    writer.write(scan)
    clerk = client_for(app, "vanthu.vphu")
    resp = incoming.post_intake(clerk, pdf=scan.getvalue(), filename="bản quét.pdf")
    doc_id = created_id(resp)  # page 1 holds no marking: received
    # The job read page 2: the document is gone from the clerk's sight.
    assert clerk.get(f"/incomingview/show/{doc_id}").status_code == 404
    listing = clerk.get("/incomingview/list/").get_data(as_text=True)
    assert f"/incomingview/show/{doc_id}" not in listing
    assert ("in", doc_id) not in _searched(app, world, "phat trien dang vien")
    gone = clerk.get(f"/incomingview/file/{_file_id(app, doc_id)}")
    assert gone.status_code == 410 and "TỐI MẬT" in gone.get_data(as_text=True)
    assert any("TỐI MẬT" in m for m in _notified(app, world, "vanthu.vphu"))
    assert any("TỐI MẬT" in m for m in _notified(app, world, "vanphong"))
    assert _audit(app, "document_quarantined") == 1
    office = client_for(app, "vanphong")
    assert "TỐI MẬT" in office.get("/quarantine/list/").get_data(as_text=True)


def test_the_office_confirms_it_is_not_secret(app, world, incoming):
    doc_id = incoming.intake(text="Kế hoạch tổ chức hội nghị")
    held_id, _ = _hold(app, doc_id)
    clerk, office = client_for(app, "vanthu.vphu"), client_for(app, "vanphong")
    assert clerk.get(f"/incomingview/show/{doc_id}").status_code == 404
    assert ("in", doc_id) not in _searched(app, world, "to chuc hoi nghi so ket")
    # Only the office decides; another unit's user learns nothing of the file.
    assert clerk.post(f"/quarantine/decide/{held_id}",
                      data={"decision": "release"}).status_code in (302, 403)
    other = client_for(app, "vanthu.btchu")
    assert other.get(f"/incomingview/file/{_file_id(app, doc_id)}").status_code == 404
    assert clerk.get(f"/incomingview/show/{doc_id}").status_code == 404
    resp = office.post(f"/quarantine/decide/{held_id}",
                       data={"decision": "release", "reason": "Chữ MẬT trong câu"})
    assert resp.status_code == 302
    assert clerk.get(f"/incomingview/show/{doc_id}").status_code == 200
    assert clerk.get(f"/incomingview/file/{_file_id(app, doc_id)}").status_code == 200
    assert ("in", doc_id) in _searched(app, world, "to chuc hoi nghi so ket")
    assert _audit(app, "quarantine_released") == 1
    # The same bytes received again in another document: that one is withheld, not this.
    again_id = incoming.intake(text="Kế hoạch tổ chức hội nghị", symbol="77-CV/TU",
                               allow_duplicate=True)
    assert clerk.get(f"/incomingview/show/{again_id}").status_code == 404
    assert clerk.get(f"/incomingview/show/{doc_id}").status_code == 200
    # Decided once: a second decision is refused, and changes nothing.
    again = office.post(f"/quarantine/decide/{held_id}",
                        data={"decision": "purge", "reason": "Nhầm"}, follow_redirects=True)
    assert "không còn bị tạm giữ" in flashes_text(again.get_data(as_text=True))
    assert _audit(app, "quarantine_purged") == 0


def test_the_office_destroys_the_files_and_the_register_keeps_the_number(app, world,
                                                                          incoming):
    from app.core import storage
    from app.extensions import db
    from app.incoming.models import IncomingDocument

    doc_id = incoming.intake(text="Báo cáo tình hình an ninh")
    held_id, sha = _hold(app, doc_id, "TUYỆT MẬT")
    office = client_for(app, "vanphong")
    page = office.get(f"/quarantine/decide/{held_id}")
    assert page.status_code == 200
    # Destroying needs a reason.
    office.post(f"/quarantine/decide/{held_id}", data={"decision": "purge", "reason": ""})
    with app.app_context():
        assert storage.exists(sha)
    resp = office.post(f"/quarantine/decide/{held_id}",
                       data={"decision": "purge", "reason": "Văn bản TUYỆT MẬT, hủy theo "
                                                            "Quy chế Điều 1"})
    assert resp.status_code == 302
    with app.app_context():
        assert not storage.exists(sha)
        doc = db.session.get(IncomingDocument, doc_id)
        assert doc.arrival_number is not None  # the register keeps the number
        db.session.remove()
    clerk = client_for(app, "vanthu.vphu")
    gone = clerk.get(f"/incomingview/file/{_file_id(app, doc_id)}")
    assert gone.status_code == 410 and "TUYỆT MẬT" in gone.get_data(as_text=True)
    assert clerk.get(f"/incomingview/show/{doc_id}").status_code == 404
    assert "Quy chế Điều 1" in office.get(f"/quarantine/show/{held_id}").get_data(
        as_text=True)
    assert _audit(app, "quarantine_purged") == 1
