"""The demo's hồ sơ công việc (docs/domain.md §9): an example retention schedule, the
office's approved file plan of this year (about twenty entries), open and closed files
holding real demo documents, a file of last year due for transfer, and one transfer the
archive accepted. Played through the real services; skipped when a plan exists."""

from __future__ import annotations

import io
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.core import storage
from app.core.scope import ScopeSettings
from app.core.timeutil import local_today
from app.demo.context import Echo
from app.demo.files import demo_pdf
from app.incoming.models import IncomingDocument
from app.outgoing.models import OutgoingDocument
from app.records import policy, services
from app.records.models import FilePlan, RetentionRule, WorkFile
from app.security.models import AppUser
from app.units.models import Unit

SOURCE = "Ví dụ minh họa; đối chiếu bảng thời hạn bảo quản mẫu của cơ quan Đảng"
RULES = [
    ("VV", "Vĩnh viễn", "permanent", None, None),
    ("20", "20 năm", "years", 20, None),
    ("10", "10 năm", "years", 10, None),
    ("05", "5 năm", "years", 5, None),
    ("02", "2 năm", "years", 2, None),
    ("DA05", "5 năm sau khi kết thúc đề án", "event", 5, "kết thúc đề án"),
]
# (abbreviation, title, [sub-headings], [(entry title, rule, owner prefix, sub-heading or None)])
PLAN: list[tuple[str, str, list[str], list[tuple[str, str, str, int | None]]]] = [
    ("TH", "Tổng hợp", ["Hội nghị", "Báo cáo"], [
        ("Hồ sơ Hội nghị Ban Chấp hành Đảng bộ huyện thường kỳ", "VV", "chuyenvien", 1),
        ("Hồ sơ Hội nghị Ban Thường vụ Huyện ủy", "VV", "chuyenvien", 1),
        ("Hồ sơ hội nghị sơ kết 6 tháng đầu năm", "20", "chuyenvien", 1),
        ("Báo cáo tháng, quý của Huyện ủy", "10", "chuyenvien", 2),
        ("Báo cáo tổng kết công tác năm", "VV", "chuyenvien", 2),
        ("Chương trình công tác năm của Ban Thường vụ", "20", "lanhdao", None),
        ("Hồ sơ giải quyết kiến nghị của cơ sở", "10", "chuyenvien", None),
    ]),
    ("TCCB", "Tổ chức cán bộ", [], [
        ("Hồ sơ kiện toàn tổ chức bộ máy", "VV", "lanhdao", None),
        ("Hồ sơ quy hoạch cán bộ nhiệm kỳ 2025–2030", "VV", "lanhdao", None),
        ("Hồ sơ đánh giá, xếp loại cán bộ cuối năm", "20", "chuyenvien", None),
        ("Hồ sơ thi đua, khen thưởng", "10", "chuyenvien", None),
    ]),
    ("KT", "Kiểm tra, giám sát", [], [
        ("Chương trình kiểm tra, giám sát năm", "20", "chuyenvien", None),
        ("Hồ sơ kiểm tra việc thực hiện Quy chế làm việc", "20", "chuyenvien", None),
    ]),
    ("TG", "Tuyên giáo", [], [
        ("Hồ sơ học tập, quán triệt nghị quyết", "10", "chuyenvien", None),
        ("Hồ sơ kỷ niệm các ngày lễ lớn", "05", "chuyenvien", None),
    ]),
    ("VTLT", "Văn thư, lưu trữ", [], [
        ("Sổ đăng ký văn bản đến", "20", "vanthu", None),
        ("Sổ đăng ký văn bản đi", "VV", "vanthu", None),
        ("Tập lưu văn bản đi", "20", "vanthu", None),
        ("Hồ sơ nộp lưu tài liệu vào Lưu trữ cơ quan", "VV", "vanthu", None),
        ("Công văn trao đổi về công tác văn thư", "02", "vanthu", None),
    ]),
]


def _paper(unit: Unit, day: date, title: str, symbol: str) -> storage.StoredFile:
    spec = {"symbol": symbol, "issuer": unit.name, "type": "BB", "type_name": "BIÊN BẢN",
            "summary": title, "place": "Kim Động", "document_date": day,
            "signer": "Trần Văn Đạo", "signer_title": "CHÁNH VĂN PHÒNG",
            "author": unit.name, "recipient": unit.abbreviation}
    return storage.store(io.BytesIO(demo_pdf(spec)), f"{symbol.replace('/', '-')}.pdf")


