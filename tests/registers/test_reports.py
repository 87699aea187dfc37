"""Every report's figures against the hand-counted data set of conftest.py."""

from tests.registers.conftest import pdf_text, xlsx_rows


def _report(app, build):
    from app.core.timeutil import local_today
    from app.extensions import db

    with app.app_context():
        report = build(db.session, local_today())
        out = (report.headings, report.rows, report.totals)
        db.session.remove()
    return out


def _year(seeded):
    from app.registers.services import make_period

    return make_period("year", year=seeded.year)


def test_documents_by_type_sender_urgency_channel(app, seeded):
    from app.registers import reports

    vphu = [seeded["vphu"]]
    y = seeded.year

    def by(what, bucket="month", kind="incoming", units=vphu):
        return _report(app, lambda s, t: reports.documents_by(
            s, units, _year(seeded), kind=kind, by=what, bucket=bucket))

    headings, rows, totals = by("type")
    assert headings == ["Loại văn bản", f"01/{y}", f"02/{y}", f"04/{y}", "Tổng số"]
    assert rows == [["Báo cáo", 0, 2, 0, 2], ["Công văn", 2, 0, 2, 4]]
    assert totals == [["Tổng số", 2, 2, 2, 6]]  # the cancelled registration is not counted
    _h, rows, _t = by("channel", bucket="quarter")
    assert _h[1:3] == [f"Quý 1/{y}", f"Quý 2/{y}"]
    assert rows == [["Điện tử", 2, 2, 4], ["Bản giấy", 2, 0, 2]]
    _h, rows, _t = by("urgency", bucket="year")
    assert [r[-1] for r in rows] == [4, 1, 1] and rows[0][0] == "Thường"
    _h, rows, _t = by("sender", bucket="year")
    assert dict((r[0], r[-1]) for r in rows) == {
        "Ban Tổ chức Tỉnh ủy": 1, "Tỉnh ủy Hưng Yên": 4, "Ủy ban nhân dân huyện Kim Động": 1}
    _h, rows, totals = by("type", kind="outgoing")
    assert rows == [["Báo cáo", 0, 1, 0, 1], ["Công văn", 1, 0, 1, 2]]
    _h, rows, _t = by("channel", bucket="year", kind="outgoing")
    assert rows == [["Điện tử và giấy", 1, 1], ["Điện tử", 2, 2]]
    # All units (the office): BTCHU's registration is counted too.
    _h, _rows, totals = by("type", bucket="year", units=None)
    assert totals == [["Tổng số", 7, 7]]


def test_incoming_by_lead_unit_and_official(app, seeded):
    from app.registers import reports

    headings, rows, totals = _report(app, lambda s, t: reports.by_assignee(
        s, [seeded["vphu"]], _year(seeded), t, party="unit"))
    assert headings == ["Đơn vị", "Tổng số", "Hoàn thành đúng hạn", "Hoàn thành quá hạn",
                        "Đang giải quyết, trong hạn", "Quá hạn", "Không có hạn"]
    assert rows == [["Ban Tổ chức Huyện ủy", 3, 1, 0, 1, 0, 1]]
    _h, rows, totals = _report(app, lambda s, t: reports.by_assignee(
        s, [seeded["vphu"]], _year(seeded), t, party="person"))
    assert rows == [["Test Chuyenvien", 2, 0, 1, 0, 1, 0]]
    assert totals == [["Tổng số", 2, 0, 1, 0, 1, 0]]
    # BTCHU's own documents: none led by anyone.
    _h, rows, _t = _report(app, lambda s, t: reports.by_assignee(
        s, [seeded["btchu"]], _year(seeded), t))
    assert rows == []


def test_backlog(app, seeded):
    from datetime import date

    from app.core.timeutil import local_today
    from app.registers import reports

    headings, rows, _t = _report(app, lambda s, t: reports.backlog(s, [seeded["vphu"]], t))
    assert headings[:5] == ["Số đến", "Trích yếu", "Chủ trì", "Hạn xử lý", "Số ngày quá hạn"]
    y = seeded.year
    overdue = (local_today() - date(y, 3, 1)).days
    assert [(r[0], r[2], r[4]) for r in rows] == [
        (f"4/{y}", "Test Chuyenvien", overdue), (f"3/{y}", "Ban Tổ chức Huyện ủy", 0),
        (f"5/{y}", "", 0), (f"7/{y}", "Ban Tổ chức Huyện ủy", 0)]


def test_outgoing_by_signer_refusals_and_late_issuance(app, seeded):
    from app.registers import reports

    headings, rows, totals = _report(app, lambda s, t: reports.outgoing_by_signer(
        s, [seeded["vphu"]], _year(seeded)))
    assert headings[:4] == ["Đơn vị soạn thảo", "Người ký", "Văn bản", "Nơi nhận"]
    # documents, recipients, arrived, registered or further, refused, paper, recall
    assert rows == [["Văn phòng Huyện ủy", "Test Lanhdao", 3, 4, 1, 1, 1, 1, 0]]
    _h, rows, _t = _report(app, lambda s, t: reports.refusals(s, [seeded["vphu"]],
                                                              _year(seeded)))
    assert [(r[0], r[3], r[5]) for r in rows] == [
        ("1-BC/VPHU", "Ban Tổ chức Huyện ủy", "Sai thể thức")]
    _h, rows, _t = _report(app, lambda s, t: reports.late_issuance(s, [seeded["vphu"]],
                                                                   _year(seeded)))
    assert [(r[0], r[5]) for r in rows] == [("1-BC/VPHU", "Mất điện")]
    _h, rows, _t = _report(app, lambda s, t: reports.outgoing_by_signer(
        s, [seeded["btchu"]], _year(seeded)))
    assert rows == []


