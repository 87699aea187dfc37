"""Data that should be refused or cleaned at the incoming screens and API (issue 12,
defects 6 and 7, and the API's messages): dates out of any sane range, control characters
and bidirectional overrides, a file named for another type than its content, LIKE
wildcards in API filters, an oversized text field, text in other languages mistaken for
a legacy Vietnamese encoding, marshmallow's and FAB's messages in English."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests import pdfs
from tests.conftest import flashes_text
from tests.incoming.conftest import created_id

BASE = "/api/v1/incoming"


def _rows(app, model, **where):
    from app.extensions import db

    with app.app_context():
        query = select(model).filter_by(**where).order_by(model.id)
        out = [{c.name: getattr(r, c.name) for c in r.__table__.columns}
               for r in db.session.execute(query).scalars()]
        db.session.remove()
    return out


def _entry_json(incoming, **overrides):
    today = incoming.today()
    data = {"arrival_date": today.isoformat(), "arrival_time": "09:00",
            "symbol": "45-BC/BTCHU", "author_name": "Ban Tổ chức Huyện ủy",
            "document_date": (today - timedelta(days=2)).isoformat(),
            "document_type_id": incoming.type_id, "summary": "Báo cáo công tác tổ chức",
            "urgency": 0, "secrecy": "Không mật", "trust_reason": "Bản thử nghiệm chưa ký số"}
    data.update(overrides)
    return data


# -- dates -----------------------------------------------------------------------------------

@pytest.mark.parametrize("field,value", [
    ("document_date", "01/01/0001"), ("document_date", "31/12/1899"),
    ("reply_deadline", "31/12/9999"), ("arrival_date", "01/01/0001")])
def test_dates_out_of_range_are_refused_on_the_form(app, world, clients, incoming, field, value):
    from app.incoming.models import IncomingDocument

    resp = incoming.post_intake(clients("vanthu.vphu"), **{field: value})
    assert resp.status_code == 200
    page = flashes_text(resp.get_data(as_text=True))
    assert "phải nằm trong khoảng từ 01/01/1945" in page
    assert _rows(app, IncomingDocument) == []


def test_dates_out_of_range_are_refused_by_the_api(app, world, api, incoming):
    pending = incoming.deliver()
    client, headers = api("vanthu.vphu")
    for overrides in ({"document_date": "0001-01-01"}, {"document_date": "1899-12-31"},
                      {"reply_deadline": "9999-12-31"}):
        resp = client.post(f"{BASE}/{pending}/register", headers=headers,
                           json=_entry_json(incoming, **overrides))
        assert resp.status_code == 422, resp.get_data(as_text=True)
        assert "phải nằm trong khoảng từ 01/01/1945" in resp.json["message"]
    assert incoming.get(pending)["state"] != "registered"
    resp = client.post(f"{BASE}/{pending}/register", headers=headers,
                       json=_entry_json(incoming, document_date="1946-03-02"))
    assert resp.status_code == 200, resp.get_data(as_text=True)
    doc_id = incoming.intake()
    head, head_headers = api("lanhdao.vphu")
    resp = head.post(f"{BASE}/{doc_id}/assign", headers=head_headers, json={
        "parties": [{"role": "lead", "user_id": world.ids["chuyenvien.vphu"],
                     "deadline": "9999-12-31"}]})
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert "Hạn xử lý phải nằm trong khoảng" in resp.json["message"]


# -- control characters ------------------------------------------------------------------------

HOSTILE = "Về việc\x00 kiểm tra\u202e cdp.exe\u202c\x07 dữ liệu\u2066\u2069\nDòng hai\tcột"
CLEANED = "Về việc kiểm tra cdp.exe dữ liệu\nDòng hai\tcột"


def test_control_characters_are_stripped_from_forms_and_api(app, world, clients, api,
                                                            incoming):
    from app.incoming.models import IncomingDocument, Rejection

    doc_id = created_id(incoming.post_intake(clients("vanthu.vphu"), summary=HOSTILE,
                                             signer_name="Nguyễn\u200f Văn\x1b An"))
    doc = _rows(app, IncomingDocument, id=doc_id)[0]
    assert doc["summary"] == CLEANED
    assert doc["signer_name"] == "Nguyễn Văn An"
    pending = incoming.deliver()
    client, headers = api("vanthu.vphu")
    resp = client.post(f"{BASE}/{pending}/refuse", headers=headers,
                       json={"reason": "Sai\x00 thể thức\u202e"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert _rows(app, Rejection)[0]["reason"] == "Sai thể thức"


# -- file names ---------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_a_stored_name_says_the_type_its_content_was_checked_as(app, world, clients,
                                                              incoming):
    from app.incoming.models import IncomingFile

    clerk = clients("vanthu.vphu")
    doc_id = created_id(incoming.post_intake(
        clerk, pdf=pdfs.clean_pdf("Tệp đổi tên"), filename="công văn.exe",
        attachments=[(PNG, "ảnh\u202egnp.exe"), (pdfs.clean_pdf("Phụ lục"), "phụ lục")]))
    names = sorted(f["name"] for f in _rows(app, IncomingFile, document_id=doc_id))
    assert names == sorted(["công văn.pdf", "ảnhgnp.png", "phụ lục.pdf"])


# -- LIKE wildcards -----------------------------------------------------------------------------

def test_api_text_filters_match_wildcards_literally(app, world, api):
    from app.extensions import db
    from app.units.models import Unit

    with app.app_context():
        db.session.add(Unit(name="Chi bộ 10% đảng viên", abbreviation="CB_10", kind="advisory"))
        db.session.commit()
        db.session.remove()
    client, headers = api("admin")

    def names(opr, value, col="name"):
        resp = client.get(f"/api/v1/unit/?q=(filters:!((col:{col},opr:{opr},value:'{value}')))",
                          headers=headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return [r["name"] for r in resp.json["result"]]

    assert names("ct", "%") == ["Chi bộ 10% đảng viên"]
    assert names("ct", "_", col="abbreviation") == ["Chi bộ 10% đảng viên"]
    assert names("sw", "%") == []
    assert names("ew", "_") == []
    assert names("sw", "Chi bộ 10%") == ["Chi bộ 10% đảng viên"]
    assert len(names("nct", "%")) == 3


# -- a text field past the form memory limit ---------------------------------------------------

def test_a_huge_text_field_is_told_as_a_text_field_not_a_file(app, world, clients, incoming):
    resp = incoming.post_intake(clients("vanthu.vphu"), summary="Dài " * 300_000)
    assert resp.status_code == 413
    page = resp.get_data(as_text=True)
    assert "Một trường văn bản dài quá" in page and "50 MB" not in page


# -- text in other languages ----------------------------------------------------------------------

SPANISH = "El niño comió una manzana en España, señora"
GERMAN = "Grüße aus München: die Größe der Übung ist schön"


def test_text_in_other_languages_is_kept_and_legacy_text_converted_with_a_way_back(
        app, world, clients, api, incoming):
    from app.incoming.models import IncomingDocument, Rejection

    clerk = clients("vanthu.vphu")
    doc_id = created_id(incoming.post_intake(clerk, summary=SPANISH, author_name=GERMAN,
                                             pdf=pdfs.clean_pdf("Văn bản tiếng nước ngoài")))
    doc = _rows(app, IncomingDocument, id=doc_id)[0]
    assert (doc["summary"], doc["author_name"]) == (SPANISH, GERMAN)
    # Legacy text: converted, and the clerk is shown both and told the way back.
    resp = clerk.post("/incomingview/intake", data=incoming.intake_form(
        symbol="77-CV/TU", summary="B¸o c¸o tæng kÕt c«ng t¸c n¨m 2026",
        pdf=pdfs.clean_pdf("Văn bản bảng mã cũ")),
        content_type="multipart/form-data", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "“B¸o c¸o tæng kÕt c«ng t¸c n¨m 2026” thành “Báo cáo tổng kết công tác năm " \
           "2026”" in page
    assert "Giữ nguyên văn bản như đã gõ" in page
    # The way back: the same text sent with the box ticked stays as typed.
    typed = "B¸o c¸o tæng kÕt"
    doc_id = created_id(incoming.post_intake(clerk, symbol="78-CV/TU", summary=typed,
                                             qlvb_keep_typed="y",
                                             pdf=pdfs.clean_pdf("Văn bản giữ nguyên")))
    assert _rows(app, IncomingDocument, id=doc_id)[0]["summary"] == typed
    # The API says what it converted, and keeps text as typed when asked.
    client, headers = api("vanthu.vphu")
    pending = incoming.deliver()
    resp = client.post(f"{BASE}/{pending}/refuse", headers=headers,
                       json={"reason": "Sai thÓ thøc v¨n b¶n"})
    assert resp.status_code == 200
    assert resp.json["text_converted"] == [{"field": "reason", "encoding": "tcvn3",
                                            "original": "Sai thÓ thøc v¨n b¶n",
                                            "converted": "Sai thể thức văn bản"}]
    other = incoming.deliver(symbol="46-BC/BTCHU", text="Văn bản khác")
    resp = client.post(f"{BASE}/{other}/refuse", json={"reason": "Sai thÓ thøc"},
                       headers={**headers, "X-Keep-As-Typed": "1"})
    assert resp.status_code == 200 and "text_converted" not in resp.json
    assert [r["reason"] for r in _rows(app, Rejection)] == ["Sai thể thức văn bản",
                                                            "Sai thÓ thøc"]


def test_the_page_offers_to_keep_text_as_typed(app, world, clients):
    page = clients("vanthu.vphu").get("/incomingview/intake").get_data(as_text=True)
    assert 'id="qlvb-keep-typed"' in page and 'name="qlvb_keep_typed"' in page


# -- the API's messages ----------------------------------------------------------------------------

def test_api_validation_messages_are_vietnamese(app, world, api, incoming):
    admin, headers = api("admin")
    resp = admin.post("/api/v1/unit/", headers=headers, json={"parent_id": "abc"})
    assert resp.status_code in (400, 422)
    messages = resp.json["message"]
    assert messages["name"] == ["Thiếu dữ liệu cho trường bắt buộc."]
    assert messages["parent_id"] == ["Số nguyên không hợp lệ."]
    resp = admin.get("/api/v1/unit/99999", headers=headers)
    assert resp.status_code == 404 and resp.json["message"] == "Không tìm thấy"
    resp = admin.post("/api/v1/unit/", headers=headers, data="x", content_type="text/plain")
    assert resp.status_code == 400 and "JSON" in resp.json["message"]
    assert "Request" not in resp.json["message"]
    clerk, clerk_headers = api("vanthu.vphu")
    pending = incoming.deliver()
    resp = clerk.post(f"{BASE}/{pending}/register", headers=clerk_headers,
                      json=_entry_json(incoming, document_type_id=2**40, urgency=9))
    assert resp.status_code == 400
    assert resp.json["message"]["document_type_id"] == ["Mã định danh không hợp lệ."]
    assert resp.json["message"]["urgency"] == ["Phải nằm trong khoảng từ 0 đến 4."]
