"""The intake form's pre-fill (docs/domain.md §5.3): the scan the clerk chose is sent to
/ocr/prefill, recognised in a job (inline here), and the register fields come back by form
field for the form's script to fill and mark "Đọc từ trang"; polling answers the asking
clerk only. A scanned secrecy stamp is said at once."""

import io

import pytest

from app.ocr import engine
from tests.conftest import client_for
from tests.ocr import corpus

MISSING = engine.missing()
needs_engine = pytest.mark.skipif(
    MISSING is not None, reason=f"OCR unavailable: {MISSING} missing (make ocr-deps)")


def _post(client, data, name="bản quét.pdf"):
    return client.post("/ocr/prefill", data={"main_file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


@needs_engine
def test_the_fields_are_read_from_the_scan_for_the_form(app, world, incoming):
    clerk = client_for(app, "vanthu.vphu")
    scan = corpus.scan(corpus.text_pdf(corpus.DOCUMENTS[0]), dpi=300)
    answer = _post(clerk, scan).get_json()
    assert answer["state"] == "done", answer
    fields = answer["fields"]
    assert fields["symbol"] == "125-CV/TU"
    assert fields["document_date"] == "20/11/2026"
    assert fields["author_name"] == "TỈNH ỦY HƯNG YÊN"
    assert fields["signer_name"] == "Nguyễn Văn Hùng"
    assert fields["document_type_id"] == incoming.type_id  # "Công văn" of this installation
    assert fields["summary"].startswith("V/v tổ chức Hội nghị") or \
        fields["summary"].startswith("tổ chức Hội nghị")
    # Polling gives the same answer to the clerk who asked, and nothing to another.
    again = clerk.get(answer["poll"]).get_json()
    assert again["fields"] == fields
    assert client_for(app, "vanthu.btchu").get(answer["poll"]).status_code == 404


@needs_engine
def test_a_secrecy_stamp_is_said_at_once(app, world, incoming):
    clerk = client_for(app, "vanthu.vphu")
    scan = corpus.scan(corpus.marked(corpus.text_pdf(corpus.DOCUMENTS[2]), "MẬT"), dpi=300)
    answer = _post(clerk, scan).get_json()
    assert "fields" not in answer and "MẬT" in answer["error"]


def test_bad_input_is_answered_in_vietnamese(app, world, incoming):
    clerk = client_for(app, "vanthu.vphu")
    none = clerk.post("/ocr/prefill", data={}, content_type="multipart/form-data")
    assert none.status_code == 400 and none.get_json()["error"]
    bad = _post(clerk, b"not a pdf", "x.pdf")
    assert bad.status_code == 400 and "PDF" in bad.get_json()["error"]
    # A born-digital PDF needs no recognition: the fields come from its text layer.
    answer = _post(clerk, corpus.text_pdf(corpus.DOCUMENTS[0])).get_json()
    assert answer["state"] == "done" and answer["fields"]["symbol"] == "125-CV/TU"
    # Nothing readable: the form is told to be filled by hand.
    from tests import pdfs

    answer = _post(clerk, pdfs.clean_pdf("Kế hoạch")).get_json()
    assert answer["state"] == "done" and answer["fields"] == {} and answer["message"]


def test_only_who_receives_documents_may_ask(app, world, incoming):
    scan = b"%PDF-1.4"
    assert _post(client_for(app, "lanhdao.vphu"), scan).status_code in (302, 403)
    assert _post(client_for(app, "qtdv.vphu"), scan).status_code in (302, 403)


def test_the_intake_form_includes_the_script(app, world, incoming):
    page = client_for(app, "vanthu.vphu").get("/incomingview/intake").get_data(as_text=True)
    assert "ocr/prefill.js" in page and 'data-url="/ocr/prefill"' in page
    assert 'name="main_file"' in page
