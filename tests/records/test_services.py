"""The rules of hồ sơ công việc through the services (docs/domain.md §9): the retention
schedule, the plan's numbers, opening, filling and closing files, due dates, keeping back,
transfers checked by the archive, and the export."""

import os
from datetime import date

import pytest

from app.core.errors import DomainError
from app.core.workflow import ConflictError
from app.extensions import db
from app.records import services
from app.records.models import FileItem, FilePlan, PlanEntry, RetentionRule, WorkFile
from tests.records.conftest import add_archivist


def archivist(app, world):
    return add_archivist(app, world)


def snapshot(app, model):
    with app.app_context():
        rows = [{c.name: getattr(r, c.name) for c in r.__table__.columns}
                for r in db.session.query(model).order_by(model.id)]
        db.session.remove()
    return rows


# -- retention ----------------------------------------------------------------------------

def test_a_rule_in_use_is_never_deleted(app, records):
    records.plan()
    with app.test_request_context():
        s = db.session
        used = s.get(RetentionRule, records.rules["20"])
        with pytest.raises(ConflictError, match="đang được dùng"):
            services.delete_rule(s, records.user("admin"), used)
        s.rollback()
        services.delete_rule(s, records.user("admin"), s.get(RetentionRule, records.rules["2"]))
        s.commit()
        assert s.get(RetentionRule, records.rules["20"]) is not None
        assert s.get(RetentionRule, records.rules["2"]) is None


def test_rule_input_is_checked(app, records):
    with app.test_request_context():
        s = db.session
        admin = records.user("admin")
        for args in (("", "x", "years", 5), ("X1", "x", "years", None),
                     ("X1", "x", "event", 5), ("VV", "dup", "permanent", None)):
            with pytest.raises(DomainError):
                services.add_rule(s, admin, *args)
        assert services.add_rule(s, admin, "E5", "Sau khi kết thúc dự án", "event", 5,
                                 "kết thúc dự án").text() == "5 năm sau kết thúc dự án"


# -- the plan -----------------------------------------------------------------------------

def test_numbers_run_through_the_plan_or_per_heading(app, records):
    plan_id, _entries = records.plan(entries=3)
    with app.app_context():
        plan = db.session.get(FilePlan, plan_id)
        assert [e.notation for e in plan.entries] == ["01.TH", "02.TH", "03.TH"]
        assert plan.state == "approved" and plan.decision_number == "15-QĐ/HU"
        db.session.remove()
    with app.test_request_context():
        s = db.session
        clerk = records.user("vanthu.vphu")
        plan = services.create_plan(s, clerk, records.world.ids["vphu"], 2027, "heading")
        a = services.add_heading(s, clerk, plan, "Tổ chức cán bộ", "TCCB")
        b = services.add_heading(s, clerk, plan, "Tuyên giáo", "TG")
        rule = s.get(RetentionRule, records.rules["VV"])
        got = [services.add_entry(s, clerk, plan, h, "Hồ sơ", rule).notation
               for h in (a, a, b, a, b)]
        assert got == ["01.TCCB", "02.TCCB", "01.TG", "03.TCCB", "02.TG"]
        assert [services.heading_number(h) for h in (a, b)] == ["I", "II"]
        s.commit()


def test_bad_numbers_and_titles_are_refused_and_change_nothing(app, records):
    plan_id, _ = records.plan(approve=False)
    before = snapshot(app, PlanEntry)
    with app.test_request_context():
        s = db.session
        clerk = records.user("vanthu.vphu")
        plan = s.get(FilePlan, plan_id)
        heading = plan.headings[0]
        rule = s.get(RetentionRule, records.rules["5"])
        for notation, title, message in (
                ("01.TH", "Trùng số", "đã có trong danh mục"),
                ("X" * 21, "Quá dài", "tối đa 20 ký tự"),
                ("05.TH", "T" * 501, "tối đa 500 ký tự"),
                ("05.TH", "   ", "Tiêu đề hồ sơ là bắt buộc")):
            with pytest.raises(DomainError, match=message):
                services.add_entry(s, clerk, plan, heading, title, rule, notation=notation)
            s.rollback()
    assert snapshot(app, PlanEntry) == before


