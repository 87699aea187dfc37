"""What a clerk reads dozens of times a day, in Debian's Chromium: the history of a
document opened seven times shows one folded line, not seven; the list's signature column
is a one-word badge; a download is named in Vietnamese, folded to ASCII, with the Unicode
name beside it (docs/domain.md §5.6)."""

import re

from tests_browser.test_walks import list_row

BADGES = {"hợp lệ", "cảnh báo", "không hợp lệ", "không ký"}
ENGLISH = re.compile(r"(?i)\b(incoming|outgoing|document|register|file|report|download)\b")


def _first_document(walk, page):
    """The page of the first document of the clerk's incoming list."""
    page.goto(walk.base + "/incomingview/list/")
    page.locator("table.table-hover a[href*='/incomingview/show/']").first.click()
    page.wait_for_load_state()
    assert "/incomingview/show/" in page.url, page.url
    return page.url


def test_seven_openings_of_a_file_read_as_one_line_of_the_history(walk):
    clerk = walk.sign_in("vanthu.vphu")
    with walk.step(clerk, "clerk-opens-a-document"):
        show = _first_document(walk, clerk)
        link = clerk.locator("a[href*='/preview/']").first
        name = link.locator("xpath=ancestor::tr").locator("td").nth(1).inner_text().strip()
        preview = walk.base + link.get_attribute("href") if link.get_attribute(
            "href").startswith("/") else link.get_attribute("href")
    with walk.step(clerk, "clerk-opens-its-file-seven-times"):
        for _ in range(7):
            answer = clerk.request.get(preview)
            assert answer.status == 200 and answer.headers["content-type"].startswith(
                "application/pdf")
        clerk.goto(show)
        rows = clerk.locator("table.qlvb-history tr")
        lines = [r.inner_text() for r in rows.all()]
        opened = [line for line in lines if "Đã mở tệp" in line and name in line
                  and "vanthu.vphu" in line]
        assert len(opened) == 1, lines
        times = int(re.search(r"×(\d+)", opened[0]).group(1))
        assert times >= 7, opened[0]
        assert re.search(r"lần cuối \d{2}:\d{2}", opened[0]), opened[0]
        # The decisions are still there: the registration heads the history.
        assert any("Vào sổ" in line or "vào sổ" in line for line in lines), lines


def test_the_signature_column_is_a_one_word_badge(walk):
    clerk = walk.sign_in("vanthu.vphu")
    with walk.step(clerk, "clerk-reads-the-incoming-list"):
        clerk.goto(walk.base + "/incomingview/list/")
        list_row(clerk, "")
        cells = clerk.locator("table.table-hover td[data-label='Chữ ký số']")
        texts = [" ".join(c.inner_text().split()) for c in cells.all()]
        assert texts, "no signature column on the list"
        shown = {t for t in texts if t}
        assert shown and shown <= BADGES, shown
        # The full verdict is one hover away, and on the document page.
        titled = cells.locator("[title]")
        assert titled.count() >= len(shown)


def test_downloads_are_named_in_vietnamese_folded_to_ascii(walk):
    clerk = walk.sign_in("vanthu.vphu")
    with walk.step(clerk, "clerk-downloads-a-file-and-a-register"):
        _first_document(walk, clerk)
        link = clerk.locator("a", has_text=re.compile(r"^\s*Tải về\s*$")).first
        with clerk.expect_download() as download:
            link.click()
        saved = download.value.suggested_filename
        assert saved and not ENGLISH.search(saved), saved
        answer = clerk.request.get(walk.base + link.get_attribute("href"))
        disposition = answer.headers["content-disposition"]
        plain = re.search(r'filename="([^"]+)"', disposition).group(1)
        assert plain.isascii() and re.fullmatch(r"[A-Za-z0-9.-]+", plain), disposition
        assert "filename*=UTF-8''" in disposition, disposition
        # A register printed from its screen: Vietnamese words, no English one.
        clerk.goto(walk.base + "/registers/")
        with clerk.expect_download() as download:
            clerk.locator("form.qlvb-register-form button[value=pdf]").click()
        answer = clerk.request.get(download.value.url)
        assert answer.status == 200, answer.status
        disposition = answer.headers["content-disposition"]
        plain = re.search(r'filename="([^"]+)"', disposition).group(1)
        assert plain.startswith("so-dang-ky-van-ban-"), plain
        assert plain.isascii() and not ENGLISH.search(plain.replace("-", " ")), plain
        assert "filename*=utf-8''s%e1%bb%95" in disposition.lower(), disposition  # "sổ"