def test_usage_evaluation(app, seeded):
    from app.core import audit
    from app.core.timeutil import local_today
    from app.extensions import db
    from app.incoming.models import IncomingDocument, Rejection
    from app.registers import reports
    from app.registers.services import make_period
    from app.security.models import AppUser

    _h, rows, _t = _report(app, lambda s, t: reports.usage(s, _year(seeded), t))
    by_unit = {r[0]: r[1:] for r in rows}
    # accounts, sign-ins, received, % electronic, median h to register, to assign,
    # overdue, refusals sent, refusals received
    assert by_unit["Văn phòng Huyện ủy"] == [6, 0, 6, 66.7, 3.5, 3.0, 1, 0, 0]
    assert by_unit["Ban Tổ chức Huyện ủy"][:4] == [4, 0, 1, 0.0]
    with app.app_context():
        clerk = db.session.get(AppUser, seeded["vanthu.vphu"])
        other = db.session.get(AppUser, seeded["vanthu.btchu"])
        for user in (clerk, clerk, other):
            audit.record(db.session, "login", user, user=user)
        refused = IncomingDocument(unit_id=seeded["vphu"], sender_unit_id=seeded["btchu"],
                                   state="refused", channel="electronic", summary="Sai")
        db.session.add(refused)
        db.session.flush()
        db.session.add(Rejection(document_id=refused.id, unit_id=seeded["vphu"],
                                 sender_unit_id=seeded["btchu"], reason="Thiếu chữ ký",
                                 created_by_id=clerk.id))
        db.session.commit()
        db.session.remove()
        today = local_today()
    month = make_period("month", year=today.year, month=today.month)
    headings, rows, _t = _report(app, lambda s, t: reports.usage(s, month, t))
    by_unit = {r[0]: r[1:] for r in rows}
    assert by_unit["Văn phòng Huyện ủy"][1] == 2 and by_unit["Ban Tổ chức Huyện ủy"][1] == 1
    assert by_unit["Văn phòng Huyện ủy"][7:] == [1, 0]
    assert by_unit["Ban Tổ chức Huyện ủy"][7:] == [0, 1]
    assert headings[1:3] == ["Tài khoản hoạt động", "Lượt đăng nhập"]


def test_report_sorting():
    from app.registers.reports import Report

    report = Report(title="t", headings=["a", "b"], widths=[1, 1],
                    rows=[["x", 2], ["y", 10], ["z", ""]], totals=[["Tổng", 12]])
    assert [r[0] for r in report.sort(1, descending=True).rows] == ["z", "y", "x"]
    assert [r[0] for r in report.sort(1).rows] == ["x", "y", "z"]
    assert report.sort(9).rows[0][0] == "x"  # an unknown column changes nothing
    assert report.shown_totals() == [["Tổng", 12]]


def test_report_exports_read_back(app, seeded, clients):
    from sqlalchemy import select

    from app.core.audit import AuditEvent
    from app.extensions import db

    y = seeded.year
    clerk = clients("vanthu.vphu")
    resp = clerk.get(f"/reports/assignees?period=year&year={y}&party=unit&format=xlsx")
    assert resp.status_code == 200
    _sheet, rows = xlsx_rows(resp.data)
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Đơn vị")
    assert rows[header_at + 1] == ["Ban Tổ chức Huyện ủy", 3, 1, 0, 1, 0, 1]
    assert rows[header_at + 2][0] == "Tổng số"
    assert "Văn phòng Huyện ủy" in [r[0] for r in rows[:header_at]]
    resp = clerk.get(f"/reports/documents?period=year&year={y}&by=type&format=pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    text = " ".join(" ".join(p.split()) for p in pdf_text(resp.data))
    assert "Văn bản đến theo loại văn bản" in text and "Công văn 2 0 2 4" in text
    assert "Trang 1/1" in text and "In bởi Test Vanthu lúc" in text
    office = clients("vanphong")
    resp = office.get(f"/usage/?period=year&year={y}&sort=3&desc=1&format=xlsx")
    _sheet, rows = xlsx_rows(resp.data)
    header_at = next(i for i, r in enumerate(rows) if r[0] == "Đơn vị")
    assert [r[0] for r in rows[header_at + 1:header_at + 3]] == [
        "Văn phòng Huyện ủy", "Ban Tổ chức Huyện ủy"]
    with app.app_context():
        events = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "report_printed").order_by(AuditEvent.id)).scalars().all()
        assert [(e.username, e.details_dict()["report"], e.details_dict()["format"])
                for e in events] == [("vanthu.vphu", "assignees", "xlsx"),
                                     ("vanthu.vphu", "documents", "pdf"),
                                     ("vanphong", "usage", "xlsx")]
        db.session.remove()


def test_reports_on_screen(app, seeded, clients):
    y = seeded.year
    clerk = clients("vanthu.vphu")
    html = clerk.get(f"/reports/signers?period=year&year={y}").get_data(as_text=True)
    assert "Test Lanhdao" in html and "Đơn vị soạn thảo" in html
    html = clerk.get(f"/reports/refusals?period=year&year={y}").get_data(as_text=True)
    assert "Sai thể thức" in html
    html = clerk.get("/reports/backlog").get_data(as_text=True)
    assert f"4/{y}" in html and "Số ngày quá hạn" in html
    html = clerk.get(f"/reports/late?period=year&year={y}").get_data(as_text=True)
    assert "Mất điện" in html
    html = clients("vanphong").get(f"/usage/?period=year&year={y}").get_data(as_text=True)
    assert "66,7" in html and "3,5" in html
    # Sort links keep the chosen period.
    assert f"year={y}" in html and "sort=4" in html
