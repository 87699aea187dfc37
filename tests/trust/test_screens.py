"""Trust on the real screens and the API: verdicts shown as badges with details, the
reason an unsigned or untrusted e-document needs, secrecy refusals (nothing stored, an
audit event the office lists), legacy text converted, "Kiểm tra lại" scoped and audited,
the agency's signature verified as trusted by the receiving unit."""

import hashlib
import io

from app.core.audit import AuditEvent
from app.incoming.models import IncomingDocument, IncomingFile
from app.trust.models import TrustAnchor
from tests import pki
from tests.conftest import flashes_text, html_of, rows, staged_files, stored_files
from tests.incoming.conftest import created_id
from tests.trust.conftest import load_roots


def _external(incoming, pdf, **fields):
    fields.setdefault("trust_reason", "")
    return incoming.intake_form(pdf=pdf, channel="external", **fields)


def test_intake_screen_shows_each_verdict(app, clients, incoming, trusted):
    clerk = clients("vanthu.vphu")
    cases = [("valid", "Hợp lệ", "Nguyễn Văn A"), ("tampered", "Không toàn vẹn", None),
             ("unknown_ca", "Không tin cậy", "Người Lạ"), ("revoked", "Chứng thư đã bị thu hồi",
                                                           None),
             ("sha1_subfilter", "Chữ ký không kiểm tra được", None)]
    for index, (kind, badge, signer) in enumerate(cases):
        form = _external(incoming, pki.signed(kind), symbol=f"{index + 1}-CV/TU",
                         trust_reason="" if kind == "valid" else "Đã xác minh qua điện thoại")
        resp = clerk.post("/incomingview/intake", data=form, content_type="multipart/form-data")
        doc_id = created_id(resp)
        page = html_of(clerk, f"/incomingview/show/{doc_id}")
        assert badge in page, kind
        if signer:
            assert signer in page
    main = rows(app, IncomingFile, document_id=1)[0]
    assert main["signature_status"] == "valid"
    assert main["trust_report"]["signatures"][0]["trusted"] is True
    events = [e["action"] for e in rows(app, AuditEvent)]
    assert events.count("signature_verified") == 5
    registered = [e for e in rows(app, AuditEvent, action="incoming_registered")]
    assert ["trust_reason" in e["details"] for e in registered] == [False] + [True] * 4
    assert rows(app, IncomingDocument, id=2)[0]["trust_reason"] == "Đã xác minh qua điện thoại"
    listing = html_of(clerk, "/incomingview/list/")
    assert "Đã xác minh qua điện thoại" in listing


def test_unsigned_or_untrusted_e_document_needs_a_reason(app, clients, incoming):
    clerk = clients("vanthu.vphu")
    before = stored_files(app)
    for pdf in (None, pki.signed("tampered"), pki.signed("junk_after_eof"),
                pki.signed("broken_xref"), pki.signed("malformed"), pki.signed("expired")):
        resp = clerk.post("/incomingview/intake", data=_external(incoming, pdf),
                          content_type="multipart/form-data")
        assert resp.status_code == 200
        assert "có giá trị pháp lý" in flashes_text(resp.get_data(as_text=True))
    # Nothing registered; the files are kept only for the form's next submit (the reason).
    assert rows(app, IncomingDocument) == []
    assert stored_files(app) - staged_files(app) == before
    # A scanned paper document needs no signature.
    resp = clerk.post("/incomingview/intake", data=incoming.intake_form(),
                      content_type="multipart/form-data")
    assert resp.status_code == 302


def test_delivered_document_is_verified_and_its_registration_needs_a_reason(app, clients,
                                                                            incoming):
    doc_id = incoming.deliver()
    assert rows(app, IncomingFile, document_id=doc_id)[0]["signature_status"] == "unsigned"
    clerk = clients("vanthu.vphu")
    form = html_of(clerk, f"/incomingview/register/{doc_id}")
    assert "trust_reason" in form
    data = {"arrival_date": incoming.today().strftime("%d/%m/%Y"), "arrival_time": "08:00",
            "author_name": "x", "symbol": "45-BC/BTCHU",
            "document_date": incoming.today().strftime("%d/%m/%Y"),
            "document_type_id": str(incoming.type_id), "summary": "Báo cáo", "urgency": "0",
            "secrecy_confirmed": "y"}
    resp = clerk.post(f"/incomingview/register/{doc_id}", data=data)
    assert resp.status_code == 200 and "Không có chữ ký số" in resp.get_data(as_text=True)
    resp = clerk.post(f"/incomingview/register/{doc_id}",
                      data={**data, "trust_reason": "Bản giấy có dấu đã nhận"})
    assert resp.status_code == 302
    doc = rows(app, IncomingDocument, id=doc_id)[0]
    assert doc["state"] == "registered" and doc["trust_reason"] == "Bản giấy có dấu đã nhận"


