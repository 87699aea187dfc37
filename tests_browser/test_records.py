"""Hồ sơ công việc in the browser, in Vietnamese (docs/domain.md §9): the clerk copies this
year's approved plan into next year's draft and adds an entry, the head approves it; the
official opens a file from the plan, adds an incoming document and an internal paper, and
closes it; the clerk sends it to the archive; the archive (Lưu trữ cơ quan) checks it and
accepts it."""

import re

from tests_browser.test_walks import flash, pdf_file


def click(page, label, within="body"):
    page.locator(f"{within} button[type=submit]", has_text=label).first.click()
    page.wait_for_load_state()


def test_plan_open_add_close_transfer_accept(walk):
    clerk = walk.sign_in("vanthu.vphu")
    with walk.step(clerk, "clerk-copies-the-plan"):
        clerk.goto(walk.base + "/records/plans/")
        clerk.locator("#qlvb-plans a").first.click()
        clerk.wait_for_load_state()
        year = int(clerk.locator("#qlvb-plan-copy input[name=year]").input_value())
        click(clerk, "Sao sang dự thảo năm khác", "#qlvb-plan-copy")
        flash(clerk, "Đã sao danh mục sang dự thảo mới")
        assert f"Danh mục hồ sơ năm {year}" in clerk.content()
        plan_url = clerk.url
    with walk.step(clerk, "clerk-adds-an-entry"):
        form = clerk.locator("#qlvb-plan-entry")
        form.locator("input[name=title]").fill("Hồ sơ kiểm thử trình duyệt")
        form.locator("select[name=retention]").select_option(label="20 — 20 năm")
        click(clerk, "Thêm", "#qlvb-plan-entry")
        flash(clerk, "Đã thêm hồ sơ vào danh mục")
        row = clerk.locator("#qlvb-plan tr", has_text="Hồ sơ kiểm thử trình duyệt")
        notation = row.locator("td").first.inner_text().strip()
        assert re.match(r"^\d{2}\.[A-Z]+$", notation), notation
    head = walk.sign_in("lanhdao.vphu")
    with walk.step(head, "head-approves-the-plan"):
        head.goto(plan_url)
        head.fill("#qlvb-plan-approve input[name=decision_number]", "02-QĐ/HU")
        head.fill("#qlvb-plan-approve input[name=decision_date]", f"02/01/{year}")
        click(head, "Phê duyệt", "#qlvb-plan-approve")
        flash(head, "Đã phê duyệt danh mục hồ sơ")
        assert "Đã phê duyệt" in head.content()
    official = walk.sign_in("chuyenvien.vphu")
    with walk.step(official, "official-opens-the-file"):
        official.goto(plan_url)
        row = official.locator("#qlvb-plan tr", has_text="Hồ sơ kiểm thử trình duyệt")
        row.locator("button", has_text="Mở hồ sơ").click()
        official.wait_for_load_state()
        flash(official, "Đã mở hồ sơ")
        code = official.locator("h2").first.inner_text().replace("Hồ sơ", "").strip()
        assert code.endswith(f".{year}.{notation}"), code
        file_url = official.url
    with walk.step(official, "official-adds-an-incoming-document"):
        official.goto(walk.base + "/incomingtodoview/list/")
        link = official.locator("a[href*='/incomingview/show/'], "
                                "a[href*='/incomingtodoview/show/']")
        doc_id = re.search(r"/show/(\d+)", link.first.get_attribute("href")).group(1)
        official.goto(file_url)
        official.fill("#qlvb-file-add input[name=doc_id]", doc_id)
        click(official, "Thêm", "#qlvb-file-add")
        flash(official, f"Đã đưa văn bản vào hồ sơ {code}")
    with walk.step(official, "official-uploads-a-paper"):
        official.set_input_files("#qlvb-file-upload input[name=paper]",
                                 pdf_file("biên bản họp.pdf", "Biên bản họp kiểm thử"))
        official.fill("#qlvb-file-upload input[name=subject]", "Biên bản họp kiểm thử")
        official.fill("#qlvb-file-upload input[name=doc_date]", f"03/01/{year - 1}")
        official.fill("#qlvb-file-upload input[name=pages]", "2")
        click(official, "Tải lên", "#qlvb-file-upload")
        flash(official, "Đã đưa tài liệu vào hồ sơ")
        assert official.locator("#qlvb-file-items tbody tr").count() == 2
    with walk.step(official, "official-closes-the-file"):
        click(official, "Kết thúc hồ sơ", "#qlvb-file-close")
        flash(official, f"Đã kết thúc hồ sơ {code}")
        assert official.locator("#qlvb-file-state").inner_text() == "Đã kết thúc"
    with walk.step(clerk, "clerk-sends-it-to-the-archive"):
        clerk.goto(walk.base + "/records/transfers/")
        clerk.locator("#qlvb-transfer-create label", has_text=code).locator("input").check()
        click(clerk, "Nộp lưu", "#qlvb-transfer-create")
        flash(clerk, "Đã nộp lưu hồ sơ vào Lưu trữ cơ quan")
        transfer_url = clerk.url
        assert "Đã gửi Lưu trữ cơ quan" in clerk.content()
    keeper = walk.sign_in("luutru.vphu")
    with walk.step(keeper, "archive-accepts-the-file"):
        keeper.goto(transfer_url)
        row = keeper.locator("#qlvb-transfer-lines tr", has_text=code)
        row.locator("button", has_text="Tiếp nhận").click()
        keeper.wait_for_load_state()
        flash(keeper, "Lưu trữ cơ quan đã tiếp nhận hồ sơ")
        assert keeper.locator("#qlvb-transfer-state").inner_text() == "Đã kiểm tra xong"
        assert "tệp tin toàn vẹn (SHA-256)" in keeper.content()
    with walk.step(official, "official-sees-the-file-in-the-archive"):
        official.goto(file_url)
        assert official.locator("#qlvb-file-state").inner_text() == \
            "Lưu trữ cơ quan đã tiếp nhận"
        assert official.locator("#qlvb-file-close").count() == 0
