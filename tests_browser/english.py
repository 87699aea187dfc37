"""What counts as an English word on a page (tests_browser/test_crawl.py): a word of the
catalog's English message ids that no Vietnamese translation uses, and FAB's own screen
words (List, Search, Add, Edit, Record Count, Actions, …) whatever the catalogs hold."""

import os
import re

from babel.messages.pofile import read_po

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOG = os.path.join(ROOT, "translations", "vi", "LC_MESSAGES", "messages.po")

WORD = re.compile(r"[A-Za-z]{3,}")

# FAB's screen words: English however the catalogs happen to use them.
FAB_WORDS = {
    "list", "search", "add", "edit", "record", "count", "actions", "action", "show",
    "delete", "back", "save", "name", "role", "roles", "permission", "permissions", "user",
    "users", "view", "views", "home", "login", "logout", "page", "next", "previous",
    "filter", "filters", "select", "yes", "refresh", "detail", "details", "first", "last",
    "date", "status", "title", "summary", "submit", "cancel", "close", "confirm", "profile",
    "security", "reset", "password", "language", "info", "audit", "created", "changed",
}

# Names of formats and standards, and Vietnamese syllables written without marks that
# happen to be English message words too.
NOT_ENGLISH = {
    "api", "pdf", "crl", "ocr", "qlvb", "http", "https", "json", "xml", "docx", "xlsx",
    "xls", "zip", "png", "jpeg", "jpg", "gif", "tiff", "pem", "der", "sha", "rsa", "hmac",
    "uuid", "oid", "url", "csrf", "ldap", "edxml", "qcvn", "tcvn", "vni", "unicode",
    "excel", "vphu", "btchu", "ubnd", "menu",
    "ban", "dang", "danh", "thu", "tin", "tra",
    "english",  # the other language, named in itself on the language menu
    "quy", "nguy", "hoach", "tuq", "ctr", "email", "csv", "ods", "odt", "rtf", "txt",
}

# What the crawl reads of a page: the visible text and the words a screen reader or a
# tooltip gives (title, aria-label, placeholder, alt, the value of buttons). A command
# quoted for the admin (`flask qlvb sync-roles`) is not a word of the screen.
TEXT_JS = """() => {
    const parts = [document.title, document.body.innerText.replace(/`[^`]*`/g, ' ')];
    for (const el of document.querySelectorAll('[title],[aria-label],[placeholder],[alt]')) {
        for (const a of ['title', 'aria-label', 'placeholder', 'alt']) {
            if (el.getAttribute(a)) parts.push(el.getAttribute(a));
        }
    }
    for (const el of document.querySelectorAll('input[type=submit],input[type=button]')) {
        parts.push(el.value);
    }
    // What shows only once opened: the choices of a list, menus, dialogs.
    for (const el of document.querySelectorAll('option, .dropdown-menu a, .modal')) {
        parts.push(el.textContent.replace(/`[^`]*`/g, ' '));
    }
    return parts.join('\\n');
}"""


def english_words():
    """The words that, seen on a Vietnamese page, are English."""
    with open(CATALOG, "rb") as fh:
        catalog = read_po(fh, locale="vi")
    english, vietnamese = set(), set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= {w.lower() for w in WORD.findall(re.sub(r"%\(\w+\)[sd]", " ", text))}
        for text in strings:
            vietnamese |= {w.lower() for w in WORD.findall(text)}
    return ((english - vietnamese) | FAB_WORDS) - NOT_ENGLISH
