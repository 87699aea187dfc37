"""Demo data: the host agency and the units named in Quy chế 19-QC/HU (Kim Động), the
document types, the current term, this year's holidays, one account per role, a
register of incoming documents in every state and outgoing documents in every state (with
what their recipients did with them). Running it again changes nothing."""

from datetime import date

import click
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

# Demo files carry no signature; registering them as e-documents needs a reason (Điều 8).
DEMO_UNSIGNED = "Dữ liệu trình diễn: văn bản chưa được ký số"


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
    seed_incoming(session, echo=click.echo)
    seed_outgoing(session, echo=click.echo)
    return accounts


# -- incoming documents ------------------------------------------------------------------
#
# A realistic register for VPHU (and a few documents for BTCHU) in every state, made
# through the real services (app.incoming.services) as the clerks, heads and officials
# would: nothing is written to the incoming tables directly. Dates are relative to today
# (arrivals in the last few weeks, counted in working days), so the lists of the tracking
# screens (due soon, overdue, completed on time / late) always have something in them.

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
)
_FONT_PATTERNS = ("DejaVuSans.ttf", "LiberationSerif-Regular.ttf")
_pdf_font = None


def _find_font():
    """A TrueType font with Vietnamese glyphs, or None."""
    import glob
    import os

    for path in _FONT_CANDIDATES:
        if os.path.exists(path):
            return path
    for pattern in _FONT_PATTERNS:
        found = sorted(glob.glob(os.path.join("/usr/share/fonts", "**", pattern),
                                 recursive=True))
        if found:
            return found[0]
    return None


def _font():
    """The reportlab font name to write with: a Vietnamese TTF, else Helvetica."""
    global _pdf_font
    if _pdf_font is None:
        path = _find_font()
        _pdf_font = "Helvetica"
        if path:
            try:
                from reportlab.pdfbase import pdfmetrics
                from reportlab.pdfbase.ttfonts import TTFont

                pdfmetrics.registerFont(TTFont("QLVBDemo", path))
                _pdf_font = "QLVBDemo"
            except Exception:  # an unreadable font: write without accents instead
                import logging

                logging.getLogger(__name__).warning("demo: cannot use font %s", path,
                                                    exc_info=True)
    return _pdf_font


def _latin(text):
    """``text`` without its diacritics (Helvetica has no Vietnamese glyphs)."""
    import unicodedata

    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    text = "".join(c for c in text if not unicodedata.combining(c))
    return text.encode("latin-1", "replace").decode("latin-1")


