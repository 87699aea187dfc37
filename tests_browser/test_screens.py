"""``make screenshots``: the main screens at an office screen's size (1366 × 768) and a
phone's (375 × 812), as the clerk and the admin see them, into ``docs/screens/`` (PNG of
the visible part of the page, kept small). Collected only when SCREENS_DIR is set."""

import os

import pytest

SCREENS_DIR = os.environ.get("SCREENS_DIR")
SIZES = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 375, "height": 812}}
SCREENS = [
    ("vanthu.vphu", "dashboard", "/"),
    ("vanthu.vphu", "incoming-list", "/incomingview/list/"),
    ("vanthu.vphu", "intake-form", "/incomingview/intake"),
    ("vanthu.vphu", "outgoing-list", "/outgoingview/list/"),
    ("vanthu.vphu", "registers", "/registers/"),
    ("vanthu.vphu", "search", "/search/?q=h%E1%BB%99i+ngh%E1%BB%8B"),
    ("admin", "role-list", "/roles/list/"),
]

pytestmark = pytest.mark.skipif(not SCREENS_DIR, reason="make screenshots sets SCREENS_DIR")


def test_screenshots_of_the_main_screens(walk):
    os.makedirs(SCREENS_DIR, exist_ok=True)
    for username, name, path in SCREENS:
        page = walk.sign_in(username)
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.goto(walk.base + path)
            page.wait_for_load_state()
            page.screenshot(path=os.path.join(SCREENS_DIR, f"{name}-{size}.png"))
    admin = walk.sign_in("admin")
    admin.goto(walk.base + "/roles/list/")
    edit = admin.locator("a[href*='/roles/edit/']").nth(3).get_attribute("href")
    clerk = walk.sign_in("vanthu.vphu")
    clerk.goto(walk.base + "/incomingview/list/")
    show = clerk.locator("table a[href*='/show/']").first.get_attribute("href")
    for page, name, path in ((admin, "role-editor", edit), (clerk, "incoming-document", show)):
        for size, viewport in SIZES.items():
            page.set_viewport_size(viewport)
            page.goto(walk.base + path)
            page.screenshot(path=os.path.join(SCREENS_DIR, f"{name}-{size}.png"))
