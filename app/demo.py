"""Demo data: the host agency and the units named in Quy chế 19-QC/HU (Kim Động), the
document types, the current term, this year's holidays and one account per role.
Running it again changes nothing."""

from datetime import date

from sqlalchemy import select

from app.core.calendar import CalendarDay
from app.core.errors import DomainError
from app.reference.models import DocumentType, Term
from app.security import permissions as P
from app.security.models import AppUser
from app.security.passwords import password_problems
from app.units.models import Unit

DEFAULT_PASSWORD = "Demo@2026qlvb"

# (abbreviation, name, kind, identifier code, parent abbreviation)
UNITS = [
    ("HU", "Huyện ủy Kim Động", "host", "000.00.00.H31", None),
    ("VPHU", "Văn phòng Huyện ủy", "advisory", "000.00.01.H31", "HU"),
    ("BTCHU", "Ban Tổ chức Huyện ủy", "advisory", "000.00.02.H31", "HU"),
    ("UBKTHU", "Ủy ban Kiểm tra Huyện ủy", "advisory", "000.00.03.H31", "HU"),
    ("BTGDVHU", "Ban Tuyên giáo và Dân vận Huyện ủy", "advisory", "000.00.04.H31", "HU"),
    ("TTCT", "Trung tâm Chính trị huyện", "public_service", "000.00.05.H31", "HU"),
    ("MTTQ", "Ủy ban Mặt trận Tổ quốc Việt Nam huyện", "front", "000.00.06.H31", "HU"),
    ("ĐTN", "Huyện đoàn Kim Động", "front", "000.00.07.H31", "MTTQ"),
    ("HLHPN", "Hội Liên hiệp Phụ nữ huyện", "front", "000.00.08.H31", "MTTQ"),
    ("HND", "Hội Nông dân huyện", "front", "000.00.09.H31", "MTTQ"),
    ("HCCB", "Hội Cựu chiến binh huyện", "front", "000.00.10.H31", "MTTQ"),
    ("ĐBCA", "Đảng bộ Công an huyện", "party_org", "000.00.11.H31", "HU"),
    ("ĐBQS", "Đảng bộ Quân sự huyện", "party_org", "000.00.12.H31", "HU"),
    ("ĐBTT", "Đảng bộ xã Toàn Thắng", "party_org", "000.00.13.H31", "HU"),
]

# (name, abbreviation, default processing days) — DOMAIN.md §3.
DOCUMENT_TYPES = [
    ("Nghị quyết", "NQ", 15), ("Quyết định", "QĐ", 10), ("Chỉ thị", "CT", 15),
    ("Kết luận", "KL", 15), ("Quy chế", "QC", 15), ("Quy định", "QĐi", 15),
    ("Thông tri", "TT", 10), ("Hướng dẫn", "HD", 10), ("Thông báo", "TB", 7),
    ("Báo cáo", "BC", 10), ("Kế hoạch", "KH", 10), ("Chương trình", "CTr", 10),
    ("Tờ trình", "TTr", 7), ("Đề án", "ĐA", 20), ("Công văn", "CV", 7),
    ("Biên bản", "BB", 5), ("Giấy mời", "GM", 2), ("Giấy giới thiệu", "GGT", 2),
]

# Holidays by year: fixed solar dates plus lunar ones entered as their solar dates.
HOLIDAYS = {
    2026: [
        (date(2026, 1, 1), "holiday", "Tết Dương lịch"),
        (date(2026, 2, 16), "holiday", "Tết Nguyên đán Bính Ngọ"),
        (date(2026, 2, 17), "holiday", "Tết Nguyên đán Bính Ngọ (mùng 1)"),
        (date(2026, 2, 18), "holiday", "Tết Nguyên đán Bính Ngọ"),
        (date(2026, 2, 19), "holiday", "Tết Nguyên đán Bính Ngọ"),
        (date(2026, 2, 20), "holiday", "Tết Nguyên đán Bính Ngọ"),
        (date(2026, 4, 27), "holiday", "Nghỉ bù Giỗ Tổ Hùng Vương (10/3 âm lịch, Chủ nhật 26/4)"),
        (date(2026, 4, 30), "holiday", "Ngày Giải phóng miền Nam"),
        (date(2026, 5, 1), "holiday", "Ngày Quốc tế Lao động"),
        (date(2026, 9, 1), "holiday", "Quốc khánh"),
        (date(2026, 9, 2), "holiday", "Quốc khánh"),
    ],
    2027: [
        (date(2027, 1, 1), "holiday", "Tết Dương lịch"),
        (date(2027, 2, 4), "holiday", "Tết Nguyên đán Đinh Mùi"),
        (date(2027, 2, 5), "holiday", "Tết Nguyên đán Đinh Mùi (30 Tết)"),
        (date(2027, 2, 8), "holiday", "Tết Nguyên đán Đinh Mùi"),
        (date(2027, 2, 9), "holiday", "Tết Nguyên đán Đinh Mùi"),
        (date(2027, 2, 10), "holiday", "Tết Nguyên đán Đinh Mùi"),
        (date(2027, 4, 16), "holiday", "Giỗ Tổ Hùng Vương (10/3 âm lịch)"),
        (date(2027, 4, 30), "holiday", "Ngày Giải phóng miền Nam"),
        (date(2027, 5, 3), "holiday", "Nghỉ bù Ngày Quốc tế Lao động (Thứ Bảy 1/5)"),
        (date(2027, 9, 2), "holiday", "Quốc khánh"),
        (date(2027, 9, 3), "holiday", "Quốc khánh"),
    ],
}

