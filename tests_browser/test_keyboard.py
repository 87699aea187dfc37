"""Keyboard alone, from the sign-in form on: the clerk signs in, receives a paper document,
registers it, and the head assigns it, pressing only Tab, Shift+Tab, Enter and Space and
typing the values
(the scan is picked from the file chooser the Space key opens). Each control reached has
a visible focus and a name; urgency and state badges carry their text."""

import re

from tests import pdfs
from tests_browser.conftest import PASSWORD

MAX_TABS = 400


def tab_to(page, selector, backwards=False):
    """Press Tab until the focused element matches ``selector``; check it shows its focus
    and has a name for assistive technology."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if page.evaluate("s => !!document.activeElement && document.activeElement.matches(s)",
                         selector):
            style = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
                return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }""")
            assert style[0] != "none" or style[2] != "none", (selector, style)
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def enter(page, key="Enter"):
    """Press ``key`` on a link or a button and wait for the page it opens."""
    with page.expect_navigation():
        page.keyboard.press(key)
    page.wait_for_load_state()


def type_into(page, selector, text):
    tab_to(page, selector)
    page.keyboard.type(text)


def keyboard_sign_in(walk, username):
    page = walk.new_page()
    page.goto(walk.base + "/login/")
    type_into(page, "input[name=username]", username)
    type_into(page, "input[name=password]", PASSWORD)
    enter(page)
    assert "/login" not in page.url
    return page


def test_paper_intake_register_and_assign_with_the_keyboard_alone(walk):
    summary = "V/v kiểm thử bàn phím: hội nghị tổng kết công tác văn thư"
    clerk = keyboard_sign_in(walk, "vanthu.vphu")
    with walk.step(clerk, "clerk-opens-intake-from-the-list-by-keyboard"):
        # From the landing page: the top bar's "to receive" counter, then the list's button.
        tab_to(clerk, "a#qlvb-count-receive")
        enter(clerk)
        assert "/incominginboxview/list" in clerk.url, clerk.url
        tab_to(clerk, "a[href$='/incomingview/intake']")
        enter(clerk)
        assert clerk.url.endswith("/incomingview/intake"), clerk.url
    with walk.step(clerk, "clerk-fills-the-form-by-keyboard"):
        tab_to(clerk, "input[name=main_file]")
        with clerk.expect_file_chooser() as chooser:
            clerk.keyboard.press("Space")
        chooser.value.set_files({"name": "Công văn bàn phím.pdf", "mimeType": "application/pdf",
                                 "buffer": pdfs.clean_pdf("Công văn kiểm thử bàn phím")})
        type_into(clerk, "input[name=author_name]", "Sở Tư pháp tỉnh Hưng Yên")
        type_into(clerk, "input[name=symbol]", "77/STP-VP")
        tab_to(clerk, "input[name=document_date]")
        clerk.keyboard.type(clerk.input_value("input[name=arrival_date]"))
        tab_to(clerk, "select[name=document_type_id]")
        clerk.keyboard.type("Công văn")
        type_into(clerk, "textarea[name=summary]", summary)
        type_into(clerk, "input[name=page_count]", "1")
        type_into(clerk, "input[name=signer_name]", "Lê Văn Tư")
        tab_to(clerk, "input[name=secrecy_confirmed]")
        clerk.keyboard.press("Space")
        assert clerk.is_checked("input[name=secrecy_confirmed]")
    with walk.step(clerk, "clerk-registers-with-enter"):
        tab_to(clerk, "form.qlvb-form button[type=submit]")
        enter(clerk)
        clerk.locator(".alert", has_text="Đã vào sổ văn bản").first.wait_for()
        badge = clerk.locator(".label-info", has_text="Chờ phân công").first
        assert badge.inner_text().strip() == "Chờ phân công"  # the state is written out
    doc = int(re.search(r"/show/(\d+)", clerk.url).group(1))

    head = keyboard_sign_in(walk, "lanhdao.vphu")
    with walk.step(head, "head-finds-the-document-by-keyboard"):
        tab_to(head, "a#qlvb-count-assign")  # the top bar's "to assign" counter
        enter(head)
        assert "/incomingtoassignview/list" in head.url, head.url
        tab_to(head, f"a[href*='/show/{doc}']")
        enter(head)
        assert head.url.endswith(f"/show/{doc}"), head.url
        tab_to(head, ".qlvb-doc-actions a.btn[href*='assign']")
        enter(head)
    with walk.step(head, "head-assigns-by-keyboard"):
        type_into(head, "textarea[name=direction]", "Giao đồng chí Viên chủ trì.")
        tab_to(head, "select[name=lead], select[name=lead] + .select2 .select2-selection")
        if head.evaluate("() => document.activeElement.tagName") == "SELECT":
            head.keyboard.type("Lê Thị Viên")
        else:  # Select2: Enter opens it, the name is typed, Enter chooses
            head.keyboard.press("Enter")
            search = head.locator(".select2-container--open .select2-search__field")
            search.wait_for(state="visible")
            for _ in range(50):  # Select2 moves the focus into its search box
                if head.evaluate("() => document.activeElement.classList"
                                 ".contains('select2-search__field')"):
                    break
                head.wait_for_timeout(100)
            head.keyboard.type("Vi", delay=80)
            head.locator(".select2-results__option--highlighted",
                         has_text="Viên").first.wait_for()
            head.keyboard.press("Enter")
        tab_to(head, "form.qlvb-form button[type=submit]")
        enter(head)
        head.locator(".alert", has_text="Đã phân công xử lý văn bản").first.wait_for()
        head.locator(".label-info", has_text="Đã phân công").first.wait_for()