def test_secrecy_marked_files_and_symbols_are_refused(app, clients, incoming, api):
    clerk = clients("vanthu.vphu")
    before = stored_files(app)
    for marking in ("MẬT", "tối mật", "TUYET MAT"):
        resp = clerk.post("/incomingview/intake",
                          data=incoming.intake_form(pdf=pki.marked_pdf(marking)),
                          content_type="multipart/form-data")
        assert resp.status_code == 200 and "Điều 1" in resp.get_data(as_text=True)
    resp = clerk.post("/incomingview/intake", data=incoming.intake_form(symbol="12-BC/TU-MẬT"),
                      content_type="multipart/form-data")
    assert resp.status_code == 200 and "Điều 1" in resp.get_data(as_text=True)
    client, headers = api("vanthu.vphu")
    resp = client.post("/api/v1/incoming/intake", headers=headers, data={
        "file": (io.BytesIO(pki.marked_pdf("MẬT")), "mat.pdf"), "arrival_date": "2026-01-05",
        "document_date": "2026-01-02", "document_type_id": str(incoming.type_id),
        "summary": "x", "author_name": "y", "secrecy": "Không mật"},
        content_type="multipart/form-data")
    assert resp.status_code == 422 and "Điều 1" in resp.json["message"]
    # No marked file kept, not even for the form's next submit; the plain file of the
    # refused symbol waits for the corrected form.
    assert rows(app, IncomingDocument) == []
    marked = {f"{h[:2]}/{h}" for h in (hashlib.sha256(pki.marked_pdf(m)).hexdigest()
                                       for m in ("MẬT", "tối mật", "TUYET MAT"))}
    assert not marked & stored_files(app)
    assert stored_files(app) - staged_files(app) == before
    refusals = rows(app, AuditEvent, action="secrecy_refused")
    assert len(refusals) == 5
    office = clients("vanphong")
    listing = html_of(office, "/auditeventview/list/?_flt_0_action=secrecy_refused")
    assert "secrecy_refused" in listing or "Điều 1" in listing
    # An ordinary document that speaks of "bí mật" is accepted.
    resp = clerk.post("/incomingview/intake", data=incoming.intake_form(
        pdf=pki.marked_pdf("Ghi chú")), content_type="multipart/form-data")
    assert resp.status_code == 302


def test_legacy_text_is_converted_and_the_clerk_told(app, clients, incoming, api):
    clerk = clients("vanthu.vphu")
    resp = clerk.post("/incomingview/intake", data=incoming.intake_form(
        summary="B¸o c¸o tæng kÕt c«ng t¸c n¨m 2026", author_name="Ban Toå chöùc Tænh uûy"),
        content_type="multipart/form-data", follow_redirects=True)
    page = resp.get_data(as_text=True)
    assert "TCVN3" in page and "VNI" in page
    doc = rows(app, IncomingDocument)[0]
    assert doc["summary"] == "Báo cáo tổng kết công tác năm 2026"
    assert doc["author_name"] == "Ban Tổ chức Tỉnh ủy"
    # API JSON: the same conversion and NFC, without a flash.
    from app.incoming.models import Rejection

    pending = incoming.deliver()
    client, headers = api("vanthu.vphu")
    resp = client.post(f"/api/v1/incoming/{pending}/refuse", headers=headers,
                       json={"reason": "Sai thÓ thøc v¨n b¶n"})
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert rows(app, Rejection)[0]["reason"] == "Sai thể thức văn bản"


def test_legacy_font_flagged_on_the_page(app, clients, incoming):
    clerk = clients("vanthu.vphu")
    doc_id = created_id(clerk.post("/incomingview/intake", data=incoming.intake_form(
        pdf=pki.legacy_font_pdf()), content_type="multipart/form-data"))
    assert ".VnTime" in html_of(clerk, f"/incomingview/show/{doc_id}")