def _date_line(place, day):
    return f"{place}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def demo_pdf(doc, pages=1, stamp=None, heading=None):
    """A plain one- or few-page PDF laid out like a Party or State document (Quy định
    66-QĐ/TW, Nghị định 30/2020): issuer, number, date, title, body, signer. ``doc`` is a
    demo spec; ``stamp`` the receiving unit's "ĐẾN" stamp on a scanned paper document;
    ``heading`` replaces the title (an annex, a report of results)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import simpleSplit
    from reportlab.pdfgen import canvas

    font = _font()
    plain = font == "Helvetica"
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    width, height = A4

    def text(x, y, value, size=11, center=False):
        value = _latin(value) if plain else value
        c.setFont(font, size)
        if center:
            c.drawCentredString(x, y, value)
        else:
            c.drawString(x, y, value)

    def wrapped(x, y, value, size=11, max_width=width - 130, center=False, lead=15):
        value = _latin(value) if plain else value
        for line in simpleSplit(value, font, size, max_width):
            text(x + (max_width / 2 if center else 0), y, line, size, center)
            y -= lead
        return y

    party = "-" in doc["symbol"].split("/")[0]
    issuer = doc["issuer"]
    left = 165  # centre of the issuer block
    y = height - 60
    for line in issuer:
        y = wrapped(left - 120, y, line.upper(), 10.5, max_width=240, center=True, lead=14)
    text(left, y, "*" if party else "—", 10, center=True)
    y -= 16
    text(left, y, f"Số {doc['symbol']}", 10.5, center=True)
    if doc["type"] == "CV":
        wrapped(left - 95, y - 16, doc["summary"], 9.5, max_width=190, center=True, lead=12)
    right = 420
    y = height - 60
    if party:
        text(right, y, "ĐẢNG CỘNG SẢN VIỆT NAM", 11, center=True)
        y -= 26
    else:
        text(right, y, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 10.5, center=True)
        text(right, y - 14, "Độc lập - Tự do - Hạnh phúc", 10.5, center=True)
        y -= 40
    text(right, y, _date_line(doc["place"], doc["document_date"]), 10, center=True)
    if stamp:
        c.rect(60, height - 240, 170, 52)
        text(145, height - 202, stamp["unit"].upper(), 8, center=True)
        text(145, height - 216, "ĐẾN", 11, center=True)
        text(145, height - 232, f"Số: ....  Ngày: {stamp['day']:%d/%m/%Y}", 8.5, center=True)

    y = height - (270 if stamp else 190)
    type_name = doc["type_name"]
    if heading:
        y = wrapped(65, y, heading.upper(), 13, center=True, lead=17) - 8
    elif doc["type"] != "CV":
        title = doc["summary"]  # "Kế hoạch triển khai …" under the heading "KẾ HOẠCH"
        if title.lower().startswith(type_name.lower() + " "):
            title = title[len(type_name) + 1:]
        text(width / 2, y, type_name.upper(), 14, center=True)
        y = wrapped(65, y - 20, title, 11.5, center=True) - 12
    else:
        text(width / 2, y, f"Kính gửi: {doc['recipient']}", 11.5, center=True)
        y -= 32
    summary = doc["summary"]
    if summary.startswith("V/v "):
        summary = summary[4:]
    body = [
        f"Căn cứ chương trình công tác năm {doc['document_date'].year} và yêu cầu nhiệm vụ "
        f"trong thời gian tới, {doc['author']} gửi {doc['recipient']} văn bản về việc: "
        f"{summary[0].lower() + summary[1:]}.",
        "Đề nghị các cơ quan, đơn vị quan tâm, chỉ đạo triển khai thực hiện nghiêm túc, "
        "đúng tiến độ; trong quá trình thực hiện, nếu có khó khăn, vướng mắc, kịp thời "
        "phản ánh về cơ quan ban hành (qua bộ phận văn thư) để được hướng dẫn, phối hợp "
        "giải quyết.",
    ]
    for paragraph in body:
        y = wrapped(85, y, paragraph, 11.5, max_width=width - 150) - 8
    y -= 10
    text(65, y, "Nơi nhận:", 10)
    text(65, y - 13, "- Như trên;", 9)
    text(65, y - 25, "- Lưu VT.", 9)
    sign_x = 410
    for line in doc["signer_title"].split(", "):  # "T/M Ban Thường vụ, Phó Bí thư"
        text(sign_x, y, line.upper(), 10.5, center=True)
        y -= 14
    text(sign_x, y - 26, "(Đã ký)", 9.5, center=True)
    text(sign_x, y - 56, doc["signer"], 11, center=True)
    for number in range(2, pages + 1):
        c.showPage()
        text(width / 2, height - 60, f"Trang {number}", 9, center=True)
        wrapped(85, height - 100, f"Phần {number}: nội dung chi tiết, phân công nhiệm vụ "
                "và tiến độ thực hiện (kèm theo văn bản số "
                f"{doc['symbol']}).", 11.5, max_width=width - 150)
    c.showPage()
    c.save()
    return buf.getvalue()


def _file_name(symbol, suffix=""):
    safe = symbol.replace("/", "-").replace(" ", "")
    return f"{safe}{suffix}.pdf"


def _store_pdf(data, name, check):
    import io

    from app.core import storage

    return storage.store(io.BytesIO(data), name, check=check)


# Senders from outside the system: (name, place, header lines of the issuer).
_OUTSIDE = {
    "TU": ("Tỉnh ủy Hưng Yên", "Hưng Yên", ["Tỉnh ủy Hưng Yên"]),
    "BTCTU": ("Ban Tổ chức Tỉnh ủy Hưng Yên", "Hưng Yên",
              ["Tỉnh ủy Hưng Yên", "Ban Tổ chức"]),
    "VPTU": ("Văn phòng Tỉnh ủy Hưng Yên", "Hưng Yên", ["Tỉnh ủy Hưng Yên", "Văn phòng"]),
    "UBKTTU": ("Ủy ban Kiểm tra Tỉnh ủy Hưng Yên", "Hưng Yên",
               ["Tỉnh ủy Hưng Yên", "Ủy ban Kiểm tra"]),
    "BTGDVTU": ("Ban Tuyên giáo và Dân vận Tỉnh ủy Hưng Yên", "Hưng Yên",
                ["Tỉnh ủy Hưng Yên", "Ban Tuyên giáo và Dân vận"]),
    "UBND": ("Ủy ban nhân dân huyện Kim Động", "Kim Động",
             ["Ủy ban nhân dân", "huyện Kim Động"]),
}


def _demo_documents(today, back, ahead):
    """The demo register: one dict per document, with what happens to it (``steps``).

    ``back(n)`` is n working days before today, ``ahead(n)`` n working days after it.
    Keys: unit (receiving), via (deliver: from a unit of the system, left in the inbox
    unless a step registers it; external / paper: from outside, received and registered
    at once), sender (unit abbreviation or key of _OUTSIDE), symbol, type, summary,
    arrival (working days back), written (working days between the document's date and
    its arrival), urgency, time, signer, steps."""
    y = today.year
    return [
        # -- VPHU: waiting in the inbox (electronic deliveries not yet received) ---------
        dict(unit="VPHU", via="deliver", sender="BTCHU", symbol="45-BC/BTCHU", type="BC",
             summary=f"Báo cáo kết quả công tác tổ chức xây dựng Đảng tháng "
                     f"{today.month:02d}/{y}",
             arrival=0, written=1, signer=("K/T Trưởng ban, Phó Trưởng ban",
                                           "Đỗ Văn Thắng"), steps=[]),
        dict(unit="VPHU", via="deliver", sender="UBKTHU", symbol="32-TB/UBKTHU", type="TB",
             summary="Thông báo kết luận kiểm tra việc thực hiện nhiệm vụ kiểm tra, giám sát "
                     "đối với Chi bộ Văn phòng Huyện ủy",
             arrival=0, written=1, urgency=1,
             signer=("T/M Ủy ban Kiểm tra, Chủ nhiệm", "Vũ Thị Lan"), steps=[]),
        dict(unit="VPHU", via="deliver", sender="MTTQ", symbol="118/MTTQ-BTT", type="CV",
             summary="V/v tổng hợp ý kiến, kiến nghị của cử tri và Nhân dân trước kỳ họp "
                     "cuối năm của Hội đồng nhân dân huyện",
             arrival=1, written=1,
             signer=("T/M Ban Thường trực, Chủ tịch", "Hoàng Văn Nam"), steps=[]),
        # -- VPHU: refused ----------------------------------------------------------------
        dict(unit="VPHU", via="deliver", sender="BTGDVHU", symbol="27-HD/BTGDVHU", type="HD",
             summary=f"Hướng dẫn tuyên truyền kỷ niệm {y + 1 - 1930} năm Ngày thành lập Đảng "
                     f"Cộng sản Việt Nam (03/02/1930 – 03/02/{y + 1})",
             arrival=2, written=1, signer=("K/T Trưởng ban, Phó Trưởng ban", "Bùi Quang Huy"),
             steps=[("refuse", "Văn bản chưa có chữ ký số của cơ quan ban hành; đề nghị ký "
                               "số và gửi lại.")]),
        dict(unit="VPHU", via="deliver", sender="ĐTN", symbol="112-CV/HĐTN", type="CV",
             summary="V/v giới thiệu đoàn viên ưu tú để chi bộ xem xét, kết nạp vào Đảng",
             arrival=5, written=1, signer=("T/M Ban Thường vụ, Bí thư", "Đặng Thị Hồng"),
             steps=[("refuse", "Gửi nhầm nơi nhận: nội dung thuộc thẩm quyền xử lý của Ban "
                               "Tổ chức Huyện ủy, đề nghị gửi đúng đơn vị.")]),
        # -- VPHU: registered, waiting for the head's assignment ---------------------------
        dict(unit="VPHU", via="external", sender="TU", symbol="125-CV/TU", type="CV",
             summary=f"V/v tổ chức Hội nghị tổng kết công tác xây dựng Đảng năm {y}, triển "
                     f"khai nhiệm vụ năm {y + 1}",
             arrival=0, time=(8, 10), written=2,
             signer=("T/L Ban Thường vụ, Chánh Văn phòng", "Nguyễn Văn Hùng"), steps=[]),
        dict(unit="VPHU", via="paper", sender="TU", symbol="125-CV/TU", type="CV",
             summary=f"V/v tổ chức Hội nghị tổng kết công tác xây dựng Đảng năm {y}, triển "
                     f"khai nhiệm vụ năm {y + 1}",
             arrival=0, time=(9, 30), written=2, duplicate=True,
             signer=("T/L Ban Thường vụ, Chánh Văn phòng", "Nguyễn Văn Hùng"),
             steps=[("cancel", "Vào sổ trùng: đây là bản giấy của văn bản 125-CV/TU đã nhận "
                               "qua mạng và đã vào sổ.")]),
        dict(unit="VPHU", via="deliver", sender="ĐBCA", symbol="56-BC/ĐU", type="BC",
             summary=f"Báo cáo tình hình an ninh chính trị, trật tự an toàn xã hội trên địa "
                     f"bàn huyện tháng {today.month:02d}/{y}",
             arrival=1, written=1, signer=("T/M Đảng ủy, Bí thư", "Phạm Minh Đức"),
             steps=[("register",)]),
        dict(unit="VPHU", via="external", sender="UBND", symbol="1520/UBND-VP", type="CV",
             summary="V/v đề nghị cử cán bộ tham gia Đoàn kiểm tra liên ngành công tác phòng, "
                     "chống thiên tai và tìm kiếm cứu nạn",
             arrival=1, time=(14, 5), written=1, urgency=1, reply=2,
             signer=("T/M Ủy ban nhân dân, K/T Chủ tịch, Phó Chủ tịch", "Lê Thị Thu Hà"),
             steps=[]),
        # -- VPHU: assigned, not started ---------------------------------------------------
        dict(unit="VPHU", via="external", sender="VPTU", symbol="1876-CV/VPTU", type="CV",
             summary=f"V/v rà soát, lập danh mục hồ sơ, tài liệu nộp lưu vào Lưu trữ lịch sử "
                     f"năm {y}",
             arrival=2, written=2, signer=("K/T Chánh Văn phòng, Phó Chánh Văn phòng",
                                           "Trịnh Văn Long"),
             steps=[("assign", dict(lead="chuyenvien.vphu", deadline=ahead(6),
                                    direction="Giao đồng chí chuyên viên phụ trách lưu trữ "
                                              "chủ trì rà soát, lập danh mục; báo cáo trước "
                                              "khi nộp lưu."))]),
        dict(unit="VPHU", via="external", sender="TU", symbol="142-CV/TU", type="CV",
             summary="V/v cung cấp số liệu phục vụ xây dựng Báo cáo trình Hội nghị Ban Chấp "
                     "hành Đảng bộ tỉnh",
             arrival=1, time=(16, 20), written=0, urgency=3,
             signer=("T/L Ban Thường vụ, Chánh Văn phòng", "Nguyễn Văn Hùng"),
             steps=[("assign", dict(lead="chuyenvien.vphu", deadline="next",
                                    inform=["vanphong"],
                                    direction="Hỏa tốc. Giao chuyên viên tổng hợp số liệu, "
                                              "trình lãnh đạo Văn phòng ký gửi ngay trong "
                                              "ngày."))]),
        dict(unit="VPHU", via="external", sender="UBKTTU", symbol="54-CV/UBKTTU", type="CV",
             summary="V/v báo cáo kết quả thực hiện nhiệm vụ kiểm tra, giám sát theo Điều 30 "
                     "Điều lệ Đảng quý III",
             arrival=12, written=2, signer=("K/T Chủ nhiệm, Phó Chủ nhiệm", "Ngô Văn Tiến"),
             steps=[("assign", dict(lead="chuyenvien.vphu", deadline=back(2),
                                    direction="Giao chuyên viên tổng hợp, dự thảo báo cáo "
                                              "trình Thường trực Huyện ủy."))]),
        # -- VPHU: in progress --------------------------------------------------------------
        dict(unit="VPHU", via="external", sender="BTCTU", symbol="89-KH/BTCTU", type="KH",
             summary=f"Kế hoạch kiểm tra, khảo sát công tác phát triển đảng viên trong học "
                     f"sinh, sinh viên và công nhân lao động năm {y}",
             arrival=6, written=3, pages=2,
             signer=("K/T Trưởng ban, Phó Trưởng ban", "Đinh Thị Mai"),
             steps=[("assign", dict(lead="BTCHU", cooperate=["UBKTHU"],
                                    inform=["chuyenvien.vphu"], deadline=ahead(6),
                                    direction="Giao Ban Tổ chức Huyện ủy chủ trì, Ủy ban Kiểm "
                                              "tra Huyện ủy phối hợp tham mưu Ban Thường vụ "
                                              "triển khai kế hoạch.")),
                    ("sub", "BTCHU", dict(lead="chuyenvien.btchu", deadline=ahead(4),
                                          instruction="Đồng chí xây dựng dự thảo kế hoạch "
                                                      "của Huyện ủy, lấy ý kiến các chi, "
                                                      "đảng bộ cơ sở.")),
                    ("note", "chuyenvien.btchu", "Đã xây dựng dự thảo kế hoạch, đang lấy ý "
                                                 "kiến 5 đảng bộ xã, thị trấn."),
                    ("read", "chuyenvien.vphu")]),
        dict(unit="VPHU", via="external", sender="TU", symbol="245-KH/TU", type="KH",
             summary="Kế hoạch triển khai Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính "
                     "trị về đột phá phát triển khoa học, công nghệ, đổi mới sáng tạo và "
                     "chuyển đổi số quốc gia",
             arrival=8, written=3, pages=2, annex="Phụ lục phân công nhiệm vụ",
             signer=("T/M Ban Thường vụ, Phó Bí thư", "Trần Quốc Việt"),
             steps=[("assign", dict(lead="chuyenvien.vphu", cooperate=["BTCHU"],
                                    inform=["vanphong"], deadline=ahead(8),
                                    direction="Giao Văn phòng chủ trì, Ban Tổ chức phối hợp "
                                              "tham mưu kế hoạch thực hiện của Huyện ủy.")),
                    ("note", "chuyenvien.vphu", "Đã xây dựng đề cương dự thảo kế hoạch, gửi "
                                                "Ban Tổ chức Huyện ủy cho ý kiến."),
                    ("note", "lanhdao.btchu", "Ban Tổ chức nhất trí với đề cương; đề nghị "
                                              "bổ sung nội dung đào tạo, bồi dưỡng cán bộ "
                                              "phụ trách chuyển đổi số."),
                    ("note", "chuyenvien.vphu", "Đã tiếp thu ý kiến, hoàn thiện dự thảo lần "
                                                "2 trình lãnh đạo Văn phòng.")]),
        dict(unit="VPHU", via="external", sender="UBND", symbol="1498/UBND-NV", type="CV",
             summary="V/v tham gia ý kiến dự thảo Quy chế phối hợp giữa Thường trực Huyện ủy "
                     "và Ủy ban nhân dân huyện",
             arrival=4, time=(10, 5), written=1, urgency=2,
             signer=("T/M Ủy ban nhân dân, Chủ tịch", "Vương Đình Khải"),
             steps=[("assign", dict(lead="chuyenvien.vphu", deadline=ahead(1),
                                    direction="Giao chuyên viên nghiên cứu, dự thảo văn bản "
                                              "góp ý.")),
                    ("note", "chuyenvien.vphu", "Đã dự thảo văn bản góp ý, trình Chánh Văn "
                                                "phòng xem xét.")]),
        dict(unit="VPHU", via="external", sender="BTGDVTU", symbol="215-CV/BTGDVTU",
             type="CV",
             summary=f"V/v báo cáo kết quả thực hiện Quy chế dân chủ ở cơ sở năm {y}",
             arrival=15, written=2, urgency=1,
             signer=("K/T Trưởng ban, Phó Trưởng ban", "Lưu Thị Ngọc"),
             steps=[("assign", dict(lead="chuyenvien.vphu", deadline=back(3),
                                    direction="Giao chuyên viên tổng hợp báo cáo của các "
                                              "đảng bộ, chi bộ cơ sở.")),
                    ("note", "chuyenvien.vphu", "Đang tổng hợp số liệu; còn thiếu báo cáo "
                                                "của 3 đảng bộ xã, đã đôn đốc qua điện "
                                                "thoại.")]),
        # -- VPHU: completed ----------------------------------------------------------------
        dict(unit="VPHU", via="deliver", sender="HLHPN", symbol="64/BC-HPN", type="BC",
             summary="Báo cáo kết quả thực hiện Chỉ thị số 21-CT/TW của Ban Bí thư về tiếp "
                     "tục đẩy mạnh công tác phụ nữ trong tình hình mới",
             arrival=9, written=2, signer=("T/M Ban Thường vụ, Chủ tịch", "Nguyễn Thị Huệ"),
             steps=[("register",),
                    ("assign", dict(lead="chuyenvien.vphu", deadline=ahead(1),
                                    direction="Giao chuyên viên tổng hợp vào báo cáo chung.")),
                    ("note", "chuyenvien.vphu", "Đã đối chiếu số liệu với báo cáo của Ủy ban "
                                                "Mặt trận Tổ quốc huyện."),
                    ("complete", "chuyenvien.vphu", "Đã tổng hợp vào báo cáo chung của Ban "
                                                    "Thường vụ Huyện ủy.", True)]),
        dict(unit="VPHU", via="external", sender="TU", symbol="412-GM/TU", type="GM",
             summary="Giấy mời dự Hội nghị trực tuyến quán triệt, triển khai các văn bản mới "
                     "của Trung ương",
             arrival=2, time=(7, 50), written=1, urgency=1,
             signer=("T/L Ban Thường vụ, Chánh Văn phòng", "Nguyễn Văn Hùng"),
             steps=[("assign", dict(lead="chuyenvien.vphu", deadline=ahead(0),
                                    inform=["BTCHU"],
                                    direction="Giao chuyên viên chuẩn bị điểm cầu trực "
                                              "tuyến, mời thành phần theo giấy mời.")),
                    ("complete", "chuyenvien.vphu", "Đã chuẩn bị điểm cầu tại Hội trường "
                                                    "Huyện ủy và mời đủ thành phần.")]),
        dict(unit="VPHU", via="external", sender="UBND", symbol="1432/UBND-TCKH", type="CV",
             summary=f"V/v xây dựng dự toán ngân sách năm {y + 1} của các cơ quan khối Đảng",
             arrival=18, written=2, signer=("K/T Chủ tịch, Phó Chủ tịch", "Lê Thị Thu Hà"),
             steps=[("assign", dict(lead="chuyenvien.vphu", deadline=back(6),
                                    direction="Giao bộ phận tài chính Văn phòng xây dựng dự "
                                              "toán, báo cáo Thường trực Huyện ủy.")),
                    ("note", "chuyenvien.vphu", "Chờ số liệu biên chế năm sau của Ban Tổ "
                                                "chức Huyện ủy."),
                    ("complete", "chuyenvien.vphu", "Đã gửi dự toán ngân sách khối Đảng về "
                                                    "Phòng Tài chính - Kế hoạch (chậm do chờ "
                                                    "số liệu biên chế).")]),
        # -- BTCHU ----------------------------------------------------------------------
        dict(unit="BTCHU", via="deliver", sender="ĐBTT", symbol="78-BC/ĐU", type="BC",
             summary=f"Báo cáo kết quả kết nạp đảng viên mới 10 tháng đầu năm {y}",
             arrival=0, written=1, signer=("T/M Đảng ủy, Bí thư", "Phạm Văn Khánh"),
             steps=[]),
        dict(unit="BTCHU", via="external", sender="BTCTU", symbol="92-HD/BTCTU", type="HD",
             summary=f"Hướng dẫn kiểm điểm, đánh giá, xếp loại chất lượng đối với tập thể, cá "
                     f"nhân năm {y}",
             arrival=1, written=3, pages=2,
             signer=("K/T Trưởng ban, Phó Trưởng ban", "Đinh Thị Mai"), steps=[]),
        dict(unit="BTCHU", via="deliver", sender="TTCT", symbol="46-TB/TTCT", type="TB",
             summary=f"Thông báo chiêu sinh lớp bồi dưỡng nhận thức về Đảng khóa II năm {y}",
             arrival=3, written=1, signer=("Giám đốc", "Tạ Văn Bình"),
             steps=[("register",),
                    ("assign", dict(lead="chuyenvien.btchu", deadline=ahead(3),
                                    direction="Giao chuyên viên tổng hợp danh sách quần chúng "
                                              "ưu tú của các chi, đảng bộ.")),
                    ("note", "chuyenvien.btchu", "Đã nhận danh sách của 7/12 chi, đảng bộ "
                                                 "cơ sở.")]),
        dict(unit="BTCHU", via="external", sender="BTCTU", symbol="97-CV/BTCTU", type="CV",
             summary="V/v rà soát, đề nghị tặng Huy hiệu Đảng đợt 03/02",
             arrival=7, written=2, signer=("K/T Trưởng ban, Phó Trưởng ban", "Đinh Thị Mai"),
             steps=[("assign", dict(lead="chuyenvien.btchu", deadline=ahead(2),
                                    direction="Giao chuyên viên rà soát hồ sơ, lập danh "
                                              "sách đề nghị.")),
                    ("complete", "chuyenvien.btchu", "Đã lập danh sách 46 đồng chí đủ điều "
                                                     "kiện, gửi Ban Tổ chức Tỉnh ủy.")]),
    ]


def _working_days_back(session, today):
    """``back(n)``: the date n working days before ``today`` (today itself for 0)."""
    from datetime import timedelta

    from app.core.calendar import Calendar

    cal = Calendar(session, today - timedelta(days=400), today)

    def back(n):
        day = today
        while n > 0:
            day -= timedelta(days=1)
            if cal.is_working_day(day):
                n -= 1
        return day

    return back


def seed_incoming(session, echo=None):
    """The demo incoming documents, made through the real services, only when neither VPHU
    nor BTCHU has any incoming document yet; all of them are committed together (a failure
    leaves none). Returns {state: count} of what was created ({} when nothing was)."""
    from datetime import time

    from sqlalchemy import func

    from app.core.calendar import add_working_days
    from app.core.filecheck import check_attachment
    from app.core.timeutil import local_today
    from app.incoming import services as S
    from app.incoming.models import IncomingDocument
    from app.trust.services import intake_check

    check_main_pdf = intake_check(session)  # as intake checks it: safety, secrecy, signatures

    echo = echo or (lambda message: None)
    units = {u.abbreviation: u for u in session.execute(select(Unit)).unique().scalars()}
    if "VPHU" not in units or "BTCHU" not in units:
        echo("Incoming demo documents: skipped (the demo units are missing).")
        return {}
    existing = session.execute(
        select(func.count(IncomingDocument.id)).where(
            IncomingDocument.unit_id.in_((units["VPHU"].id, units["BTCHU"].id)))).scalar_one()
    if existing:
        echo(f"Incoming demo documents: {existing} already present, none added.")
        return {}
    users = {u.username: u for u in session.execute(select(AppUser)).unique().scalars()}
    needed = [f"{p}.{a}" for a in ("vphu", "btchu") for p in ("vanthu", "lanhdao",
                                                                 "chuyenvien")] + ["vanphong"]
    missing = [name for name in needed if name not in users or not users[name].is_active]
    if missing:
        echo("Incoming demo documents: skipped (missing or inactive accounts: "
             + ", ".join(missing) + ").")
        return {}
    if not (S.is_unit_head(users["lanhdao.vphu"], units["VPHU"].id)
            and S.is_unit_clerk(users["vanthu.vphu"], units["VPHU"].id)):
        echo("Incoming demo documents: skipped (the roles have no permissions yet: run "
             "`flask qlvb sync-roles`, then seed-demo again).")
        return {}

    types = {t.abbreviation: t for t in session.execute(select(DocumentType)).scalars()}
    today = local_today()
    back = _working_days_back(session, today)

    def ahead(n):
        return add_working_days(session, today, n)

    specs = _demo_documents(today, back, ahead)
    # Register in order of arrival, so that the numbers follow the dates.
    order = sorted(range(len(specs)), key=lambda i: (-specs[i]["arrival"], i))

    def party(role, who, deadline=None, instruction=""):
        if "." in who or who in users:
            return S.Party(role, user_id=users[who].id, deadline=deadline,
                           instruction=instruction)
        return S.Party(role, unit_id=units[who].id, deadline=deadline,
                       instruction=instruction)

    def prepare(spec):
        """Fill in the spec's derived fields (dates, names, texts of the PDF)."""
        spec["arrival_date"] = back(spec["arrival"])
        spec["document_date"] = back(spec["arrival"] + spec.get("written", 1))
        if spec["via"] == "deliver":
            sender = units[spec["sender"]]
            spec["author"] = sender.name
            spec["issuer"] = ([sender.parent.name, sender.name]
                              if sender.parent is not None and sender.kind != "front"
                              else [sender.name])
            spec["place"] = "Kim Động"
        else:
            spec["author"], spec["place"], spec["issuer"] = _OUTSIDE[spec["sender"]]
        spec["recipient"] = units[spec["unit"]].name
        spec["type_name"] = types[spec["type"]].name
        spec["signer_title"], spec["signer"] = spec["signer"]

    def entry_for(spec):
        hour = spec.get("time")
        reply = spec.get("reply")
        return S.Entry(
            arrival_date=spec["arrival_date"], arrival_time=time(*hour) if hour else None,
            sender_unit_id=units[spec["sender"]].id if spec["via"] == "deliver" else None,
            author_name=spec["author"], symbol=spec["symbol"],
            document_date=spec["document_date"], document_type_id=types[spec["type"]].id,
            summary=spec["summary"], urgency=spec.get("urgency", 0),
            signer_name=spec["signer"], reply_deadline=ahead(reply) if reply else None,
            secrecy_confirmed=True, allow_duplicate=spec.get("duplicate", False),
            trust_reason=DEMO_UNSIGNED)

    def files_for(spec):
        stamp = ({"unit": spec["recipient"], "day": spec["arrival_date"]}
                 if spec["via"] == "paper" else None)
        name = _file_name(spec["symbol"], "-ban-giay" if stamp else "")
        files = [_store_pdf(demo_pdf(spec, pages=spec.get("pages", 1), stamp=stamp), name,
                            check_main_pdf)]
        if spec.get("annex"):
            files.append(_store_pdf(demo_pdf(spec, heading=spec["annex"]),
                                    _file_name(spec["symbol"], "-phu-luc"), check_attachment))
        return files

    def arrive(spec):
        unit = spec["unit"].lower()
        clerk = users[f"vanthu.{unit}"]
        files = files_for(spec)
        if spec["via"] == "deliver":
            entry = entry_for(spec)
            sender_user = users.get(f"vanthu.{spec['sender'].lower()}")
            doc = S.deliver(session, units[spec["unit"]].id, units[spec["sender"]].id, entry,
                            files, sender_user=sender_user)
            if spec["steps"] and spec["steps"][0][0] == "register":
                spec["steps"] = spec["steps"][1:]
                S.register(session, doc, clerk, entry)
        else:
            doc = S.intake(session, clerk, spec["via"], entry_for(spec), files[0], files[1:])
        return doc

    def run_steps(spec, doc):
        unit = spec["unit"].lower()
        clerk, head = users[f"vanthu.{unit}"], users[f"lanhdao.{unit}"]
        for step in spec["steps"]:
            kind = step[0]
            if kind == "refuse":
                S.refuse(session, doc, clerk, step[1])
            elif kind == "cancel":
                S.cancel(session, doc, clerk, step[1])
            elif kind == "assign":
                how = step[1]
                deadline = how["deadline"]
                if deadline == "next":  # the next working day after arrival (hỏa tốc)
                    deadline = add_working_days(session, doc.arrival_date, 1)
                parties = [party("lead", how["lead"], deadline)]
                parties += [party("cooperate", who, deadline) for who in how.get("cooperate",
                                                                                 ())]
                parties += [party("inform", who) for who in how.get("inform", ())]
                S.assign(session, doc, head, how["direction"], parties)
            elif kind == "sub":
                parent = next(a for a in doc.assignments if a.active and a.parent_id is None
                              and a.unit_id == units[step[1]].id)
                how = step[2]
                S.sub_assign(session, parent, users[f"lanhdao.{step[1].lower()}"],
                             [party("lead", how["lead"], how["deadline"],
                                    how.get("instruction", ""))])
            elif kind == "note":
                S.add_note(session, doc, users[step[1]], step[2])
            elif kind == "read":
                S.mark_read(session, doc, users[step[1]])
            elif kind == "complete":
                results = []
                if len(step) > 3 and step[3]:
                    results.append(_store_pdf(
                        demo_pdf(spec, heading=f"Kết quả xử lý văn bản {spec['symbol']}"),
                        _file_name(spec["symbol"], "-ket-qua"), check_attachment))
                S.complete(session, doc, users[step[1]], step[2], results)
            else:  # pragma: no cover - a mistake in the demo data
                raise ValueError(f"unknown demo step {kind!r}")

    try:
        docs = {}
        for i in order:
            prepare(specs[i])
            docs[i] = arrive(specs[i])
        for i in order:
            run_steps(specs[i], docs[i])
        session.flush()
        created = list(docs.values())
        session.commit()
    except Exception:
        session.rollback()
        raise
    counts = {}
    for doc in created:
        counts[doc.state] = counts.get(doc.state, 0) + 1
    late = sum(1 for d in created if d.state == "done" and d.completed_late)
    overdue = sum(1 for d in created if S.days_overdue(d, today))
    per_unit = ", ".join(f"{abbr} {sum(1 for d in created if d.unit_id == units[abbr].id)}"
                         for abbr in ("VPHU", "BTCHU"))
    labels = [("pending", "in the inbox"), ("refused", "refused"),
              ("registered", "to assign"), ("assigned", "assigned"),
              ("in_progress", "in progress"), ("done", "completed"),
              ("cancelled", "cancelled")]
    parts = [f"{counts.get(state, 0)} {label}" for state, label in labels]
    parts[5] += f" ({late} late)"
    echo(f"Incoming demo documents: {len(created)} created ({per_unit}): "
         + ", ".join(parts) + f"; {overdue} overdue.")
    return counts


