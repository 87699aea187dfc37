"""Accessibility, checked by axe-core (the ``axe-playwright-python`` package bundles it) in
Debian's Chromium: no serious or critical violation on the login page, the landing page,
each main list, the intake form, a document page, the register screen and the role
editor, at the office screen's size and at a phone's.

The figures of the run (pages checked, violations by impact) are written to
``artifacts/browser/a11y.json``; the README quotes them."""

import json
import os

import pytest

from tests_browser.conftest import ARTIFACTS

BLOCKING = {"serious", "critical"}
PHONE = {"width": 375, "height": 812}

CLERK_PAGES = [
    ("dashboard", "/"),
    ("incoming-todo", "/incomingtodoview/list/"),
    ("incoming-inbox", "/incominginboxview/list/"),
    ("incoming-to-assign", "/incomingtoassignview/list/"),
    ("incoming-in-progress", "/incominginprogressview/list/"),
    ("incoming-overdue", "/incomingoverdueview/list/"),
    ("incoming-all", "/incomingview/list/"),
    ("outgoing-all", "/outgoingview/list/"),
    ("outgoing-drafts", "/outgoingdraftsview/list/"),
    ("outgoing-to-number", "/outgoingtonumberview/list/"),
    ("intake-form", "/incomingview/intake"),
    ("outgoing-draft-form", "/outgoingview/draft"),
    ("search", "/search/?q=h%E1%BB%99i+ngh%E1%BB%8B"),
    ("registers", "/registers/"),
    ("reports", "/reports/"),
    ("notifications", "/notificationview/list/"),
]
ADMIN_PAGES = [
    ("roles", "/roles/list/"),
    ("users", "/users/list/"),
    ("units", "/unitview/list/"),
    ("audit", "/auditeventview/list/"),
]

_figures: dict = {"pages": 0, "by_impact": {}, "blocking": []}


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    yield Axe()
    path = os.path.join(ARTIFACTS, "a11y.json")
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(_figures, fh, ensure_ascii=False, indent=1)


def check(axe, page, name):
    """axe-core's verdict on ``page``: the serious and critical violations, described."""
    violations = axe.run(page).response["violations"]
    _figures["pages"] += 1
    found = []
    for v in violations:
        impact = v.get("impact") or "minor"
        _figures["by_impact"][impact] = _figures["by_impact"].get(impact, 0) + len(v["nodes"])
        if impact in BLOCKING:
            for node in v["nodes"][:3]:
                found.append(f"{name}: {impact} {v['id']} ({v['help']}) at {node['target']}: "
                             f"{node['html'][:120]}")
    _figures["blocking"].extend(found)
    return found


def visit(walk, page, path, label):
    with walk.step(page, label):
        page.goto(walk.base + path)
        page.wait_for_load_state()
        assert page.url.split("?")[0].endswith(path.split("?")[0]), page.url


def check_pages(walk, axe, page, pages, suffix=""):
    """Open each (name, path) of ``pages`` and return what axe-core finds serious there."""
    problems = []
    for name, path in pages:
        visit(walk, page, path, f"{name}{suffix}")
        problems += check(axe, page, f"{name}{suffix}")
    return problems


def first_show(walk, page, list_path):
    page.goto(walk.base + list_path)
    href = page.locator("table a[href*='/show/']").first.get_attribute("href")
    assert href, f"no document in {list_path}"
    return href


def test_login_page_has_no_serious_violation(walk, axe):
    problems = []
    for label, viewport in (("desktop", None), ("phone", PHONE)):
        page = walk.new_page()
        if viewport:
            page.set_viewport_size(viewport)
        visit(walk, page, "/login/", f"login-{label}")
        problems += check(axe, page, f"login ({label})")
    assert problems == [], "\n".join(problems)


def test_the_clerks_screens_have_no_serious_violation(walk, axe):
    clerk = walk.sign_in("vanthu.vphu")
    documents = [(name, first_show(walk, clerk, lst)) for name, lst in (
        ("incoming-document", "/incomingview/list/"),
        ("outgoing-document", "/outgoingview/list/"))]
    problems = check_pages(walk, axe, clerk, CLERK_PAGES + documents)
    assert problems == [], "\n".join(problems)


def test_phone_screens_have_no_serious_violation(walk, axe):
    clerk = walk.sign_in("vanthu.vphu")
    clerk.set_viewport_size(PHONE)
    problems = check_pages(walk, axe, clerk, [
        ("dashboard", "/"), ("incoming-all", "/incomingview/list/"),
        ("intake-form", "/incomingview/intake"), ("registers", "/registers/")], "-phone")
    assert problems == [], "\n".join(problems)


def test_the_role_editor_and_admin_screens_have_no_serious_violation(walk, axe):
    admin = walk.sign_in("admin")
    admin.goto(walk.base + "/roles/list/")
    edit = admin.locator("a[href*='/roles/edit/']").first.get_attribute("href")
    show = admin.locator("a[href*='/roles/show/']").first.get_attribute("href")
    problems = check_pages(walk, axe, admin, ADMIN_PAGES + [
        ("role-editor", edit), ("role-page", show), ("role-add", "/roles/add")])
    assert problems == [], "\n".join(problems)