def test_an_approved_plan_is_frozen_and_copied_in_one_step(app, records):
    plan_id, _ = records.plan()
    with app.test_request_context():
        s = db.session
        clerk = records.user("vanthu.vphu")
        plan = s.get(FilePlan, plan_id)
        with pytest.raises(ConflictError):
            services.add_heading(s, clerk, plan, "Mới", "MOI")
        s.rollback()
        # Only a head approves; the official may not prepare.
        with pytest.raises(DomainError):
            services.create_plan(s, records.user("chuyenvien.vphu"),
                                 records.world.ids["vphu"], 2030)
        copy = services.copy_plan(s, clerk, s.get(FilePlan, plan_id), 2027)
        s.commit()
        assert copy.state == "draft" and copy.year == 2027
        assert [e.notation for e in copy.entries] == ["01.TH", "02.TH", "03.TH"]
        assert [h.title for h in copy.headings] == ["Tổng hợp", "Hội nghị"]
        with pytest.raises(DomainError):
            services.approve_plan(s, clerk, copy, "1-QĐ", date(2027, 1, 2))
        with pytest.raises(DomainError, match="đã có danh mục"):
            services.copy_plan(s, clerk, s.get(FilePlan, plan_id), 2027)


# -- files ----------------------------------------------------------------------------------

def test_open_from_the_plan_and_ad_hoc(app, records):
    plan_id, entries = records.plan(approve=False)
    with app.test_request_context():
        s = db.session
        official = records.user("chuyenvien.vphu")
        with pytest.raises(DomainError, match="đã phê duyệt"):
            services.open_file(s, official, s.get(PlanEntry, entries[0]))
        s.rollback()
        services.approve_plan(s, records.user("lanhdao.vphu"), s.get(FilePlan, plan_id),
                              "1-QĐ", date(2026, 1, 2))
        f = services.open_file(s, official, s.get(PlanEntry, entries[1]))
        s.commit()
        assert f.code == "000.00.00.H31.2026.02.TH" and f.title == "Hồ sơ số 2"
        assert f.retention_id == records.rules["20"] and f.state == "open"
        with pytest.raises(DomainError, match="đã có"):
            services.open_file(s, official, s.get(PlanEntry, entries[1]))
        s.rollback()
        with pytest.raises(DomainError, match="Ngày bắt đầu"):
            services.open_file(s, official, title="Ad hoc", notation="50.TH",
                               retention=s.get(RetentionRule, records.rules["5"]))


def test_items_are_links_with_dense_ordinals_by_date(app, records):
    later = records.assigned_document("10-CV/TU", date(2026, 3, 1))
    earlier = records.assigned_document("11-CV/TU", date(2026, 2, 1))
    one = records.open_ad_hoc(notation="01.X")
    two = records.open_ad_hoc(notation="02.X")
    records.add(one, "incoming", later)
    records.paper(one, date(2026, 2, 15))
    records.add(one, "incoming", earlier)
    records.add(two, "incoming", later)  # the same document in a second file
    with app.app_context():
        items = db.session.query(FileItem).filter_by(file_id=one).all()
        order = sorted((i.ordinal, i.incoming_id or "paper") for i in items)
        assert order == [(1, earlier), (2, "paper"), (3, later)]
        assert db.session.query(FileItem).filter_by(incoming_id=later).count() == 2
        db.session.remove()
    # A duplicate left out loses its ordinal; the others close ranks.
    item = records.add(one, "incoming", earlier) if False else None
    assert item is None
    with app.app_context():
        paper = db.session.query(FileItem).filter_by(file_id=one, kind="internal").one().id
        db.session.remove()
    records.call(services.leave_out, paper, "duplicate", file_id=one)
    with app.app_context():
        got = {i.id: i.ordinal for i in db.session.query(FileItem).filter_by(file_id=one)}
        assert sorted(v for v in got.values() if v) == [1, 2] and got[paper] is None
        db.session.remove()


def test_a_document_the_owner_cannot_see_or_of_another_unit_is_not_found(app, records):
    other = records.incoming.intake(clerk="vanthu.btchu", symbol="7-CV/TU")
    unseen = records.incoming.intake(symbol="8-CV/TU")  # registered, not assigned
    fid = records.open_ad_hoc()
    for doc in (other, unseen, 999999):
        with pytest.raises(LookupError):
            records.add(fid, "incoming", doc)
    with app.app_context():
        assert db.session.query(FileItem).count() == 0