# -- outgoing documents ------------------------------------------------------------------
#
# Văn bản đi of VPHU (and two of BTCHU) in every state and on every list of the outgoing
# screens, made through the real services (app.outgoing.services) as the officials, heads
# and clerks would: drafts and their versions, the route (trình, trả lại), signing, the
# number (one of them cancelled and given again), the final signed PDF, issuing, recall and
# replacement. What the recipients then do with their copy (refuse, register, assign,
# process, complete, answer a recall) goes through the receiving side's own services, so
# the statuses 01–06, 13, 15, 16 and P reach the sender the way they do in use. Everything
# happens today, except the signature of the one document issued late (see "signed_at").

_TU = "Tỉnh ủy Hưng Yên"
_VPTU = "Văn phòng Tỉnh ủy Hưng Yên"
_UBKTTU = "Ủy ban Kiểm tra Tỉnh ủy Hưng Yên"
_UBND = "Ủy ban nhân dân huyện Kim Động"
_BTCD = "Ban Tiếp công dân huyện Kim Động"

_DOCX_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>')
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def demo_docx(paragraphs):
    """A plain Word document (.docx), one paragraph per item (a "**" prefix makes it bold):
    a draft as an official types it before it is signed. The same text gives the same
    bytes."""
    import io
    import zipfile
    from xml.sax.saxutils import escape

    body = []
    for text in paragraphs:
        bold = text.startswith("**")
        text = text[2:] if bold else text
        props = "<w:rPr><w:b/></w:rPr>" if bold else ""
        body.append(f'<w:p><w:r>{props}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'
                    "</w:p>")
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body>" + "".join(body) + '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        "</w:sectPr></w:body></w:document>")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, content in (("[Content_Types].xml", _DOCX_CONTENT_TYPES),
                              ("_rels/.rels", _DOCX_RELS), ("word/document.xml", document)):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return buf.getvalue()


