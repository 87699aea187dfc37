"""The lists on a phone and when empty, in Debian's Chromium: at 375 × 812 no main screen
scrolls sideways, the rows of a list are cards that begin with the number, date,
summary, state and deadline, every row's action is on the screen; an empty list says what
would appear there and offers the next step."""

import re

PHONE = {"width": 375, "height": 812}

# The main screens of each role (the document page is reached from the first list).
SCREENS = {
    "vanthu.vphu": ["/", "/incomingview/list/", "/incominginboxview/list/",
                    "/outgoingview/list/", "/incomingview/intake", "/search/?q=k%E1%BA%BF",
                    "/registers/"],
    "lanhdao.vphu": ["/incomingtoassignview/list/", "/outgoingwaitingformeview/list/"],
    "chuyenvien.vphu": ["/incomingtodoview/list/", "/outgoingdraftsview/list/"],
}

MEASURE = """(width) => {
    const wide = [...document.querySelectorAll('body *')]
        .filter(e => e.getClientRects().length && e.getBoundingClientRect().right > width + 1)
        .slice(0, 5)
        .map(e => e.tagName.toLowerCase() + '.' + String(e.className).replace(/ +/g, '.'));
    return {scroll: Math.max(document.documentElement.scrollWidth, window.innerWidth),
            width: width, wide: wide};
}"""


def phone(walk, username):
    """The page of ``username`` (signed in through the login form) at a phone's size."""
    page = walk.sign_in(username)
    page.set_viewport_size(PHONE)
    return page


def no_sideways_scroll(page):
    # Against the phone's width: a mobile browser zooms a wider page out, and its window
    # then reads wider too.
    found = page.evaluate(MEASURE, PHONE["width"])
    assert found["scroll"] <= found["width"], (
        f"{page.url} scrolls sideways: {found['scroll']} px wide on a {found['width']} px "
        f"screen; wider than the screen: {found['wide']}")


def test_no_main_screen_scrolls_sideways_on_a_phone(walk):
    for username, paths in SCREENS.items():
        page = phone(walk, username)
        for path in paths:
            label = f"{username}-{path.strip('/').split('?')[0].replace('/', '-') or 'home'}"
            with walk.step(page, label):
                page.goto(walk.base + path)
                page.wait_for_load_state()
                no_sideways_scroll(page)
    clerk = walk.sign_in("vanthu.vphu")
    with walk.step(clerk, "clerk-opens-a-document-on-a-phone"):
        clerk.goto(walk.base + "/incomingview/list/")
        clerk.locator("td.qlvb-row-actions a").first.click()
        clerk.wait_for_load_state()
        assert re.search(r"/incomingview/show/\d+", clerk.url)
        no_sideways_scroll(clerk)


def test_list_rows_are_cards_with_the_number_first_and_their_actions_on_screen(walk):
    page = phone(walk, "vanthu.vphu")
    with walk.step(page, "clerk-list-as-cards"):
        page.goto(walk.base + "/incomingview/list/")
        card = page.locator("table.qlvb-list-table tbody tr").first
        card.wait_for(state="visible")
        cells = card.evaluate("""tr => [...tr.children]
            .filter(td => getComputedStyle(td).display !== 'none')
            .map(td => ({cls: td.className, label: td.dataset.label || '',
                         order: Number(getComputedStyle(td).order),
                         top: td.getBoundingClientRect().top}))
            .sort((a, b) => a.top - b.top)""")
        assert card.evaluate("tr => getComputedStyle(tr).display") == "flex"
        order = [c["cls"].split()[0] for c in cells if c["label"]]
        assert order[:4] == ["qlvb-c-number_label", "qlvb-c-arrival_date",
                             "qlvb-c-summary", "qlvb-c-state_label"], order
        assert all(c["label"] for c in cells if "qlvb-c-" in c["cls"])
        button = card.locator("td.qlvb-row-actions a").first
        box = button.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        # The urgency badge carries its word, not only its colour.
        badges = page.locator("table.qlvb-list-table span[class*=qlvb-urgency-]")
        assert all(t.strip() for t in badges.all_inner_texts())


def test_an_empty_list_explains_itself_and_offers_the_next_step(walk):
    clerk = walk.sign_in("vanthu.btchu")
    with walk.step(clerk, "empty-list-of-late-outgoing-documents"):
        clerk.goto(walk.base + "/outgoinglateview/list/")
        empty = clerk.locator(".qlvb-empty")
        empty.wait_for(state="visible")
        text = empty.inner_text()
        assert "Không có văn bản nào phát hành muộn" in text, text
        assert empty.locator("a.btn", has_text="Tất cả văn bản đi").count() == 1
    with walk.step(clerk, "empty-search-result-offers-to-clear-the-filters"):
        clerk.goto(walk.base + "/outgoingview/list/?_flt_0_summary=khongcodauxyz")
        empty = clerk.locator(".qlvb-empty")
        empty.wait_for(state="visible")
        assert "Không có bản ghi nào khớp" in empty.inner_text()
        empty.locator("a.btn").click()
        clerk.wait_for_load_state()
        assert "_flt_" not in clerk.url