def test_closing_computes_dates_totals_and_freezes_the_file(app, records):
    fid = records.open_ad_hoc()
    with pytest.raises(DomainError, match="rỗng"):
        records.call(services.close_file, file_id=fid)
    records.add(fid, "incoming", records.assigned_document("1-CV/TU", date(2026, 2, 3)))
    paper = records.paper(fid, date(2026, 4, 20), pages=3)
    records.call(services.close_file, file_id=fid)
    with app.app_context():
        f = db.session.get(WorkFile, fid)
        assert (f.state, f.start_date, f.end_date) == ("closed", date(2026, 1, 10),
                                                      date(2026, 4, 20))
        assert f.doc_total == 2 and f.page_total == 3 + 1
        assert f.due_date == date(2027, 4, 20)
        db.session.remove()
    before = snapshot(app, FileItem), snapshot(app, WorkFile)
    for fn, args in ((services.leave_out, (paper, "draft")),
                     (services.remove_item, (paper,)), (services.close_file, ())):
        with pytest.raises(ConflictError):
            records.call(fn, *args, file_id=fid)
    with pytest.raises(ConflictError):
        records.paper(fid, date(2026, 5, 1))
    assert (snapshot(app, FileItem), snapshot(app, WorkFile)) == before


def test_reopening_needs_the_archive_and_a_reason(app, world, records):
    fid = records.open_ad_hoc()
    records.paper(fid, date(2026, 2, 1))
    records.call(services.close_file, file_id=fid)
    keeper = archivist(app, world)
    with pytest.raises(DomainError, match="Lưu trữ cơ quan"):
        records.call(services.reopen_file, "lý do", file_id=fid, user="lanhdao.vphu")
    with pytest.raises(DomainError, match="lý do"):
        records.call(services.reopen_file, " ", file_id=fid, user=keeper)
    records.call(services.reopen_file, "Bổ sung văn bản", file_id=fid, user=keeper)
    with app.app_context():
        from app.core.audit import AuditEvent

        assert db.session.get(WorkFile, fid).state == "open"
        assert [e.action for e in db.session.query(AuditEvent).filter(
            AuditEvent.action.like("work_file%")).order_by(AuditEvent.id)] == [
            "work_file_opened", "work_file_item_added", "work_file_closed",
            "work_file_reopened"]


# -- due dates and keeping back --------------------------------------------------------------

def test_due_dates_notices_and_keeping_back(app, records):
    long_kept = records.open_ad_hoc(notation="01.X", rule="VV")
    short = records.open_ad_hoc(notation="02.X", rule="2")
    for fid in (long_kept, short):
        records.paper(fid, date(2024, 2, 29))
        records.call(services.close_file, file_id=fid)
    with app.test_request_context():
        s = db.session
        assert s.get(WorkFile, short).due_date is None
        assert s.get(WorkFile, long_kept).due_date == date(2025, 2, 28)
        assert [f.id for f in services.due_files(s, date(2025, 1, 28))] == []
        assert [f.id for f in services.due_files(s, date(2025, 1, 28), 31)] == [long_kept]
        assert services.notify_due(s, date(2025, 1, 29)) == 1
        assert services.notify_due(s, date(2025, 1, 29)) == 0  # once
        s.commit()
        from app.notifications.models import Notification

        told = {n.user_id for n in s.query(Notification)}
        assert records.world.ids["chuyenvien.vphu"] in told
        assert records.world.ids["lanhdao.vphu"] in told
        s.remove()
    with pytest.raises(DomainError, match="tối đa 2 năm"):
        records.call(services.keep_back, "CV 5-CV/VP", date(2027, 3, 1), file_id=long_kept)
    with pytest.raises(DomainError, match="phê duyệt"):
        records.call(services.keep_back, "", date(2026, 3, 1), file_id=long_kept)
    records.call(services.keep_back, "CV 5-CV/VP", date(2027, 2, 28), file_id=long_kept)
    with app.app_context():
        assert services.due_files(db.session, date(2026, 1, 1)) == []
        assert len(services.due_files(db.session, date(2027, 3, 1))) == 1


# -- transfers ---------------------------------------------------------------------------------

def _closed(records, notation, rule="20", day=date(2026, 2, 1)):
    fid = records.open_ad_hoc(notation=notation, rule=rule)
    records.paper(fid, day)
    records.call(services.close_file, file_id=fid)
    return fid