def seed_records(session: Session, echo: Echo, settings: ScopeSettings) -> None:
    """The demo's plan, files and transfer; nothing when a plan already exists."""
    if session.scalar(select(func.count(FilePlan.id))):
        echo("Work files: a file plan is already present, none added.")
        return
    users = {u.username: u for u in session.scalars(select(AppUser))}
    vphu = session.scalar(select(Unit).where(Unit.abbreviation == "VPHU"))
    needed = ("admin", "vanthu.vphu", "lanhdao.vphu", "chuyenvien.vphu", "luutru.vphu")
    if vphu is None or any(name not in users for name in needed):
        echo("Work files: skipped (the demo units or accounts are missing).")
        return
    admin, clerk, head = users["admin"], users["vanthu.vphu"], users["lanhdao.vphu"]
    official, keeper = users["chuyenvien.vphu"], users["luutru.vphu"]
    today = local_today()
    rules: dict[str, RetentionRule] = {}
    for code, label, kind, years, event in RULES:
        rules[code] = session.scalar(select(RetentionRule).where(RetentionRule.code == code)) \
            or services.add_rule(session, admin, code, label, kind, years, event, SOURCE,
                                 example=True)
    plan = services.create_plan(session, clerk, vphu.id, today.year)
    for abbr, title, subs, entries in PLAN:
        main = services.add_heading(session, clerk, plan, title, abbr)
        children = [services.add_heading(session, clerk, plan, s, parent=main) for s in subs]
        for entry_title, rule, owner, sub in entries:
            services.add_entry(session, clerk, plan, children[sub - 1] if sub else main,
                               entry_title, rules[rule], users[f"{owner}.vphu"])
    services.approve_plan(session, head, plan, "01-QĐ/HU", date(today.year, 1, 5))
    session.commit()

    seen_in = sorted(policy.visible_incoming(session, official, settings, list(session.scalars(
        select(IncomingDocument.id).where(IncomingDocument.unit_id == vphu.id)))))
    issued = list(session.scalars(select(OutgoingDocument.id).where(
        OutgoingDocument.unit_id == vphu.id, OutgoingDocument.state == "issued")
        .order_by(OutgoingDocument.id)))
    by_title = {e.title: e for e in plan.entries}

    def filled(title: str, incoming: list[int], outgoing: list[int], papers: int) -> WorkFile:
        f = services.open_file(session, official, by_title[title],
                               start_date=date(today.year, 1, 6))
        for doc_id in incoming:
            services.add_document(session, official, f, "incoming", doc_id, settings)
        for doc_id in outgoing:
            services.add_document(session, official, f, "outgoing", doc_id, settings)
        for n in range(papers):
            day = today - timedelta(days=3 + n)
            services.add_paper(session, official, f, _paper(
                vphu, day, f"Biên bản làm việc số {n + 1} — {title}", f"{n + 1}-BB/VPHU"),
                f"Biên bản làm việc số {n + 1}", day, f"{n + 1}-BB/VPHU", vphu.name,
                "Biên bản", 1)
        return f

    # Open: the conference of the Standing Committee, with the documents it gathered.
    filled("Hồ sơ Hội nghị Ban Thường vụ Huyện ủy", seen_in[:3], issued[:1], 1)
    # Closed: the half-year review, the same outgoing document in it too (a link).
    closed = filled("Hồ sơ hội nghị sơ kết 6 tháng đầu năm", seen_in[3:5], issued[:2], 1)
    services.close_file(session, official, closed)
    # Closed and accepted by the archive.
    sent = filled("Báo cáo tổng kết công tác năm", seen_in[5:7], issued[2:3], 2)
    services.close_file(session, official, sent)
    session.commit()
    batch = services.create_transfer(session, clerk, [sent], "Đầy đủ, đọc được")
    session.commit()
    services.check_line(session, keeper, batch, batch.lines[0].id, True)
    # Last year's file outside the plan, closed long ago: due for transfer now.
    last = today.replace(day=1) - timedelta(days=400)
    old = services.open_file(session, official, title="Hồ sơ tổ chức Đại hội Chi bộ cơ sở",
                             notation="90.TH", retention=rules["20"], start_date=last)
    services.add_paper(session, official, old, _paper(vphu, last, "Biên bản Đại hội",
                                                      "9-BB/VPHU"),
                       "Biên bản Đại hội Chi bộ", last, "9-BB/VPHU", vphu.name, "Biên bản", 2)
    services.close_file(session, official, old)
    session.commit()
    echo(f"Work files: a plan of {len(plan.entries)} entries, "
         f"{session.scalar(select(func.count(WorkFile.id)))} files, one transfer accepted.")
