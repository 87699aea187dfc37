"""Each role signs in through the login form and walks the main flows in Vietnamese, in
Debian's Chromium: a paper document from intake to completion, and an outgoing document
from draft to issue, registered by the recipient unit's clerk in one run and refused
with a reason in the other, the sender seeing what the recipient did.

Assertions are on what a user reads: the flash messages and the state labels in
Vietnamese (the catalog's translations), not only on addresses."""

import itertools
import re

from tests import pdfs

_serial = itertools.count(1)


def unique(text):
    """``text`` with a mark of this run, so that each walk finds its own document."""
    return f"{text} (kiểm thử trình duyệt {next(_serial)}-{id(_serial) % 10000})"


def flash(page, text):
    """The flash message ``text`` is shown."""
    alert = page.locator(".alert", has_text=text)
    alert.first.wait_for(state="visible")


def state(page, label):
    """The document's state label reads ``label``."""
    badge = page.locator(".label-info", has_text=label)
    badge.first.wait_for(state="visible")


def list_row(page, text):
    """The row of the list table (not the top bar's notifications) that reads ``text``."""
    row = page.locator("table.table-hover tr", has_text=text).first
    row.wait_for(state="visible")
    return row


def shown_id(page, view):
    m = re.search(rf"/{view}/show/(\d+)", page.url)
    assert m, f"not on a document page of {view}: {page.url}"
    return int(m.group(1))


def choose(page, select_name, text):
    """Choose in the <select name=select_name> (plain or Select2) the option whose label
    contains ``text``."""
    value = page.evaluate(
        """([name, text]) => {
            const select = document.querySelector(`select[name="${name}"]`);
            const option = [...select.options].find(o => o.textContent.includes(text));
            return option ? option.value : null;
        }""", [select_name, text])
    assert value is not None, f"no option containing {text!r} in {select_name}"
    page.select_option(f"select[name={select_name}]", value, force=True)


def type_date(page, name, value):
    """Type a date (dd/mm/yyyy) into the date field ``name`` as a user does, key by key (the
    date picker reads the keys), and leave it."""
    field = page.locator(f"input[name={name}]")
    field.fill("")
    field.press_sequentially(value)
    field.press("Tab")
    assert field.input_value() == value, f"the date field {name} reads {field.input_value()!r}"


def pdf_file(name, text):
    return {"name": name, "mimeType": "application/pdf", "buffer": pdfs.clean_pdf(text)}


def docx_file(name, text):
    return {"name": name, "buffer": pdfs.docx_bytes(text),
            "mimeType": "application/vnd.openxmlformats-officedocument."
                        "wordprocessingml.document"}


def action(page, label):
    """Click the document page's action button ``label``."""
    page.locator(".qlvb-doc-actions a.btn").filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first.click()
    page.wait_for_load_state()


def submit(page, label):
    page.locator("form.qlvb-form button[type=submit]", has_text=label).click()
    page.wait_for_load_state()


# -- incoming: paper intake → register → assign → process → complete ---------------------

