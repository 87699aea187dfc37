"""The register, report and usage screens: who may open them (403 without the role, 404
for another unit's register), bad input answered with a message (never a 500), downloads
recorded in the audit trail; the landing page of each role; the PDF processing slip."""

import logging

import pytest
from sqlalchemy import select

from tests.checks import Failures
from tests.registers.conftest import pdf_text, xlsx_rows


def _events(app, action):
    from app.core.audit import AuditEvent
    from app.extensions import db

    with app.app_context():
        out = [(e.username, e.details_dict()) for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id))
            .scalars()]
        db.session.remove()
    return out


def test_register_download_and_audit(app, seeded, clients):
    y = seeded.year
    resp = clients("vanthu.vphu").get(
        f"/registers/download?unit={seeded['vphu']}&kind=incoming&period=quarter&year={y}"
        "&quarter=1&format=xlsx&volume=3")
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    _sheet, rows = xlsx_rows(resp.data)
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Ngày đến")
    assert [r[1] for r in rows[header_at + 1:]] == [1, 2, 3, 4]
    assert f"Từ ngày 01/01/{y} đến ngày 31/03/{y}" in [r[0] for r in rows]
    assert "Quyển số: 3" in [r[0] for r in rows]
    resp = clients("lanhdao.vphu").get(
        f"/registers/download?unit=VPHU&kind=outgoing&period=year&year={y}&format=pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    pages = pdf_text(resp.data)
    assert "In bởi Test Lanhdao lúc" in pages[0] and "Trang 1/1" in pages[1]
    assert [(u, d["kind"], d["format"], d["rows"]) for u, d in _events(
        app, "register_printed")] == [("vanthu.vphu", "incoming", "xlsx", 4),
                                      ("lanhdao.vphu", "outgoing", "pdf", 4)]
    html = clients("vanthu.vphu").get("/registers/").get_data(as_text=True)
    assert "Văn phòng Huyện ủy" in html and "Ban Tổ chức Huyện ủy" not in html
    html = clients("vanphong").get("/registers/").get_data(as_text=True)
    assert "Văn phòng Huyện ủy" in html and "Ban Tổ chức Huyện ủy" in html


def test_scope_of_registers_reports_and_usage(app, seeded, clients):
    y = seeded.year
    vphu, btchu = seeded["vphu"], seeded["btchu"]
    register = f"/registers/download?kind=incoming&period=year&year={y}&format=pdf&unit="
    failures = Failures()
    cases = [
        # Another unit's register or report: 404 (the unit is outside the user's scope).
        ("vanthu.btchu", register + str(vphu), 404),
        ("lanhdao.btchu", register + "VPHU", 404),
        ("vanthu.vphu", register + str(btchu), 404),
        ("vanthu.vphu", register + "99999", 404),
        ("vanthu.btchu", f"/reports/backlog?unit={vphu}", 404),
        ("lanhdao.vphu", f"/reports/documents?unit={btchu}&period=year&year={y}", 404),
        ("vanthu.vphu", "/reports/documents?unit=all", 404),
        ("vanthu.vphu", "/reports/nonsense", 404),
        # Without the role: 403.
        ("chuyenvien.vphu", "/registers/", 403),
        ("chuyenvien.vphu", register + str(vphu), 403),
        ("chuyenvien.vphu", "/reports/backlog", 403),
        ("qtdv.vphu", register + str(vphu), 403),
        ("qtdv.vphu", "/reports/", 403),
        ("vanthu.vphu", "/usage/", 403),
        ("lanhdao.vphu", "/usage/?format=xlsx", 403),
        ("chuyenvien.vphu", "/usage/", 403),
        (None, "/registers/", 302),
        # Allowed.
        ("vanphong", register + str(btchu), 200),
        ("admin", register + str(btchu), 200),
        ("vanphong", f"/reports/backlog?unit={btchu}", 200),
        ("vanphong", "/reports/backlog?unit=all", 200),
        ("vanphong", f"/usage/?period=year&year={y}", 200),
        ("lanhdao.btchu", f"/reports/backlog?unit={btchu}", 200),
    ]
    for user, url, code in cases:
        failures.expect(clients(user).get(url), code, f"{user} {url}")
    failures.assert_none()
    # Nothing was printed by the refused requests.
    assert [u for u, _d in _events(app, "register_printed")] == ["vanphong", "admin"]
    # The backlog of "all units" holds both units' open documents, a unit's only its own.
    office = clients("vanphong").get("/reports/backlog?unit=all").get_data(as_text=True)
    own = clients("lanhdao.btchu").get("/reports/backlog").get_data(as_text=True)
    assert f"4/{y}" in office and f"1/{y}" in own and f"4/{y}" not in own


@pytest.mark.parametrize("query, message", [
    ("period=range&start=02/04/2025&end=01/04/2025", "Ngày kết thúc trước ngày bắt đầu"),
    ("period=range&start=hôm+qua&end=01/04/2025", "Hãy nhập ngày bắt đầu dạng dd/mm/yyyy"),
    ("period=month&year=abc&month=1", "Hãy nhập một số"),
    ("period=quarter&year=2025&quarter=7", "Hãy nhập số từ 1 đến 4"),
    ("period=century&year=2025", "Hãy chọn tháng, quý, năm hoặc một khoảng ngày"),
    ("period=year&year=2025&format=docx", "Hãy chọn PDF hoặc XLSX"),
    ("period=year&year=2025&kind=secret", "Hãy chọn sổ văn bản đến hoặc sổ văn bản đi"),
])
def test_bad_input_gets_a_message_never_a_500(app, world, clients, caplog, monkeypatch, query,
                                              message):
    # The session's migration run switches off the loggers that existed before it.
    monkeypatch.setattr(logging.getLogger("app.registers.views"), "disabled", False)
    caplog.set_level(logging.INFO, logger="app.registers.views")
    clerk = clients("vanthu.vphu")
    resp = clerk.get(f"/registers/download?unit={world.ids['vphu']}&{query}")
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert any("RegisterView refused" in r.getMessage() for r in caplog.records)
    if "kind=" not in query:
        resp = clerk.get(f"/reports/documents?{query}")
        assert resp.status_code == 400 and message in resp.get_data(as_text=True)
    assert _events(app, "register_printed") == [] and _events(app, "report_printed") == []


def test_landing_page_of_each_role(app, seeded, clients):
    from app.extensions import db
    from app.incoming.models import IncomingDocument

    with app.app_context():  # one urgent document waiting in VPHU's inbox
        db.session.add(IncomingDocument(unit_id=seeded["vphu"], state="pending", urgency=3,
                                        channel="electronic", summary="Hỏa tốc"))
        db.session.commit()
        db.session.remove()

    def card(html, key):
        import re

        m = re.search(rf'id="qlvb-card-{key}"[^<]*<div[^<]*</div>\s*<div[^<]*<a[^>]*>(\d+)<',
                      html)
        return int(m.group(1)) if m else None

    clerk = clients("vanthu.vphu").get("/").get_data(as_text=True)
    # Inbox: the unregistered one and the urgent one; urgent and open: no. 3, the new one.
    assert card(clerk, "receive") == 2 and card(clerk, "urgent") == 2
    assert card(clerk, "assign") is None
    assert clerk.count("<svg") == 2 and "Văn bản đến đang giải quyết" in clerk
    head = clients("lanhdao.vphu").get("/").get_data(as_text=True)
    assert card(head, "assign") == 1 and card(head, "overdue") == 1
    assert card(head, "receive") is None
    official = clients("chuyenvien.vphu").get("/").get_data(as_text=True)
    assert card(official, "process") == 1 and card(official, "overdue") == 1
    assert card(official, "urgent") == 0 and "<svg" not in official
    office = clients("vanphong").get("/").get_data(as_text=True)
    assert office.count("<svg") == 2 and card(office, "urgent") == 2
    assert "http://" not in office.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_processing_slip_pdf(app, seeded, clients):
    doc = seeded["in2"]
    resp = clients("vanthu.vphu").get(f"/incomingview/slip/{doc}/pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = " ".join(pdf_text(resp.data)[0].split())
    assert "PHIẾU GIẢI QUYẾT VĂN BẢN ĐẾN" in text
    assert f"2/{seeded.year}" in text and "345/UBND-VP" in text
    assert "Ủy ban nhân dân huyện Kim Động" in text and "In bởi Test Vanthu lúc" in text
    assert [u for u, _d in _events(app, "slip_printed")] == ["vanthu.vphu"]
    failures = Failures()
    failures.expect(clients("vanthu.btchu").get(f"/incomingview/slip/{doc}/pdf"), 404,
                    "other unit")
    failures.expect(clients("qtdv.vphu").get(f"/incomingview/slip/{doc}/pdf"), 403,
                    "no role")
    failures.expect(clients("vanphong").get(f"/incomingview/slip/{doc}/pdf"), 200, "office")
    failures.assert_none()


def test_year_bundle_for_binding(app, seeded, clients):
    import io
    import zipfile

    y = seeded.year
    c = clients("vanthu.vphu")
    # Built as a background job (inline here): the page of the job, then its result.
    resp = c.get(f"/registers/bundle?unit={seeded['vphu']}&year={y}")
    assert resp.status_code == 302 and "/myjobs/" in resp.headers["Location"]
    page = c.get(resp.headers["Location"]).get_data(as_text=True)
    assert "100%" in page and "Tải kết quả" in page
    resp = c.get(resp.headers["Location"] + "/result")
    assert resp.status_code == 200 and resp.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(resp.data)) as bundle:
        names = sorted(bundle.namelist())
        covers = {name: pdf_text(bundle.read(name))[0] for name in names}
    assert names == [f"{k}-VPHU-{y}.pdf" for k in ("so-dang-ky-van-ban-den",
                                                   "so-dang-ky-van-ban-di",
                                                   "so-theo-doi-giai-quyet-van-ban-den")]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐẾN" in covers[names[0]] and "Từ số 1 đến số 7" in covers[names[0]]
    assert "SỔ ĐĂNG KÝ VĂN BẢN ĐI" in covers[names[1]]
    assert "SỔ THEO DÕI GIẢI QUYẾT VĂN BẢN ĐẾN" in covers[names[2]]
    assert all(f"Năm {y}" in c and f"Quyển số: {y}" in c for c in covers.values())
    assert _events(app, "register_printed") == [("vanthu.vphu", {
        "unit": "VPHU", "kind": "year", "from": f"{y}-01-01", "to": f"{y}-12-31",
        "format": "zip", "rows": {"incoming": 7, "outgoing": 4, "tracking": 5}})]
    failures = Failures()
    failures.expect(clients("vanthu.btchu").get(
        f"/registers/bundle?unit={seeded['vphu']}&year={y}"), 404, "other unit")
    failures.expect(clients("chuyenvien.vphu").get(
        f"/registers/bundle?unit={seeded['vphu']}&year={y}"), 403, "no role")
    bad = clients("vanthu.vphu").get(f"/registers/bundle?unit={seeded['vphu']}&year=abc")
    failures.expect(bad, 400, "bad year")
    failures.check("Hãy nhập một số" in bad.get_data(as_text=True), "message of a bad year")
    failures.assert_none()


def test_register_downloads_are_named_in_vietnamese(app, seeded, clients):
    y = seeded.year
    resp = clients("vanthu.vphu").get(
        f"/registers/download?unit={seeded['vphu']}&kind=incoming&period=month&year={y}"
        "&month=11&format=pdf")
    assert resp.status_code == 200
    header = resp.headers["Content-Disposition"]
    assert f'filename="so-dang-ky-van-ban-den-VPHU-{y}-11.pdf"' in header
    assert ("filename*=UTF-8''s%E1%BB%95%20%C4%91%C4%83ng%20k%C3%BD%20v%C4%83n%20b%E1%BA%A3n"
            f"%20%C4%91%E1%BA%BFn%20VPHU%20{y}-11.pdf") in header