def _demo_outgoing(today, ahead):
    """The demo outgoing documents: one dict per document, with what happens to it.

    Keys: key (to refer to it), unit (the drafting unit: its chuyenvien drafts, its
    lanhdao signs, its vanthu numbers and issues), type, summary, urgency, to (recipients:
    a unit abbreviation receives electronically, (name or unit, channel) otherwise), sign
    (signing form, title above the signature), draft ("docx" or "pdf": the first version),
    pages, annex (an attachment), reply_to (symbol of an incoming document of the unit),
    replaces (key of an earlier document; "{replaces}" in the summary is its symbol), and
    steps, in order, on the sender's side — ("version",), ("submit", comment), ("return",
    comment), ("sign",), ("signed_at", working days back), ("sensitive",), ("number",),
    ("cancel_number", reason), ("final",), ("issue", late reason), ("recall", reason) — or
    on a recipient's copy: ("at", unit, "register" | "refuse" | "assign" | "note" |
    "complete" | "recall_answer", …)."""
    y, m = today.year, today.month
    nm, ny = (m % 12) + 1, y + (m == 12)

    def d(n):
        return ahead(n).strftime("%d/%m/%Y")

    submit = ("submit", "Kính trình đồng chí xem xét, ký ban hành.")
    signed = [submit, ("sign",)]
    issued = signed + [("number",), ("final",), ("issue", "")]
    t_l = ("T/L", "T/L Ban Thường vụ, Chánh Văn phòng")
    t_m = ("T/M", "T/M Ban Thường vụ, Phó Bí thư")
    own = ("", "Chánh Văn phòng")
    k_t = ("K/T", "K/T Trưởng ban, Phó Trưởng ban")
    units_e = ["BTCHU", "UBKTHU", "BTGDVHU"]
    return [
        # -- drafted, never sent (two versions) ----------------------------------------
        dict(key="tongket", unit="VPHU", type="KH", pages=2, sign=t_m,
             summary=f"Kế hoạch tổ chức Hội nghị tổng kết công tác năm {y}, triển khai "
                     f"phương hướng, nhiệm vụ năm {y + 1}",
             to=units_e + ["TTCT", "MTTQ"],
             steps=[("version",)]),
        # -- waiting for the head's approval --------------------------------------------
        dict(key="baocaothang", unit="VPHU", type="BC", draft="pdf", sign=t_l,
             summary=f"Báo cáo kết quả công tác tháng {m} năm {y}",
             to=["HU", (_VPTU, "email")],
             steps=[("submit", "Kính trình đồng chí Chánh Văn phòng xem xét, ký ban hành; "
                               "số liệu đã đối chiếu với báo cáo của các ban.")]),
        # -- returned to the drafter with a comment -------------------------------------
        dict(key="dondoc", unit="VPHU", type="CV", sign=own,
             summary=f"V/v đôn đốc báo cáo kết quả thực hiện Quy chế dân chủ ở cơ sở năm {y}",
             to=["ĐBCA", "ĐBQS", "ĐBTT"],
             steps=[submit,
                    ("return", f"Đề nghị ghi rõ thời hạn gửi báo cáo (trước ngày {d(5)}), "
                               "gửi kèm đề cương báo cáo và bổ sung nơi nhận là Ủy ban Mặt "
                               "trận Tổ quốc huyện.")]),
        # -- signed, waiting for a number -----------------------------------------------
        dict(key="lichct", unit="VPHU", type="TB", sign=t_l,
             summary=f"Thông báo lịch công tác tháng {nm} năm {ny} của Thường trực Huyện ủy",
             to=["HU"] + units_e + ["MTTQ"], steps=signed),
        # -- numbered, final PDF attached, waiting to be issued --------------------------
        dict(key="tieuban", unit="VPHU", type="QĐ", sign=t_m,
             summary=f"Quyết định thành lập các tiểu ban phục vụ Hội nghị tổng kết công tác "
                     f"năm {y} của Đảng bộ huyện",
             to=units_e + ["TTCT"],
             steps=signed + [("number",), ("final",)]),
        # -- issued late, with the reason; BTCHU completes it (06) ------------------------
        dict(key="bienche", unit="VPHU", type="CV", sign=own,
             summary=f"V/v cung cấp số liệu biên chế, quỹ lương năm {y + 1} của các cơ quan "
                     "khối Đảng để xây dựng dự toán ngân sách",
             to=["BTCHU", "UBKTHU"],
             steps=[submit, ("sign",), ("signed_at", 3), ("number",), ("final",),
                    ("issue", "Cán bộ văn thư nghỉ ốm, chưa bố trí được người thay nên văn "
                              "bản phát hành chậm so với quy định."),
                    ("at", "BTCHU", "register"),
                    ("at", "BTCHU", "assign", 2,
                     "Giao chuyên viên tổng hợp số liệu biên chế, gửi Văn phòng."),
                    ("at", "BTCHU", "complete", "Đã gửi số liệu biên chế, quỹ lương năm "
                                                f"{y + 1} của 6 cơ quan khối Đảng về Văn "
                                                "phòng Huyện ủy.")]),
        # -- issued: a number cancelled and given again; BTCHU registers it (03) ----------
        dict(key="ketluan", unit="VPHU", type="TB", sign=t_l,
             summary="Thông báo kết luận của Thường trực Huyện ủy tại buổi làm việc với Ban "
                     f"Thường vụ Đảng ủy xã Toàn Thắng về tình hình thực hiện nhiệm vụ năm {y}",
             to=["ĐBTT", "BTCHU", "UBKTHU", (_UBND, "email")],
             steps=signed + [("number",),
                             ("cancel_number", "Số đã cấp trùng với văn bản vào sổ giấy trong "
                                               "thời gian hệ thống tạm dừng; hủy số này, cấp "
                                               "số mới."),
                             ("number",), ("final",), ("issue", ""),
                             ("at", "BTCHU", "register")]),
        # -- issued; BTCHU refuses it (02) … --------------------------------------------
        dict(key="nopluu", unit="VPHU", type="CV", sign=own,
             summary=f"V/v rà soát, lập danh mục hồ sơ, tài liệu các cơ quan khối Đảng nộp lưu "
                     f"vào Lưu trữ lịch sử năm {y}",
             to=units_e,
             steps=issued + [("at", "BTCHU", "refuse",
                              "Văn bản nêu \"gửi kèm danh mục hồ sơ\" nhưng không có phụ lục "
                              "kèm theo; đề nghị bổ sung và gửi lại.")]),
        # -- … and is replaced by a new document with the annex; BTCHU assigns it (04) ----
        dict(key="nopluu2", unit="VPHU", type="CV", sign=own, replaces="nopluu",
             annex="Phụ lục: Danh mục hồ sơ, tài liệu nộp lưu",
             summary=f"V/v rà soát, lập danh mục hồ sơ, tài liệu các cơ quan khối Đảng nộp lưu "
                     f"vào Lưu trữ lịch sử năm {y} (thay thế Công văn số {{replaces}})",
             to=units_e,
             steps=issued + [("at", "BTCHU", "register"),
                             ("at", "BTCHU", "assign", 6,
                              "Giao chuyên viên phụ trách lưu trữ rà soát, lập danh mục hồ sơ "
                              "của Ban, gửi Văn phòng đúng hạn.")]),
        # -- returned once, a second version signed and issued; BTCHU processes it (05) --
        dict(key="thamluan", unit="VPHU", type="CV", sign=t_l,
             summary=f"V/v chuẩn bị tham luận tại Hội nghị tổng kết công tác năm {y}",
             to=units_e + ["MTTQ"],
             steps=[submit,
                    ("return", "Đề nghị nêu rõ thời hạn gửi tham luận và dung lượng mỗi tham "
                               "luận không quá 1.500 từ."),
                    ("version",),
                    ("submit", "Đã tiếp thu ý kiến, kính trình đồng chí ký ban hành."),
                    ("sign",), ("number",), ("final",), ("issue", ""),
                    ("at", "BTCHU", "register"),
                    ("at", "BTCHU", "assign", 4,
                     "Giao chuyên viên dự thảo tham luận về công tác phát triển đảng viên."),
                    ("at", "BTCHU", "note", "Đã xây dựng đề cương tham luận, đang tổng hợp số "
                                            "liệu phát triển đảng viên 11 tháng.")]),
        # -- Hỏa tốc, the reply to Tỉnh ủy's 142-CV/TU ------------------------------------
        dict(key="solieu", unit="VPHU", type="BC", urgency=3, sign=t_l, reply_to="142-CV/TU",
             summary="Báo cáo số liệu phục vụ xây dựng Báo cáo trình Hội nghị Ban Chấp hành "
                     "Đảng bộ tỉnh",
             to=[(_TU, "email"), "HU"], steps=issued),
        # -- not sent through the software (Điều 6.1): paper only --------------------------
        dict(key="donthu", unit="VPHU", type="BC", sign=t_m,
             summary=f"Báo cáo kết quả xem xét, giải quyết đơn thư phản ánh liên quan đến cán "
                     f"bộ, đảng viên năm {y}",
             to=[("UBKTHU", "paper"), (_UBKTTU, "paper")],
             steps=signed + [("sensitive",), ("number",), ("final",), ("issue", "")]),
        # -- recalled: BTCHU accepts (15), the others have not answered (13) -------------
        dict(key="tiepdan", unit="VPHU", type="TB", sign=t_l,
             summary=f"Thông báo lịch tiếp công dân định kỳ của đồng chí Bí thư Huyện ủy tháng "
                     f"{nm} năm {ny}",
             to=["BTCHU", "UBKTHU", "MTTQ", (_BTCD, "paper")],
             steps=issued + [("at", "BTCHU", "register"),
                             ("recall", "Lịch tiếp công dân thay đổi do trùng Hội nghị Ban Chấp "
                                        "hành Đảng bộ tỉnh; Văn phòng sẽ thông báo lịch mới."),
                             ("at", "BTCHU", "recall_answer", True, "")]),
        # -- BTCHU: issued; VPHU assigns it (04) --------------------------------------------
        dict(key="boiduong", unit="BTCHU", type="CV", sign=k_t,
             summary="V/v đề nghị cử cán bộ tham gia lớp bồi dưỡng nghiệp vụ công tác tổ chức "
                     f"xây dựng Đảng năm {y + 1}",
             to=["VPHU", "UBKTHU", "BTGDVHU", "MTTQ"],
             steps=issued + [("at", "VPHU", "register"),
                             ("at", "VPHU", "assign", 3,
                              "Giao chuyên viên đề xuất danh sách cán bộ Văn phòng tham gia "
                              "lớp bồi dưỡng, báo cáo lãnh đạo Văn phòng.")]),
        # -- BTCHU: recalled after VPHU completed it; VPHU refuses the recall (16) ---------
        dict(key="huyhieu", unit="BTCHU", type="TB", sign=k_t,
             summary=f"Thông báo danh sách đảng viên được đề nghị tặng Huy hiệu Đảng đợt 07/11/"
                     f"{y}",
             to=["VPHU", "ĐBTT", "ĐBCA"],
             steps=issued + [("at", "VPHU", "register"),
                             ("at", "VPHU", "assign", 2,
                              "Giao chuyên viên thông báo đến Chi bộ Văn phòng."),
                             ("at", "VPHU", "complete", "Đã thông báo đến Chi bộ Văn phòng, "
                                                        "chuẩn bị tổ chức trao Huy hiệu."),
                             ("recall", "Danh sách còn thiếu 02 đồng chí đủ điều kiện; Ban Tổ "
                                        "chức thu hồi để bổ sung."),
                             ("at", "VPHU", "recall_answer", False,
                              "Văn bản đã được triển khai xong tại Chi bộ Văn phòng; đề nghị Ban "
                              "Tổ chức ban hành thông báo bổ sung thay vì thu hồi.")]),
    ]