def test_recheck_after_the_root_is_loaded_scoped_and_audited(app, clients, incoming, api):
    clerk = clients("vanthu.vphu")
    doc_id = created_id(clerk.post("/incomingview/intake", data=_external(
        incoming, pki.signed("valid"), trust_reason="Chưa có chứng thư gốc"),
        content_type="multipart/form-data"))
    file_id = rows(app, IncomingFile, document_id=doc_id)[0]["id"]
    assert rows(app, IncomingFile, id=file_id)[0]["signature_status"] == "untrusted"
    assert clients("vanthu.btchu").post(f"/incomingview/recheck/{file_id}").status_code == 404
    assert clients("chuyenvien.vphu").post(f"/incomingview/recheck/{file_id}").status_code \
        == 403
    # The admin loads the root through the screen.
    admin = clients("admin")
    assert clients("vanthu.vphu").get("/trustanchorview/list/").status_code in (302, 403)
    resp = admin.post("/trustanchorview/upload", data={
        "file": (io.BytesIO(pki.pki().chain_pem()), "vgca.pem")},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    assert "TEST VGCA Sub CA" in html_of(admin, "/trustanchorview/list/")
    resp = admin.post("/trustanchorview/upload", data={
        "file": (io.BytesIO(b"not a certificate"), "x.pem")}, content_type="multipart/form-data")
    assert resp.status_code == 200
    resp = clerk.post(f"/incomingview/recheck/{file_id}")
    assert resp.status_code == 302
    assert clients("qtdv.vphu").post("/trustanchorview/disable/1").status_code in (302, 403)
    assert rows(app, TrustAnchor, id=1)[0]["active"] is True
    assert rows(app, IncomingFile, id=file_id)[0]["signature_status"] == "valid"
    assert "Hợp lệ" in html_of(clerk, f"/incomingview/show/{doc_id}")
    assert rows(app, AuditEvent, action="signature_rechecked")
    # The API gives the same evidence, and re-checks within the same scope.
    client, headers = api("vanthu.vphu")
    resp = client.get(f"/api/v1/incoming/{doc_id}/files", headers=headers)
    assert resp.status_code == 200
    assert resp.json["result"][0]["signature_status"] == "valid"
    assert resp.json["result"][0]["intact_in_store"] is True
    resp = client.post(f"/api/v1/incoming/{doc_id}/files/{file_id}/recheck", headers=headers)
    assert resp.status_code == 200
    other, other_headers = api("vanthu.btchu")
    assert other.get(f"/api/v1/incoming/{doc_id}/files", headers=other_headers).status_code \
        == 404
    assert other.post(f"/api/v1/incoming/{doc_id}/files/{file_id}/recheck",
                      headers=other_headers).status_code == 404
    unit_admin, unit_admin_headers = api("qtdv.vphu")
    assert unit_admin.get(f"/api/v1/incoming/{doc_id}/files",
                          headers=unit_admin_headers).status_code == 403
    official, official_headers = api("chuyenvien.vphu")
    assert official.post(f"/api/v1/incoming/{doc_id}/files/{file_id}/recheck",
                         headers=official_headers).status_code == 403


def test_api_intake_verdicts(app, api, incoming, trusted):
    client, headers = api("vanthu.vphu")

    def post(kind, symbol, **extra):
        return client.post("/api/v1/incoming/intake", headers=headers, data={
            "file": (io.BytesIO(pki.signed(kind)), f"{kind}.pdf"), "channel": "external",
            "arrival_date": incoming.today().isoformat(),
            "document_date": incoming.today().isoformat(),
            "document_type_id": str(incoming.type_id), "summary": "Về việc thử",
            "author_name": "Tỉnh ủy", "symbol": symbol, "secrecy": "Không mật", **extra},
            content_type="multipart/form-data")

    resp = post("valid", "1-CV/TU")
    assert resp.status_code == 201 and resp.json["signature_status"] == "valid"
    resp = post("revoked", "2-CV/TU")
    assert resp.status_code == 422 and "thu hồi" in resp.json["message"]
    resp = post("revoked", "2-CV/TU", trust_reason="Đã hỏi lại nơi gửi")
    assert resp.status_code == 201 and resp.json["signature_status"] == "revoked"
    resp = post("junk_after_eof", "3-CV/TU", trust_reason="Tệp hỏng")
    assert resp.status_code == 201 and resp.json["signature_status"] == "unverifiable"


def test_storage_mismatch_shown_on_the_page(app, clients, incoming):
    from app.core import storage

    doc_id = incoming.intake()
    sha = rows(app, IncomingFile, document_id=doc_id)[0]["sha256"]
    with app.app_context():
        path = storage.path_for(sha)
    data = bytearray(open(path, "rb").read())
    data[-20] ^= 0x01
    open(path, "wb").write(bytes(data))
    page = html_of(clients("vanthu.vphu"), f"/incomingview/show/{doc_id}")
    assert "qlvb-integrity-altered" in page


def test_outgoing_final_pdf_verified_and_rechecked_in_scope(app, clients, outgoing):
    from app.outgoing.models import OutgoingFile

    doc_id = outgoing.signed()
    outgoing.number(doc_id)
    clerk = clients("vanthu.vphu")
    resp = clerk.post(f"/outgoingview/final/{doc_id}", data={
        "final_file": (io.BytesIO(pki.signed("unknown_ca")), "ban-ky.pdf")},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    final = [f for f in rows(app, OutgoingFile, document_id=doc_id) if f["kind"] == "final"][0]
    assert final["signature_status"] == "untrusted"
    assert "Không tin cậy" in html_of(clerk, f"/outgoingview/show/{doc_id}")
    assert clients("vanthu.btchu").post(f"/outgoingview/recheck/{final['id']}").status_code \
        == 404
    assert clients("chuyenvien.vphu").post(f"/outgoingview/recheck/{final['id']}"
                                           ).status_code == 403
    load_roots(app, pki.pki().root_pem(), pki.pki().crl_pem())
    assert clerk.post(f"/outgoingview/recheck/{final['id']}").status_code == 302
    assert rows(app, OutgoingFile, id=final["id"])[0]["signature_status"] == "untrusted"
    # A secrecy-marked final PDF is refused like at intake.
    before = stored_files(app)
    resp = clerk.post(f"/outgoingview/final/{doc_id}", data={
        "final_file": (io.BytesIO(pki.marked_pdf("TUYỆT MẬT")), "mat.pdf")},
        content_type="multipart/form-data")
    assert resp.status_code == 200 and "Điều 1" in resp.get_data(as_text=True)
    assert stored_files(app) == before


def test_admin_disables_a_root_and_the_verdict_follows(app, clients, incoming):
    load_roots(app, pki.pki().root_pem())
    clerk = clients("vanthu.vphu")
    doc_id = created_id(clerk.post("/incomingview/intake", data=_external(
        incoming, pki.signed("valid")), content_type="multipart/form-data"))
    file_id = rows(app, IncomingFile, document_id=doc_id)[0]["id"]
    assert rows(app, IncomingFile, id=file_id)[0]["signature_status"] == "valid"
    anchor = rows(app, TrustAnchor)[0]
    assert clients("admin").post(f"/trustanchorview/disable/{anchor['id']}").status_code == 302
    assert rows(app, TrustAnchor)[0]["active"] is False
    assert rows(app, AuditEvent, action="trust_anchor_disabled")
    clerk.post(f"/incomingview/recheck/{file_id}")
    assert rows(app, IncomingFile, id=file_id)[0]["signature_status"] == "untrusted"


def test_the_list_shows_a_one_word_signature_badge(app, clients, incoming, trusted):
    import re

    clerk = clients("vanthu.vphu")
    for index, kind in enumerate(("valid", "unknown_ca", "tampered")):
        form = _external(incoming, pki.signed(kind), symbol=f"{index + 1}-CV/TU",
                         trust_reason="" if kind == "valid" else "Đã xác minh qua điện thoại")
        created_id(clerk.post("/incomingview/intake", data=form,
                              content_type="multipart/form-data"))
    created_id(incoming.post_intake(clerk, symbol="9-CV/TU"))  # a scan, not signed
    page = html_of(clerk, "/incomingview/list/")
    for word in ("hợp lệ", "cảnh báo", "không hợp lệ", "không ký"):
        assert f">{word}</span>" in page, word
    assert "Đã xác minh qua điện thoại" in page  # in the badge's title only
    visible = re.sub(r"<[^>]*>", " ", page)
    for long in ("Không tin cậy", "Không toàn vẹn", "Không có chữ ký số",
                 "Đã xác minh qua điện thoại"):
        assert long not in visible, long
