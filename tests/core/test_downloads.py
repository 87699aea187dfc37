"""Download names: Vietnamese, folded to ASCII in ``filename``, Unicode in ``filename*``."""

from datetime import date
from urllib.parse import unquote

from app.core.downloads import ascii_fold, content_disposition, period_part


def test_names_fold_to_ascii_and_keep_the_unicode_name():
    assert ascii_fold("sổ đăng ký văn bản đến HU 2026-11.pdf") == \
        "so-dang-ky-van-ban-den-HU-2026-11.pdf"
    assert ascii_fold("Đơn đề nghị (bản 2).final.PDF") == "Don-de-nghi-ban-2-final.PDF"
    assert ascii_fold("Ảnh.") == "Anh" and ascii_fold("…") == "tep"
    header = content_disposition('Công văn "số 12/2026"\r\n.pdf')
    assert header.startswith('attachment; filename="Cong-van-so-12-2026.pdf"; ')
    assert "\r" not in header and "\n" not in header
    assert unquote(header.split("filename*=UTF-8''", 1)[1]) == 'Công văn "số 12-2026" .pdf'
    assert content_disposition("a.pdf", inline=True).startswith("inline; ")


def test_a_period_in_a_name():
    assert period_part(date(2026, 11, 1), date(2026, 11, 30)) == "2026-11"
    assert period_part(date(2026, 1, 1), date(2026, 12, 31)) == "2026"
    assert period_part(date(2026, 1, 1), date(2026, 3, 31)) == "01-01-2026 đến 31-03-2026"
