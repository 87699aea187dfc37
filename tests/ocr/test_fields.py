"""The register fields read from a first page's text (app/ocr/fields.py): typed samples
of both layouts (36-HD/VPTW, NĐ 30), as OCR gives them (the two header columns on one
line) and with OCR's noise. No OCR here: these are fast."""

from datetime import date

import pytest

from app.ocr.fields import Fields, fold, read_fields
from tests.ocr import corpus

PARTY_CV = """\
TỈNH ỦY HƯNG YÊN ĐẢNG CỘNG SẢN VIỆT NAM
*
Số 125-CV/TU Hưng Yên, ngày 20 tháng 11 năm 2026
V/v tổ chức Hội nghị tổng kết công tác
xây dựng Đảng năm 2026, triển khai
nhiệm vụ năm 2027

Kính gửi: Văn phòng Huyện ủy

Căn cứ chương trình công tác năm 2026, Tỉnh ủy đề nghị Văn phòng Huyện ủy chuẩn bị.

Nơi nhận: T/L BAN THƯỜNG VỤ
- Như trên; CHÁNH VĂN PHÒNG
- Lưu VT.

(Đã ký)

Nguyễn Văn Hùng
"""

PARTY_KH = """\
TỈNH ỦY HƯNG YÊN
BAN TỔ CHỨC
*
Số 89-KH/BTCTU
ĐẢNG CỘNG SẢN VIỆT NAM
Hưng Yên, ngày 05 tháng 10 năm 2026
KẾ HOẠCH
kiểm tra công tác phát triển đảng viên năm 2026
-----
Căn cứ Điều lệ Đảng, Ban Tổ chức Tỉnh ủy xây dựng kế hoạch như sau:
1. Mục đích, yêu cầu
K/T TRƯỞNG BAN
PHÓ TRƯỞNG BAN
Lê Thị Thu Hà
Nơi nhận:
- Các huyện ủy, thành ủy,
- Lưu VT, BTCTU.
"""

STATE_QD = """\
ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
HUYỆN KIM ĐỘNG Độc lập - Tự do - Hạnh phúc

Số: 12/QĐ-UBND Kim Động, ngày 09 tháng 02 năm 2026

QUYẾT ĐỊNH
Ban hành Quy chế làm việc của Ủy ban nhân dân huyện
nhiệm kỳ 2026 - 2031

ỦY BAN NHÂN DÂN HUYỆN KIM ĐỘNG
Căn cứ Luật Tổ chức chính quyền địa phương;

Nơi nhận: KT. CHỦ TỊCH
- Như Điều 3; PHÓ CHỦ TỊCH
- Lưu: VT.

Hoàng Văn Nam
"""

STATE_CV = """\
ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
HUYỆN KIM ĐỘNG Độc lập - Tự do - Hạnh phúc
Số: 1520/UBND-VP Kim Động, ngày 25 tháng 11 năm 2026
V/v phối hợp rà soát, cập nhật dữ liệu
dân cư trên địa bàn huyện
Kính gửi: Văn phòng Huyện ủy
Nơi nhận:
- Như trên;
- Lưu: VT, VP.
TM. ỦY BAN NHÂN DÂN
CHỦ TỊCH
Đỗ Văn Thắng
"""

# OCR noise: diacritics dropped or wrong, "S6" for "Số", joined words, specks, a letter O
# for a zero, extra spaces.
NOISY_KH = """\
-,TINH UY HUNG YEN .. `... -_ ĐẲNG CỘNG SẮN VIỆT NÀM'
BAN.TO CHUC "¬ ..
¬ - ¬ -. Hưng Yên ,  ngày  O5 tháng-10 năm 2026 ,
S6  89 - KH/BTCTÚ : -

-_ KẾHOẠCH ¬
kiểm tra công tác. phát triển đảng viên năm 2026 l

_ Căn cứ chương trình công tác năm 2026 và yêu cầu nhiệm vụ trong thời gian -
_ Nơinhận: ` ˆ ¬ K/T TRƯỞNG BAN -
- Như trên; ẫ " “ : PHÓ TRƯỞNG BAN
- Lưu VT. Ñ

`Le Thi Thu Ha.
"""