TERM = ("Nhiệm kỳ 2025–2030", date(2025, 7, 1), date(2030, 6, 30))

# (user name prefix, role, position)
UNIT_ROLE_ACCOUNTS = [
    ("vanthu", P.ROLE_CLERK, "Văn thư"),
    ("lanhdao", P.ROLE_HEAD, "Chánh Văn phòng"),
    ("chuyenvien", P.ROLE_OFFICIAL, "Chuyên viên"),
    ("qtdv", P.ROLE_UNIT_ADMIN, "Cán bộ phụ trách CNTT"),
]
ACCOUNT_UNITS = ["VPHU", "BTCHU"]
PEOPLE = {
    "admin": ("Quản trị", "Hệ thống"),
    "vanphong": ("Theo dõi", "Văn phòng"),
    "vanthu": ("Thư", "Nguyễn Thị"),
    "lanhdao": ("Đạo", "Trần Văn"),
    "chuyenvien": ("Viên", "Lê Thị"),
    "qtdv": ("Định", "Phạm Văn"),
}


def _get_or_add(session, model, where, **values):
    row = session.execute(select(model).filter_by(**where)).unique().scalars().first()
    if row is None:
        row = model(**where, **values)
        session.add(row)
        session.flush()
    return row


def seed_demo(session, password=None, year=None):
    """Load the demo set; return (username, password, role, unit) for each account."""
    from flask import current_app
    from werkzeug.security import generate_password_hash

    password = password or DEFAULT_PASSWORD
    problems = password_problems(password, current_app.config.get("PASSWORD_MIN_LENGTH", 10))
    if problems:
        raise DomainError("weak demo password: needs " + ", ".join(problems))
    sm = current_app.appbuilder.sm
    if sm.find_role(P.ROLE_CLERK) is None:
        raise DomainError("run `flask qlvb sync-roles` first")

    units = {}
    for abbr, name, kind, code, parent in UNITS:
        unit = _get_or_add(session, Unit, {"abbreviation": abbr}, name=name, kind=kind,
                           code=code, active=True)
        if parent and unit.parent_id is None:
            unit.parent = units[parent]
        units[abbr] = unit
    for name, abbr, days in DOCUMENT_TYPES:
        _get_or_add(session, DocumentType, {"abbreviation": abbr}, name=name,
                    processing_days=days, active=True)
    _get_or_add(session, Term, {"name": TERM[0]}, start_date=TERM[1], end_date=TERM[2])
    from app.core.timeutil import local_today

    year = year or local_today().year
    for y in (year, year + 1):
        for day, kind, name in HOLIDAYS.get(y, []):
            _get_or_add(session, CalendarDay, {"day": day}, kind=kind, name=name)

    pw_hash = None
    accounts = []

    def account(username, role_name, unit, position, person_key):
        nonlocal pw_hash
        existing = session.execute(
            select(AppUser).where(AppUser.username == username)).unique().scalar_one_or_none()
        shown = password
        if existing is None:
            if pw_hash is None:
                pw_hash = generate_password_hash(
                    password, method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"))
            first, last = PEOPLE[person_key]
            user = AppUser(username=username, first_name=first, last_name=last,
                           email=f"{username}@qlvb.local", active=True, password=pw_hash,
                           unit=unit, position=position, kind="person")
            user.roles = [sm.find_role(role_name)]
            session.add(user)
        else:
            shown = "(unchanged)"
        accounts.append((username, shown, role_name, unit.abbreviation))

    account("admin", P.ROLE_ADMIN, units["VPHU"], "Quản trị hệ thống", "admin")
    account("vanphong", P.ROLE_OFFICE, units["VPHU"], "Chuyên viên Văn phòng", "vanphong")
    for abbr in ACCOUNT_UNITS:
        for prefix, role_name, position in UNIT_ROLE_ACCOUNTS:
            account(f"{prefix}.{abbr.lower()}", role_name, units[abbr], position, prefix)
    session.commit()
    return accounts
