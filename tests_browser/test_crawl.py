"""Every word Vietnamese: each demo role opens every page its menu reaches, and from each
list the first document, the add form and the first edit form; no page shows an English
word of the screens (FAB's List, Search, Add, Edit, Record Count, Actions included) in its
text, its tooltips, the names given to screen readers, the choices of its lists, its menus
or its dialogs (tests_browser/english.py says what counts as English)."""

import re
from collections import defaultdict

import pytest

from tests_browser.english import TEXT_JS, WORD, english_words

ROLES = ["admin", "vanphong", "vanthu.vphu", "lanhdao.vphu", "chuyenvien.vphu", "qtdv.vphu"]
# Links of the top bar that are not pages of their own.
NOT_PAGES = re.compile(r"^/(logout|lang/|notificationview/open/)")
FOLLOWED = ("table a[href*='/show/']", "a[href$='/add']", "a[href*='/edit/']")


@pytest.fixture(scope="module")
def english():
    return english_words()


def menu_pages(page):
    hrefs = page.eval_on_selector_all("header a[href^='/']",
                                      "els => els.map(e => e.getAttribute('href'))")
    return [h for h in dict.fromkeys(hrefs) if not NOT_PAGES.match(h)]


@pytest.mark.parametrize("username", ROLES)
def test_no_english_word_on_any_page_of_the_menu(walk, english, username):
    page = walk.sign_in(username)
    pages = menu_pages(page)
    assert len(pages) > 5, pages
    found = defaultdict(set)

    def read(path):
        response = page.goto(walk.base + path)
        assert response is not None and response.status < 500, (path, response)
        text = page.evaluate(TEXT_JS)
        for match in WORD.finditer(text):
            if match.group(0).lower() in english:
                context = text[max(0, match.start() - 30):match.end() + 30]
                found[path].add(f"{match.group(0)!r} in «{' '.join(context.split())}»")

    followed = []
    for path in pages:
        read(path)
        for selector in FOLLOWED:
            link = page.locator(selector).first
            if link.count():
                followed.append(link.get_attribute("href"))
    for path in dict.fromkeys(followed):
        if path and path.startswith("/") and path not in pages:
            read(path)
    report = [f"{path}: {words}" for path, hits in sorted(found.items())
              for words in sorted(hits)[:5]]
    if report:
        walk.shot(page, f"{username}-english-words")
    assert report == [], f"{username} sees English words:\n" + "\n".join(report)