def test_paper_document_from_intake_to_completion(walk):
    summary = unique("V/v tổ chức hội nghị sơ kết công tác xây dựng Đảng")
    clerk = walk.sign_in("vanthu.vphu")
    with walk.step(clerk, "clerk-fills-the-intake-form"):
        clerk.goto(walk.base + "/incomingview/intake")
        clerk.get_by_text("Tiếp nhận văn bản giấy").first.wait_for()
        clerk.set_input_files("input[name=main_file]",
                              pdf_file("Công văn 215.pdf", "Công văn số 215 của Sở Nội vụ"))
        clerk.fill("input[name=author_name]", "Sở Nội vụ tỉnh Hưng Yên")
        clerk.fill("input[name=symbol]", f"215/SNV-VP{next(_serial)}")
        type_date(clerk, "document_date", clerk.input_value("input[name=arrival_date]"))
        choose(clerk, "document_type_id", "Công văn")
        clerk.fill("textarea[name=summary]", summary)
        clerk.fill("input[name=page_count]", "2")
        clerk.fill("input[name=signer_name]", "Nguyễn Văn Hùng")
        clerk.check("input[name=secrecy_confirmed]")
    with walk.step(clerk, "clerk-registers-vao-so"):
        submit(clerk, "Vào sổ")
        flash(clerk, "Đã vào sổ văn bản")
        state(clerk, "Chờ phân công")
    doc = shown_id(clerk, "incomingview")
    show = f"{walk.base}/incomingview/show/{doc}"

    head = walk.sign_in("lanhdao.vphu")
    with walk.step(head, "head-opens-the-document-to-assign"):
        head.goto(walk.base + "/incomingtoassignview/list/")
        list_row(head, summary).locator("a[href*='/show/']").first.click()
        head.wait_for_load_state()
        assert head.url.endswith(f"/show/{doc}"), head.url
        action(head, "Phân công")
        head.fill("textarea[name=direction]", "Giao đồng chí Viên chủ trì, báo cáo trước hạn.")
        choose(head, "lead", "Viên")
    with walk.step(head, "head-assigns"):
        submit(head, "Phân công")
        flash(head, "Đã phân công xử lý văn bản")
        state(head, "Đã phân công")
        head.get_by_text("Chủ trì").first.wait_for()

    official = walk.sign_in("chuyenvien.vphu")
    with walk.step(official, "official-adds-a-progress-note"):
        official.goto(show)
        official.fill("textarea[name=text]", "Đã liên hệ các chi bộ, đang tổng hợp số liệu.")
        official.get_by_role("button", name="Ghi nhận").click()
        official.wait_for_load_state()
        flash(official, "Đã ghi ý kiến vào văn bản")
        state(official, "Đang xử lý")
        official.get_by_text("Đã liên hệ các chi bộ, đang tổng hợp số liệu.").first.wait_for()
    with walk.step(official, "official-completes"):
        action(official, "Hoàn thành")
        official.fill("textarea[name=result]", "Đã tổ chức hội nghị, có báo cáo kèm theo.")
        submit(official, "Hoàn thành")
        flash(official, "Đã hoàn thành")
        state(official, "Hoàn thành")

    with walk.step(clerk, "clerk-sees-it-completed"):
        clerk.goto(show)
        state(clerk, "Hoàn thành")


# -- outgoing: draft → route → sign → number → final PDF → issue → the recipient --------

def issue_to_btchu(walk, summary):
    """The official drafts, the head signs, the clerk numbers, attaches the signed PDF and
    issues to the Ban Tổ chức; returns the outgoing document's address."""
    official = walk.sign_in("chuyenvien.vphu")
    with walk.step(official, "official-writes-the-draft"):
        official.goto(walk.base + "/outgoingview/draft")
        choose(official, "document_type_id", "Công văn")
        official.fill("textarea[name=summary]", summary)
        choose(official, "signer_id", "Đạo")
        choose(official, "units", "Ban Tổ chức Huyện ủy")
        official.set_input_files("input[name=draft_file]",
                                 docx_file("Dự thảo công văn.docx", summary))
    with walk.step(official, "official-saves-the-draft"):
        submit(official, "Lưu dự thảo")
        flash(official, "Đã lưu dự thảo")
        state(official, "Dự thảo")
    show = f"{walk.base}/outgoingview/show/{shown_id(official, 'outgoingview')}"
    with walk.step(official, "official-sends-it-for-approval"):
        action(official, "Trình duyệt")
        official.fill("textarea[name=comment]", "Kính trình đồng chí xem xét, ký ban hành.")
        submit(official, "Gửi")
        flash(official, "Đã chuyển dự thảo")
        state(official, "Đang trình duyệt")

    head = walk.sign_in("lanhdao.vphu")
    with walk.step(head, "head-signs"):
        head.goto(show)
        action(head, "Duyệt và ký")
        submit(head, "Ký")
        flash(head, "Đã ký dự thảo")
        state(head, "Đã ký, chờ cấp số")

    clerk = walk.sign_in("vanthu.vphu")
    with walk.step(clerk, "clerk-gives-the-number"):
        clerk.goto(show)
        action(clerk, "Cấp số")
        submit(clerk, "Cấp số")
        flash(clerk, "Đã cấp số")
        state(clerk, "Đã cấp số, chờ phát hành")
        # The message names what changed: the number, its date and the draft.
        message = " ".join(" ".join(clerk.locator(".alert").all_text_contents()).split())
        assert re.search(r"Đã cấp số \d+[-/]\S+ ngày \d{2}/\d{2}/\d{4} cho dự thảo «", message), \
            message
        assert summary[:30] in message, message
    with walk.step(clerk, "clerk-attaches-the-final-pdf"):
        action(clerk, "Đính kèm bản PDF đã ký")
        clerk.set_input_files("input[name=final_file]",
                              pdf_file("Bản ký.pdf", f"Bản đã ký: {summary}"))
        submit(clerk, "Đính kèm")
        flash(clerk, "Đã đính kèm bản đã ký")
    with walk.step(clerk, "clerk-issues"):
        action(clerk, "Phát hành")
        submit(clerk, "Phát hành")
        flash(clerk, "Đã phát hành văn bản")
        state(clerk, "Đã phát hành")
    return show