def test_party_cong_van_with_the_columns_joined():
    fields = read_fields(PARTY_CV)
    assert fields == Fields(
        author="TỈNH ỦY HƯNG YÊN", symbol="125-CV/TU", place="Hưng Yên",
        document_date=date(2026, 11, 20), document_type="CV",
        summary="V/v tổ chức Hội nghị tổng kết công tác xây dựng Đảng năm 2026, triển khai "
                "nhiệm vụ năm 2027",
        signer="Nguyễn Văn Hùng", recipients=("Như trên", "Lưu VT"))


def test_party_plan_with_the_columns_apart():
    fields = read_fields(PARTY_KH)
    assert fields.author == "TỈNH ỦY HƯNG YÊN BAN TỔ CHỨC"
    assert fields.symbol == "89-KH/BTCTU"
    assert (fields.place, fields.document_date) == ("Hưng Yên", date(2026, 10, 5))
    assert fields.document_type == "KH"
    assert fields.summary == "Kiểm tra công tác phát triển đảng viên năm 2026"
    assert fields.signer == "Lê Thị Thu Hà"
    assert fields.recipients == ("Các huyện ủy, thành ủy", "Lưu VT, BTCTU")


def test_state_decision_nd30():
    fields = read_fields(STATE_QD)
    assert fields.author == "ỦY BAN NHÂN DÂN HUYỆN KIM ĐỘNG"
    assert fields.symbol == "12/QĐ-UBND"
    assert fields.document_date == date(2026, 2, 9) and fields.place == "Kim Động"
    assert fields.document_type == "QĐ"
    assert fields.summary == ("Ban hành Quy chế làm việc của Ủy ban nhân dân huyện nhiệm kỳ "
                              "2026 - 2031")
    assert fields.signer == "Hoàng Văn Nam"
    assert fields.as_dict()["document_date"] == "09/02/2026"


def test_state_cong_van_has_no_title_and_signs_for_the_committee():
    fields = read_fields(STATE_CV)
    assert (fields.symbol, fields.document_type) == ("1520/UBND-VP", "CV")
    assert fields.summary == "V/v phối hợp rà soát, cập nhật dữ liệu dân cư trên địa bàn huyện"
    assert fields.signer == "Đỗ Văn Thắng"
    assert fields.recipients == ("Như trên", "Lưu: VT, VP")


def test_noisy_text_still_gives_the_fields():
    fields = read_fields(NOISY_KH)
    assert fields.symbol == "89-KH/BTCTU"
    assert fields.document_date == date(2026, 10, 5) and fields.place == "Hưng Yên"
    assert fields.document_type == "KH"
    assert fields.summary == "Kiểm tra công tác phát triển đảng viên năm 2026"
    assert fields.signer == "Le Thi Thu Ha"
    assert fields.author == "TỈNH ỦY HUNG YEN BAN TỔ CHỨC"  # the agency words put back


def test_installation_types_rename_the_codes():
    assert read_fields(PARTY_KH, {"Kế hoạch": "KHo"}).document_type == "KHo"


@pytest.mark.parametrize("text", ["", "\f\f", "Trang 2\nnội dung", "Số điện thoại: 0221"])
def test_nothing_readable_gives_none_everywhere(text):
    fields = read_fields(text)
    assert fields == Fields()
    assert set(fields.as_dict().values()) == {None}


def test_only_the_first_page_is_read():
    assert read_fields("Nội dung\f" + STATE_CV).symbol is None


def test_fold_keeps_the_length():
    text = "ĐẢNG CỘNG SẢN VIỆT NAM, Số: 12/QĐ-UBND, Ð"
    assert len(fold(text)) == len(text)
    assert fold(text) == "dang cong san viet nam, so: 12/qd-ubnd, d"


@pytest.mark.parametrize("spec", corpus.DOCUMENTS, ids=lambda spec: spec["key"])
def test_every_corpus_document_from_its_own_text_layer(spec):
    """The born-digital PDF's text (rows as OCR reads them) gives every field."""
    text = corpus.reference_layout(corpus.text_pdf(spec))
    assert {key: value for key, value in read_fields(text).as_dict().items()
            if key in corpus.FIELDS} == corpus.expected_fields(spec)
