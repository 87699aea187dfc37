"""Forms that lose nothing and pages that speak the reader's language, in Debian's
Chromium: a chosen file survives the intake form's validation errors (app.core.staging);
a notification made while another user read English reads in Vietnamese
(app.notifications); a year's register is built as a background job whose progress and
result the page shows (app.jobs)."""

import itertools

from tests_browser.test_walks import choose, flash, pdf_file, state, submit, type_date, unique

_serial = itertools.count(1)


def fill_intake(page, base, file_name, author, symbol, summary=None):
    """The intake form filled as a clerk fills it (the summary left empty when None)."""
    page.goto(base + "/incomingview/intake")
    page.set_input_files("input[name=main_file]", pdf_file(file_name, f"{file_name} {author}"))
    page.fill("input[name=author_name]", author)
    page.fill("input[name=symbol]", f"{symbol}{next(_serial)}")
    type_date(page, "document_date", page.input_value("input[name=arrival_date]"))
    choose(page, "document_type_id", "Công văn")
    if summary is not None:
        page.fill("textarea[name=summary]", summary)
    page.check("input[name=secrecy_confirmed]")


def test_intake_file_survives_two_validation_errors(walk):
    clerk = walk.sign_in("vanthu.vphu")
    summary = unique("V/v chuẩn bị hội nghị tổng kết năm")
    with walk.step(clerk, "clerk-chooses-the-file-and-forgets-the-summary"):
        fill_intake(clerk, walk.base, "Công văn 317.pdf", "Sở Tài chính tỉnh Hưng Yên",
                    "317/STC-VP")
        submit(clerk, "Vào sổ")
        clerk.get_by_text("Đã tải lên: Công văn 317.pdf (").wait_for()
        clerk.get_by_text("Đổi tệp").first.wait_for()
    with walk.step(clerk, "clerk-types-a-wrong-date-the-file-stays"):
        clerk.fill("textarea[name=summary]", summary)
        type_date(clerk, "document_date", "01/01/1900")
        submit(clerk, "Vào sổ")
        flash(clerk, "Ngày văn bản phải")
        clerk.get_by_text("Đã tải lên: Công văn 317.pdf (").wait_for()
        assert clerk.input_value("textarea[name=summary]") == summary
    with walk.step(clerk, "clerk-corrects-the-date-and-registers-without-choosing-again"):
        type_date(clerk, "document_date", clerk.input_value("input[name=arrival_date]"))
        if clerk.locator("input[name=secrecy_confirmed]").is_checked() is False:
            clerk.check("input[name=secrecy_confirmed]")
        submit(clerk, "Vào sổ")
        flash(clerk, "Đã vào sổ văn bản")
        state(clerk, "Chờ phân công")
        clerk.get_by_text("Công văn 317.pdf").first.wait_for()


def test_notification_made_in_english_reads_in_vietnamese(walk):
    clerk = walk.sign_in("vanthu.btchu")
    summary = unique("V/v góp ý dự thảo báo cáo chính trị")
    with walk.step(clerk, "clerk-reading-english-registers-a-paper-document"):
        clerk.goto(walk.base + "/lang/en")
        fill_intake(clerk, walk.base, "Công văn 88.pdf", "Huyện ủy Ân Thi", "88-CV/HU", summary)
        clerk.get_by_text("Receive a paper or outside document").first.wait_for()
        submit(clerk, "Enter in the register")
        flash(clerk, "was registered with arrival number")
    head = walk.sign_in("lanhdao.btchu")
    with walk.step(head, "head-reads-the-notification-in-vietnamese"):
        head.goto(walk.base + "/notificationview/list/")
        row = head.locator("table tr", has_text=summary).first
        row.wait_for(state="visible")
        text = row.inner_text()
        assert "Chờ phân công:" in text and "To assign" not in text, text


def test_year_register_bundle_shows_progress_and_its_result(walk):
    clerk = walk.sign_in("vanthu.vphu")
    with walk.step(clerk, "clerk-asks-for-the-years-registers"):
        clerk.goto(walk.base + "/registers/")
        clerk.locator("form.qlvb-bundle-form [type=submit]").click()
        clerk.wait_for_load_state()
        assert "/myjobs/" in clerk.url, clerk.url
    with walk.step(clerk, "the-job-page-shows-100-percent-and-the-result"):
        clerk.locator(".progress-bar", has_text="100%").wait_for()
        link = clerk.locator("a.qlvb-job-result")
        assert "Tải kết quả" in link.inner_text()
        with clerk.expect_download() as download:
            link.click()
        name = download.value.suggested_filename
        assert name.endswith(".zip") and "VPHU" in name, name