def open_from_inbox(walk, page, summary):
    """The recipient's clerk finds the document in "Chờ tiếp nhận" and opens it."""
    page.goto(walk.base + "/incominginboxview/list/")
    page.get_by_role("link", name=re.compile("Chờ tiếp nhận")).first.wait_for()
    list_row(page, summary).locator("a[href*='/show/']").first.click()
    page.wait_for_load_state()
    state(page, "Chờ tiếp nhận")


def test_outgoing_issued_and_registered_by_the_recipient(walk):
    summary = unique("V/v góp ý dự thảo quy chế làm việc của Ban Chấp hành")
    show = issue_to_btchu(walk, summary)

    recipient = walk.sign_in("vanthu.btchu")
    with walk.step(recipient, "recipient-clerk-opens-it-from-the-inbox"):
        open_from_inbox(walk, recipient, summary)
        action(recipient, "Vào sổ")
        recipient.check("input[name=secrecy_confirmed]")
        if recipient.locator("textarea[name=trust_reason]").count():
            recipient.fill("textarea[name=trust_reason]", "Bản kiểm thử chưa ký số")
    with walk.step(recipient, "recipient-clerk-registers-it"):
        submit(recipient, "Vào sổ")
        flash(recipient, "Đã vào sổ văn bản")
        state(recipient, "Chờ phân công")

    sender = walk.pages["chuyenvien.vphu"]
    with walk.step(sender, "sender-sees-it-registered"):
        sender.goto(show)
        row = sender.locator("tr", has_text="Ban Tổ chức Huyện ủy").filter(has_text="03")
        row.first.wait_for()
        assert "Đã vào sổ" in row.first.inner_text()


def test_outgoing_issued_and_refused_by_the_recipient(walk):
    summary = unique("V/v báo cáo kết quả đánh giá, xếp loại tổ chức cơ sở đảng")
    reason = "Văn bản gửi nhầm đơn vị, đề nghị gửi Ủy ban Kiểm tra."
    show = issue_to_btchu(walk, summary)

    recipient = walk.sign_in("vanthu.btchu")
    with walk.step(recipient, "recipient-clerk-opens-it-from-the-inbox"):
        open_from_inbox(walk, recipient, summary)
        action(recipient, "Từ chối")
        recipient.fill("textarea[name=reason]", reason)
    with walk.step(recipient, "recipient-clerk-refuses-it-with-a-reason"):
        submit(recipient, "Từ chối")
        flash(recipient, "Đã từ chối văn bản")

    sender = walk.pages["chuyenvien.vphu"]
    with walk.step(sender, "sender-sees-the-refusal-and-its-reason"):
        sender.goto(show)
        row = sender.locator("tr.danger", has_text="Ban Tổ chức Huyện ủy")
        row.first.wait_for()
        text = row.first.inner_text()
        assert "02" in text and "Đã từ chối" in text and reason in text, text


# -- the other roles ---------------------------------------------------------------------

def test_the_other_roles_sign_in_and_a_wrong_password_is_refused_in_vietnamese(walk):
    """The system administrator, the office (every unit, read-only) and the unit IT
    officer reach their screens in Vietnamese; a wrong password is refused with a
    Vietnamese message."""
    admin = walk.sign_in("admin")
    with walk.step(admin, "admin-sees-the-administration-menu"):
        admin.get_by_text("Quản trị").first.wait_for()
        admin.goto(walk.base + "/unitview/list/")
        list_row(admin, "Ban Tổ chức Huyện ủy")

    office = walk.sign_in("vanphong")
    with walk.step(office, "office-sees-every-units-documents"):
        office.goto(walk.base + "/incomingview/list/")
        office.locator(".panel-heading", has_text="Tất cả văn bản đến").first.wait_for()
        office.locator("table.table-hover tr a[href*='/show/']").first.wait_for()

    unit_admin = walk.sign_in("qtdv.vphu")
    with walk.step(unit_admin, "unit-it-officer-sees-the-units-accounts"):
        unit_admin.goto(walk.base + "/unitaccounts/list/")
        list_row(unit_admin, "vanthu.vphu")

    stranger = walk.new_page()
    with walk.step(stranger, "wrong-password-refused"):
        stranger.goto(walk.base + "/login/")
        stranger.fill("input[name=username]", "qtdv.btchu")
        stranger.fill("input[name=password]", "sai-mat-khau-2026")
        stranger.click("form [type=submit]")
        stranger.wait_for_load_state()
        assert "/login" in stranger.url
        flash(stranger, "Sai tên đăng nhập hoặc mật khẩu.")