def test_transfer_is_checked_and_accepted_by_the_archive(app, world, records):
    a, b = _closed(records, "01.X"), _closed(records, "02.X")
    open_one = records.open_ad_hoc(notation="03.X")
    short = _closed(records, "04.X", rule="2")
    keeper = archivist(app, world)
    with app.test_request_context():
        s = db.session
        clerk = records.user("vanthu.vphu")
        for ids, match in (([open_one], "đã đóng"), ([short], "dưới 5 năm")):
            with pytest.raises(DomainError, match=match):
                services.create_transfer(s, clerk, [s.get(WorkFile, i) for i in ids])
            s.rollback()
        with pytest.raises(LookupError):
            services.create_transfer(s, records.user("vanthu.btchu"), [s.get(WorkFile, a)])
        s.rollback()
        batch = services.create_transfer(s, clerk, [s.get(WorkFile, a), s.get(WorkFile, b)])
        s.commit()
        bid = batch.id
        lines = [x.id for x in batch.lines]
        totals = services.transfer_totals(batch)
        assert totals["files"] == len(batch.lines) == 2
        assert totals["documents"] == 2 and totals["stored"] == 2
        with pytest.raises(DomainError, match="Lưu trữ cơ quan"):
            services.check_line(s, records.user("lanhdao.vphu"), batch, lines[0], True)
        s.rollback()
        s.remove()
    from app.records.models import TransferBatch

    with app.test_request_context():
        s = db.session
        user = records.user(keeper)
        with pytest.raises(DomainError, match="lý do"):
            services.check_line(s, user, s.get(TransferBatch, bid), lines[1], False, "")
        s.rollback()
        services.check_line(s, user, s.get(TransferBatch, bid), lines[0], True)
        services.check_line(s, user, s.get(TransferBatch, bid), lines[1], False,
                            "Thiếu biên bản")
        s.commit()
        batch = s.get(TransferBatch, bid)
        assert batch.state == "done"
        assert s.get(WorkFile, a).state == "archived" and s.get(WorkFile, b).state == "closed"
        assert "SHA-256" in batch.lines[0].report
        with pytest.raises(ConflictError):
            services.check_line(s, user, batch, lines[0], True)
        s.rollback()
        # In the archive's custody: read-only for the unit.
        with pytest.raises(ConflictError):
            services.leave_out(s, records.user("chuyenvien.vphu"), s.get(WorkFile, a),
                               s.get(WorkFile, a).items[0].id, "draft")


def test_an_altered_stored_file_cannot_be_accepted(app, world, records):
    from app.core import storage
    from app.records.models import TransferBatch

    fid = _closed(records, "01.X")
    keeper = archivist(app, world)
    with app.test_request_context():
        s = db.session
        batch = services.create_transfer(s, records.user("vanthu.vphu"), [s.get(WorkFile, fid)])
        s.commit()
        bid, line = batch.id, batch.lines[0].id
        path = storage.path_for(s.get(WorkFile, fid).items[0].file_sha256)
        os.chmod(path, 0o644)
        with open(path, "ab") as fh:
            fh.write(b"changed")
        with pytest.raises(DomainError, match="toàn vẹn"):
            services.check_line(s, records.user(keeper), s.get(TransferBatch, bid), line, True)
        s.rollback()
        assert s.get(WorkFile, fid).state == "submitted"


# -- export -----------------------------------------------------------------------------------

def test_export_is_chronological_valid_and_summed(app, records, tmp_path):
    import hashlib

    from lxml import etree

    from app.records import export

    fid = records.open_ad_hoc()
    records.add(fid, "incoming", records.assigned_document("3-CV/TU", date(2026, 3, 3)))
    records.paper(fid, date(2026, 1, 20), subject="Tờ trình")
    with app.app_context():
        with pytest.raises(DomainError, match="đang mở"):
            export.export_file(db.session, db.session.get(WorkFile, fid), str(tmp_path), "x")
        db.session.remove()
    records.call(services.close_file, file_id=fid)
    with app.test_request_context():
        f = db.session.get(WorkFile, fid)
        folder = export.export_file(db.session, f, str(tmp_path), "In thử")
        code = f.code
    names = sorted(os.listdir(folder))
    assert names == sorted([f"{code}.001.pdf", f"{code}.002.pdf", f"{code}.xml",
                            "manifest-sha256.txt", "muc-luc-van-ban.pdf"])
    xml = etree.parse(os.path.join(folder, f"{code}.xml"))
    assert export.schema().validate(xml)
    docs = xml.findall("TaiLieu")
    assert [d.findtext("IssuedDate") for d in docs] == ["2026-01-20", "2026-03-03"]
    assert [d.findtext("CodeNumber") for d in docs] == ["", "3"]
    assert xml.findtext("DocTotal") == "2" and xml.findtext("FileCode") == code
    for line in open(os.path.join(folder, "manifest-sha256.txt"), encoding="utf-8"):
        digest, name = line.rstrip("\n").split("  ")
        with open(os.path.join(folder, name), "rb") as fh:
            assert hashlib.sha256(fh.read()).hexdigest() == digest
    # A field past its length breaks the schema.
    bad = etree.tostring(xml).replace(b"<DocTotal>2</DocTotal>", b"<DocTotal>12345</DocTotal>")
    with pytest.raises(DomainError):
        export.validate(bad)
