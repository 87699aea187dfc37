"""Vietnamese first: a complete catalog, Vietnamese pages, no string left out of it."""

import os
import subprocess
import sys

from babel.messages.pofile import read_po

from tests.conftest import client_for

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CATALOG = os.path.join(ROOT, "translations", "vi", "LC_MESSAGES", "messages.po")


def _catalog():
    with open(CATALOG, "rb") as fh:
        return read_po(fh, locale="vi")


def test_vi_catalog_has_no_empty_or_fuzzy_entry():
    cat = _catalog()
    bad = []
    for msg in cat:
        if not msg.id:
            continue
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        if msg.fuzzy or not all(s.strip() for s in strings):
            bad.append(msg.id)
    assert bad == []


def test_translations_update_summarises_new_fuzzy_and_obsolete_entries(tmp_path):
    head = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
    before = tmp_path / "before.po"
    after = tmp_path / "after.po"
    before.write_text(head + 'msgid "Kept"\nmsgstr "Giữ"\n\nmsgid "Gone"\nmsgstr "Bỏ"\n',
                      encoding="utf-8")
    after.write_text(head + '#, fuzzy\nmsgid "Kept"\nmsgstr "Giữ"\n\n'
                     'msgid "Added"\nmsgstr ""\n', encoding="utf-8")
    out = subprocess.run([sys.executable, os.path.join(ROOT, "translations", "summary.py"),
                          str(before), str(after)], check=True, capture_output=True,
                         text=True).stdout
    assert "1 new, 1 fuzzy, 1 obsolete" in out
    assert "new (translate): Added" in out and "obsolete (dropped): Gone" in out
    assert "fuzzy (check): Kept" in out


def test_every_string_in_the_code_is_in_the_catalog(tmp_path):
    import flask_appbuilder
    import wtforms

    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    os.path.join(ROOT, "babel.cfg"), "-k", "lazy_gettext", "-k", "_l",
                    "-k", "gettext", "-k", "_", "-k", "__", "-k", "ngettext:1,2",
                    "--no-location", "-o", str(pot), os.path.join(ROOT, "app"),
                    os.path.dirname(flask_appbuilder.__file__),
                    os.path.dirname(wtforms.__file__)],
                   check=True, capture_output=True)
    with open(pot, "rb") as fh:
        wanted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalog() if m.id}
    assert sorted(wanted - have) == []


def test_login_page_and_menus_read_vietnamese(app, world):
    page = app.test_client().get("/login/").get_data(as_text=True)
    assert "Đăng nhập" in page and 'lang="vi"' in page
    clerk = client_for(app, "vanthu.vphu").get("/incidentview/list/").get_data(as_text=True)
    assert "Sự cố và yêu cầu" in clerk
    assert "Đăng xuất" in clerk


def test_english_is_available(app, world):
    c = client_for(app, "vanthu.vphu")
    c.get("/lang/en")
    assert "Logout" in c.get("/incidentview/list/").get_data(as_text=True)


def test_dates_read_dd_mm_yyyy(app, world):
    from datetime import date

    from app.core.calendar import CalendarDay
    from app.extensions import db

    with app.app_context():
        db.session.add(CalendarDay(day=date(2026, 9, 2), kind="holiday", name="Quốc khánh"))
        db.session.commit()
    html = client_for(app, "admin").get("/calendardayview/list/").get_data(as_text=True)
    assert "02/09/2026" in html and "2026-09-02" not in html


def test_full_names_in_vietnamese_order(app, world):
    from app.extensions import db

    with app.app_context():
        user = world.user("vanthu.vphu")
        user.first_name, user.last_name = "Thư", "Nguyễn Thị"
        db.session.commit()
    html = client_for(app, "vanthu.vphu").get("/").get_data(as_text=True)
    assert "Nguyễn Thị Thư" in html


def test_templates_translate_in_the_language_of_the_moment(app):
    """The templates' ``_()`` finds the catalog once per request, and another within a
    change of language (an e-mail in its reader's language) and back."""
    from flask import render_template_string
    from flask_babel import force_locale

    page = "{{ _('Logout') }}|{{ _('Logout') }}"
    with app.test_request_context("/"):
        assert render_template_string(page) == "Đăng xuất|Đăng xuất"
        with force_locale("en"):
            assert render_template_string(page) == "Logout|Logout"
        assert render_template_string(page) == "Đăng xuất|Đăng xuất"
    with app.test_request_context("/?_l_=en"):
        with force_locale("en"):
            assert render_template_string("{{ _('Logout') }}") == "Logout"
