"""The screens of hồ sơ công việc through FAB's routes (docs/domain.md §9): the plan
prepared, approved and printed; a file opened from it, filled, closed and read-only
(409); the transfer and the archive's answer; who is refused (another unit's user: not
found; a user without the role: forbidden)."""

import io
import re
from datetime import date

from app.extensions import db
from app.records.models import FileItem, FilePlan, PlanEntry, TransferBatch, WorkFile
from tests import pdfs
from tests.conftest import flashes_text, html_of
from tests.records.conftest import add_archivist


def _pk(resp, path):
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    m = re.search(rf"{path}/(\d+)$", resp.headers["Location"])
    assert m, resp.headers["Location"]
    return int(m.group(1))


def _flash(client, resp):
    assert resp.status_code == 302, resp.status_code
    return flashes_text(html_of(client, resp.headers["Location"]))


def test_plan_file_transfer_through_the_screens(app, world, records, clients):
    clerk, head, official = (clients("vanthu.vphu"), clients("lanhdao.vphu"),
                             clients("chuyenvien.vphu"))
    # The office prepares the plan, the head approves it.
    plan = _pk(clerk.post("/records/plans/create", data={"year": "2026", "numbering": "plan"}),
               "/records/plans")
    page = _flash(clerk, clerk.post(f"/records/plans/{plan}/heading",
                                    data={"title": "Tổng hợp", "abbreviation": "TH"}))
    assert "Đã thêm đề mục" in page
    with app.app_context():
        heading = db.session.get(FilePlan, plan).headings[0].id
    for title in ("Hồ sơ hội nghị tổng kết", "Hồ sơ kiểm tra"):
        clerk.post(f"/records/plans/{plan}/entry", data={
            "heading": str(heading), "title": title, "retention": str(records.rules["20"]),
            "owner": str(world.ids["chuyenvien.vphu"])})
    page = _flash(clerk, clerk.post(f"/records/plans/{plan}/entry", data={
        "heading": str(heading), "title": "Trùng", "notation": "01.TH",
        "retention": str(records.rules["20"])}))
    assert "Số và ký hiệu 01.TH đã có trong danh mục này" in page
    assert clerk.post(f"/records/plans/{plan}/approve", data={
        "decision_number": "1-QĐ/HU", "decision_date": "05/01/2026"}).status_code == 403
    page = _flash(head, head.post(f"/records/plans/{plan}/approve", data={
        "decision_number": "1-QĐ/HU", "decision_date": "05/01/2026"}))
    assert "Đã phê duyệt danh mục hồ sơ" in page and "01.TH" in page and "02.TH" in page
    resp = clerk.get(f"/records/plans/{plan}/download/pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    resp = clerk.get(f"/records/plans/{plan}/download/xlsx")
    assert resp.status_code == 200 and resp.data.startswith(b"PK")
    # The official opens a file from the plan and fills it.
    with app.app_context():
        entry = db.session.query(PlanEntry).filter_by(plan_id=plan, notation="01.TH").one().id
    fid = _pk(official.post("/records/files/open", data={"entry": str(entry)}), "/records/files")
    doc = records.assigned_document("12-CV/TU", date(2026, 2, 2))
    other = records.incoming.intake(clerk="vanthu.btchu", symbol="13-CV/TU", text="Khác")
    page = _flash(official, official.post(f"/records/files/{fid}/add",
                                          data={"kind": "incoming", "doc_id": str(doc)}))
    assert "Đã đưa văn bản vào hồ sơ 000.00.00.H31.2026.01.TH" in page
    assert official.post(f"/records/files/{fid}/add", data={
        "kind": "incoming", "doc_id": str(other)}).status_code == 404
    resp = official.post(f"/records/files/{fid}/upload", data={
        "paper": (io.BytesIO(pdfs.clean_pdf("Biên bản họp")), "biên bản.pdf"),
        "subject": "Biên bản họp", "doc_date": "10/02/2026", "pages": "2"},
        content_type="multipart/form-data")
    assert "Đã đưa tài liệu vào hồ sơ" in _flash(official, resp)
    # Who else sees it: the head yes; another unit's user no; a user without the role no.
    assert "Biên bản họp" in html_of(head, f"/records/files/{fid}")
    assert clients("chuyenvien.btchu").get(f"/records/files/{fid}").status_code == 404
    assert clients("qtdv.vphu").get(f"/records/files/{fid}").status_code == 403
    assert clerk.get(f"/records/files/{fid}").status_code == 404
    # Close, then read-only.
    page = _flash(official, official.post(f"/records/files/{fid}/close", data={
        "title": "Hồ sơ hội nghị tổng kết năm 2026", "retention": str(records.rules["20"])}))
    assert "Đã kết thúc hồ sơ" in page and "Đã kết thúc" in page
    resp = official.get(f"/records/files/{fid}/download/pdf")
    assert resp.status_code == 200 and resp.data.startswith(b"%PDF")
    with app.app_context():
        item = db.session.query(FileItem).filter_by(file_id=fid).first().id
        before = [(i.id, i.ordinal, i.left_out) for i in db.session.query(FileItem)]
    for path, data in (("add", {"kind": "incoming", "doc_id": str(doc)}),
                       ("remove", {"item": str(item)}),
                       ("leave-out", {"item": str(item), "reason": "draft"}),
                       ("delete", {}), ("close", {})):
        resp = official.post(f"/records/files/{fid}/{path}", data=data)
        assert resp.status_code == 409, (path, resp.status_code)
        assert "Hồ sơ đã đóng" in resp.get_data(as_text=True) or "đang mở" in \
            resp.get_data(as_text=True), path
    with app.app_context():
        assert [(i.id, i.ordinal, i.left_out) for i in db.session.query(FileItem)] == before
    # The unit transfers it; the archive checks and accepts it.
    batch = _pk(clerk.post("/records/transfers/create", data={"file_id": str(fid)}),
                "/records/transfers")
    for form in ("index", "minutes"):
        resp = clerk.get(f"/records/transfers/{batch}/download/{form}")
        assert resp.status_code == 200 and resp.data.startswith(b"%PDF"), form
    assert clients("vanthu.btchu").get(f"/records/transfers/{batch}").status_code == 404
    with app.app_context():
        line = db.session.get(TransferBatch, batch).lines[0].id
    assert head.post(f"/records/transfers/{batch}/check", data={
        "line": str(line), "decision": "accept"}).status_code == 403
    keeper = clients(add_archivist(app, world))
    page = _flash(keeper, keeper.post(f"/records/transfers/{batch}/check", data={
        "line": str(line), "decision": "accept"}))
    assert "Lưu trữ cơ quan đã tiếp nhận hồ sơ" in page and "SHA-256" in page
    with app.app_context():
        assert db.session.get(WorkFile, fid).state == "archived"
    # The archive sees the file, but not the incoming document it may not see directly.
    page = html_of(keeper, f"/records/files/{fid}")
    assert "Văn bản bạn không có quyền xem" in page and "12-CV/TU" not in page
    assert "Biên bản họp" in page
    # …nor in the printed index; the owner's shows it. Each print is in the trail.
    from tests.registers.conftest import pdf_text

    for client, shown in ((keeper, False), (official, True)):
        text = " ".join(pdf_text(client.get(f"/records/files/{fid}/download/pdf").data))
        assert ("12-CV/TU" in text) is shown and "Biên bản họp" in text
    with app.app_context():
        from app.core.audit import AuditEvent

        assert db.session.query(AuditEvent).filter_by(
            action="work_file_index_printed").count() == 3


def test_retention_screen(app, world, records, clients):
    records.plan()
    admin = clients("admin")
    resp = admin.post(f"/records/retention/delete/{records.rules['20']}")
    assert resp.status_code == 409 and "đang được dùng" in resp.get_data(as_text=True)
    page = _flash(admin, admin.post("/records/retention/add", data={
        "code": "10", "label": "10 năm", "kind": "years", "years": "abc"}))
    assert "Hãy nhập số năm" in page
    assert clients("vanthu.vphu").post("/records/retention/add", data={
        "code": "10", "label": "10 năm", "kind": "years", "years": "10"}).status_code == 403
    assert "Bảng thời hạn bảo quản" in html_of(clients("vanthu.vphu"), "/records/retention/")


def test_menu_and_landing_read_vietnamese(app, world, records, clients):
    from app.records import services

    fid = records.open_ad_hoc(start=date(2024, 1, 1))
    records.paper(fid, date(2024, 2, 1))
    records.call(services.close_file, file_id=fid)
    page = html_of(clients("chuyenvien.vphu"), "/")
    assert "Hồ sơ công việc" in page and "Danh mục hồ sơ" in page
    assert re.search(r'id="qlvb-card-files_due".*?>\s*1\s*<', page, re.S)
    assert "Hồ sơ đến hạn nộp lưu" in html_of(clients("chuyenvien.vphu"), "/records/files/due")


def test_a_reply_is_offered_the_file_of_the_document_it_answers(app, world, records, clients):
    from tests.outgoing.conftest import OutgoingKit

    doc = records.assigned_document("14-CV/TU", date(2026, 2, 2))
    holding = records.open_ad_hoc(notation="09.X")
    records.open_ad_hoc(notation="01.X")
    records.add(holding, "incoming", doc)
    reply = OutgoingKit(app, world).draft(reply_to_id=doc)
    official = clients("chuyenvien.vphu")
    assert "Đưa vào hồ sơ" in html_of(official, f"/outgoingview/show/{reply}")
    page = html_of(official, f"/records/files/file-document?kind=outgoing&doc_id={reply}")
    rows = re.findall(r"<tr><td>(000\.00\.00\.H31\.2026\.\d+\.X)( <span[^>]*>Gợi ý)?", page)
    assert rows == [("000.00.00.H31.2026.09.X", ' <span class="label label-success">Gợi ý'),
                    ("000.00.00.H31.2026.01.X", "")]
    resp = official.post(f"/records/files/{holding}/add", data={
        "kind": "outgoing", "doc_id": str(reply), "back": f"/outgoingview/show/{reply}"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith(
        f"/outgoingview/show/{reply}")
    with app.app_context():
        assert db.session.query(FileItem).filter_by(outgoing_id=reply).count() == 1
    assert clients("chuyenvien.btchu").get(
        f"/records/files/file-document?kind=outgoing&doc_id={reply}").status_code == 404
    assert clients("qtdv.vphu").get(
        f"/records/files/file-document?kind=outgoing&doc_id={reply}").status_code == 403


def test_several_documents_at_once_and_bad_numbers(app, world, records, clients):
    docs = [records.assigned_document(f"{n}-CV/TU", date(2026, 2, n)) for n in (3, 1, 2)]
    fid = records.open_ad_hoc()
    official = clients("chuyenvien.vphu")
    page = _flash(official, official.post(f"/records/files/{fid}/add", data={
        "kind": "incoming", "doc_id": "12x, 5"}))
    assert "Hãy nhập số của văn bản" in page
    page = _flash(official, official.post(f"/records/files/{fid}/add", data={
        "kind": "incoming", "doc_id": ", ".join(str(d) for d in docs)}))
    assert "Đã đưa văn bản vào hồ sơ" in page
    with app.app_context():
        got = sorted((i.ordinal, i.incoming_id) for i in
                     db.session.query(FileItem).filter_by(file_id=fid))
        assert got == [(1, docs[1]), (2, docs[2]), (3, docs[0])]