def _recipient_label(names):
    return names[0] if len(names) == 1 else "các cơ quan, đơn vị"


def seed_outgoing(session, echo=None):
    """The demo outgoing documents, made through the real services, only when neither VPHU
    nor BTCHU has any outgoing document yet; all of them are committed together (a failure
    leaves none, and the files it stored are removed). Returns {state: count} of what was
    created ({} when nothing was)."""
    from datetime import UTC, datetime, time

    from sqlalchemy import func

    from app.core import storage
    from app.core.calendar import add_working_days
    from app.core.filecheck import check_attachment
    from app.core.timeutil import LOCAL_TZ, local_today, to_local
    from app.incoming import services as S
    from app.incoming.models import IncomingDocument
    from app.outgoing import services as O
    from app.outgoing.models import OutgoingDocument
    from app.security.services import user_can
    from app.trust.services import intake_check

    echo = echo or (lambda message: None)
    units = {u.abbreviation: u for u in session.execute(select(Unit)).unique().scalars()}
    if "VPHU" not in units or "BTCHU" not in units:
        echo("Outgoing demo documents: skipped (the demo units are missing).")
        return {}
    existing = session.execute(
        select(func.count(OutgoingDocument.id)).where(
            OutgoingDocument.unit_id.in_((units["VPHU"].id, units["BTCHU"].id)))).scalar_one()
    if existing:
        echo(f"Outgoing demo documents: {existing} already present, none added.")
        return {}
    users = {u.username: u for u in session.execute(select(AppUser)).unique().scalars()}
    needed = [f"{p}.{a}" for a in ("vphu", "btchu") for p in ("vanthu", "lanhdao",
                                                                 "chuyenvien")]
    missing = [name for name in needed if name not in users or not users[name].is_active]
    if missing:
        echo("Outgoing demo documents: skipped (missing or inactive accounts: "
             + ", ".join(missing) + ").")
        return {}
    allowed = all(user_can(users[f"{p}.{a}"], perm, P.OUTGOING, as_member=True)
                  for a in ("vphu", "btchu")
                  for p, perm in (("chuyenvien", P.DRAFT), ("lanhdao", P.SIGN),
                                  ("vanthu", P.ISSUE)))
    if not allowed:
        echo("Outgoing demo documents: skipped (the roles have no permissions yet: run "
             "`flask qlvb sync-roles`, then seed-demo again).")
        return {}

    types = {t.abbreviation: t for t in session.execute(select(DocumentType)).scalars()}
    today = local_today()
    back = _working_days_back(session, today)

    def ahead(n):
        return add_working_days(session, today, n)

    specs = _demo_outgoing(today, ahead)
    wanted_units = {spec["unit"] for spec in specs} | {
        (r if isinstance(r, str) else r[0]) for spec in specs for r in spec["to"]}
    problems = sorted(abbr for abbr in wanted_units & {row[0] for row in UNITS}
                      if abbr not in units or not units[abbr].active)
    problems += sorted(abbr for abbr in {s["type"] for s in specs}
                       if abbr not in types or not types[abbr].active)
    if problems:
        echo("Outgoing demo documents: skipped (missing or inactive units or document types: "
             + ", ".join(problems) + ").")
        return {}
    try:  # documents are numbered per term: one must cover the dates they take
        for day in (back(3), today):
            O.period_for(session, "term", day)
    except DomainError as error:
        echo(f"Outgoing demo documents: skipped ({error}).")
        return {}

    stored = []  # every file this run stores, removed again if it fails
    docs = {}
    cancelled = 0

    def store(data, name, check):
        import io

        f = storage.store(io.BytesIO(data), name, check=check)
        stored.append(f)
        return f

    def people(spec):
        unit = spec["unit"].lower()
        return (users[f"chuyenvien.{unit}"], users[f"lanhdao.{unit}"],
                users[f"vanthu.{unit}"])

    def paper(spec, summary, names, symbol=None, document_date=None):
        """The fields demo_pdf() lays out for a document of ``spec`` (a draft has no number
        and no date yet)."""
        unit = units[spec["unit"]]
        abbr = spec["type"]
        return dict(symbol=symbol or f"     -{abbr}/{unit.abbreviation}",
                    issuer=[unit.parent.name, unit.name] if unit.parent else [unit.name],
                    type=abbr, type_name=types[abbr].name, summary=summary, place="Kim Động",
                    document_date=document_date or today, author=unit.name,
                    recipient=_recipient_label(names), signer_title=spec["sign"][1],
                    signer=people(spec)[1].get_full_name())

    def draft_file(spec, doc_summary, recipients, version):
        unit = units[spec["unit"]]
        issuer = [unit.parent.name, unit.name] if unit.parent else [unit.name]
        lines = [f"**{line.upper()}" for line in issuer]
        lines += [f"Số:      -{spec['type']}/{unit.abbreviation}",
                  f"Kim Động, ngày     tháng {today.month:02d} năm {today.year}",
                  f"**DỰ THẢO LẦN {version}", f"**{types[spec['type']].name.upper()}",
                  doc_summary,
                  f"Căn cứ chương trình công tác năm {today.year}, {unit.name} dự thảo văn "
                  f"bản gửi {_recipient_label(recipients)} về việc: {doc_summary}.",
                  "Nơi nhận:"] + [f"- {name};" for name in recipients] + [
                  "- Lưu VT.", f"**{spec['sign'][1].upper()}"]
        name = f"du-thao-{spec['key']}-lan-{version}.docx"
        return store(demo_docx(lines), name, check_attachment)

    def recipient_specs(spec):
        out = []
        for item in spec["to"]:
            who, channel = (item, "electronic") if isinstance(item, str) else item
            if who in units:
                out.append(O.RecipientSpec(unit_id=units[who].id, channel=channel))
            else:
                out.append(O.RecipientSpec(name=who, channel=channel))
        return out

    def create(spec):
        author, head, _clerk = people(spec)
        summary = spec["summary"]
        replaces = docs[spec["replaces"]] if spec.get("replaces") else None
        if replaces is not None:
            summary = summary.format(replaces=replaces.symbol)
        reply_to = None
        if spec.get("reply_to"):
            reply_to = session.execute(
                select(IncomingDocument).where(
                    IncomingDocument.unit_id == units[spec["unit"]].id,
                    IncomingDocument.symbol == spec["reply_to"])
                .order_by(IncomingDocument.id)).unique().scalars().first()
        names = [units[r].name if isinstance(r, str) else
                 (units[r[0]].name if r[0] in units else r[0]) for r in spec["to"]]
        if spec.get("draft") == "pdf":
            first = store(demo_pdf(paper(spec, summary, names)), f"du-thao-{spec['key']}.pdf",
                          check_attachment)
        else:
            first = draft_file(spec, summary, names, 1)
        annexes = []
        if spec.get("annex"):
            annexes.append(store(demo_pdf(paper(spec, summary, names), heading=spec["annex"]),
                                 f"phu-luc-{spec['key']}.pdf", check_attachment))
        return O.create_draft(
            session, author, types[spec["type"]].id, summary, spec.get("urgency", 0), first,
            recipients=recipient_specs(spec), signer_id=head.id, attachments=annexes,
            reply_to_id=reply_to.id if reply_to is not None else None,
            replaces_id=replaces.id if replaces is not None else None)

    def received(doc, abbr):
        recipient = next(r for r in doc.recipients if r.unit_id == units[abbr].id)
        return session.get(IncomingDocument, recipient.incoming_document_id)

    def on_copy(doc, abbr, kind, *args):
        """What the recipient ``abbr`` does with its copy of ``doc``."""
        copy = received(doc, abbr)
        unit = abbr.lower()
        clerk, head = users[f"vanthu.{unit}"], users[f"lanhdao.{unit}"]
        official = users[f"chuyenvien.{unit}"]
        if kind == "register":
            entry = S.Entry.from_document(copy)
            entry.secrecy_confirmed = True
            entry.trust_reason = DEMO_UNSIGNED
            S.register(session, copy, clerk, entry)
        elif kind == "refuse":
            S.refuse(session, copy, clerk, args[0])
        elif kind == "assign":
            S.assign(session, copy, head, args[1],
                     [S.Party("lead", user_id=official.id, deadline=ahead(args[0]))])
        elif kind == "note":
            S.add_note(session, copy, official, args[0])
        elif kind == "complete":
            S.complete(session, copy, official, args[0])
        elif kind == "recall_answer":
            O.answer_recall(session, copy, clerk, args[0], args[1])
        else:  # pragma: no cover - a mistake in the demo data
            raise ValueError(f"unknown demo step {kind!r}")

    def run(spec, doc):
        nonlocal cancelled
        author, head, clerk = people(spec)
        version = 1
        for step in spec["steps"]:
            kind = step[0]
            if kind == "version":
                version += 1
                O.add_version(session, doc, author, draft_file(
                    spec, doc.summary, [r.name for r in doc.recipients], version))
            elif kind == "submit":
                O.submit(session, doc, author, head.id, step[1])
            elif kind == "return":
                O.return_draft(session, doc, head, step[1])
            elif kind == "sign":
                O.sign(session, doc, head, spec["sign"][0])
            elif kind == "signed_at":
                # History, not a shortcut: the demo is made in one go, so the one document
                # "issued late" must have been signed earlier. Only its signature time moves
                # back (16:30, n working days ago); its lateness, and the reason issue()
                # then requires, are the services' own. (The route step and the audit event
                # of the signature keep the time they were recorded at.)
                doc.signed_at = datetime.combine(back(step[1]), time(16, 30),
                                                 tzinfo=LOCAL_TZ).astimezone(UTC) \
                    .replace(tzinfo=None)
            elif kind == "sensitive":
                O.set_sensitive(session, doc, head, True)
            elif kind == "number":  # dated the day it was signed
                O.assign_number(session, doc, clerk, to_local(doc.signed_at).date())
            elif kind == "cancel_number":
                O.cancel_number(session, doc, clerk, step[1])
                cancelled += 1
            elif kind == "final":
                final = store(demo_pdf(paper(spec, doc.summary,
                                             [r.name for r in doc.recipients], doc.symbol,
                                             doc.document_date), pages=spec.get("pages", 1)),
                              _file_name(doc.symbol), intake_check(session))
                O.attach_final(session, doc, clerk, final)
            elif kind == "issue":
                O.issue(session, doc, clerk, step[1])
            elif kind == "recall":
                O.request_recall(session, doc, clerk, step[1])
            elif kind == "at":
                on_copy(doc, *step[1:])
            else:  # pragma: no cover - a mistake in the demo data
                raise ValueError(f"unknown demo step {kind!r}")

    try:
        for spec in specs:
            doc = create(spec)
            docs[spec["key"]] = doc
            run(spec, doc)
        session.flush()
        created = list(docs.values())
        session.commit()
    except Exception:
        session.rollback()
        storage.discard(session, stored)
        raise
    counts = {}
    for doc in created:
        counts[doc.state] = counts.get(doc.state, 0) + 1
    statuses = {}
    for doc in created:
        for r in doc.recipients if doc.state in ("issued", "recalled") else ():
            statuses[r.status] = statuses.get(r.status, 0) + 1
    late = sum(1 for d in created if d.late)
    per_unit = ", ".join(f"{abbr} {sum(1 for d in created if d.unit_id == units[abbr].id)}"
                         for abbr in ("VPHU", "BTCHU"))
    labels = [("draft", "draft"), ("review", "waiting for approval"),
              ("returned", "returned"), ("signed", "to number"), ("numbered", "to issue"),
              ("issued", "issued"), ("recalled", "recalled")]
    parts = [f"{counts.get(state, 0)} {label}" for state, label in labels]
    parts[5] += f" ({late} late)"
    echo(f"Outgoing demo documents: {len(created)} created ({per_unit}): " + ", ".join(parts)
         + "; recipients' statuses " + ", ".join(f"{code}×{n}" for code, n in
                                                sorted(statuses.items()))
         + f"; {cancelled} number cancelled.")
    return counts

