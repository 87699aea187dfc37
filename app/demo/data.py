"""What the demo holds: the host agency and the units named in Quy chế 19-QC/HU (Kim Động),
the document types, the current term, this year's holidays, one account per role, and the
scenarios of the incoming and outgoing registers (one row per document, with the steps that
happen to it, interpreted by ``app.demo.incoming`` and ``app.demo.outgoing``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from app.security import permissions as P

Spec = dict[str, Any]
"""One document of a scenario table (see ``incoming_documents`` and ``outgoing_documents``)."""
DayFn = Callable[[int], date]
"""``back(n)`` / ``ahead(n)``: the date n working days before / after today."""

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

# (name, abbreviation, default processing days) — docs/domain.md §3.
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
    "luutru": ("Trữ", "Hoàng Thị"),
}

# Demo files carry no signature; registering them as e-documents needs a reason (Điều 8).
DEMO_UNSIGNED = "Dữ liệu trình diễn: văn bản chưa được ký số"


# -- incoming documents ------------------------------------------------------------------

# Senders from outside the system: (name, place, header lines of the issuer).
OUTSIDE: dict[str, tuple[str, str, list[str]]] = {
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



def incoming_documents(today: date, back: DayFn, ahead: DayFn) -> list[Spec]:
    """The demo register: one dict per document, with what happens to it (``steps``).

    ``back(n)`` is n working days before today, ``ahead(n)`` n working days after it.
    Keys: unit (receiving), via (deliver: from a unit of the system, left in the inbox
    unless a step registers it; external / paper: from outside, received and registered
    at once), sender (unit abbreviation or key of OUTSIDE), symbol, type, summary,
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


# -- outgoing documents ------------------------------------------------------------------

_TU = "Tỉnh ủy Hưng Yên"
_VPTU = "Văn phòng Tỉnh ủy Hưng Yên"
_UBKTTU = "Ủy ban Kiểm tra Tỉnh ủy Hưng Yên"
_UBND = "Ủy ban nhân dân huyện Kim Động"
_BTCD = "Ban Tiếp công dân huyện Kim Động"


def outgoing_documents(today: date, ahead: DayFn) -> list[Spec]:
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

    def d(n: int) -> str:
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
