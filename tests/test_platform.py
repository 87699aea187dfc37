"""The schema the migrations build is the schema the models describe; nothing is loaded
from the internet; the demo data loads twice without change."""

import re

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from app.extensions import db
from tests.conftest import client_for


def test_migrated_schema_matches_models(app):
    from app.search.models import alembic_include_name

    with app.app_context():
        with db.engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"include_name": alembic_include_name})
            diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_pages_load_nothing_from_outside_and_send_csp(app, world):
    c = client_for(app, "admin")
    for path in ("/", "/users/list/", "/roles/list/", "/unitview/list/", "/unitview/add",
                 "/incidentview/list/", "/auditeventview/list/", "/swagger/v1"):
        resp = c.get(path)
        assert resp.status_code == 200, path
        html = resp.get_data(as_text=True)
        assert not re.search(r"""(src|href)=["']https?://""", html), path
        csp = resp.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self' 'nonce-" in csp
        nonce = re.search(r"'nonce-([^']+)'", csp).group(1)
        for tag in re.findall(r"<script[^>]*>", html):
            assert f'nonce="{nonce}"' in tag, (path, tag)
    assert c.get("/userstatschartview/chart/").status_code == 404


def test_the_layout_parts_are_rendered_once_per_language_with_each_pages_nonce(app, world):
    """The style sheets and scripts of every page are rendered once per language and
    kept (app/web/parts.py); each page carries its own nonce in them, the words are the
    page's language."""
    from flask import template_rendered

    from app.core import kept

    kept.clear()
    rendered = []

    def _note(sender, template, context, **extra):
        if template.name.startswith("qlvb/parts/"):
            rendered.append(template.name)

    c = client_for(app, "vanthu.vphu")
    template_rendered.connect(_note, app)
    try:
        pages = [c.get(path) for path in ("/incomingview/list/", "/outgoingview/list/", "/")]
        c.get("/lang/en")
        english = c.get("/incomingview/list/")
    finally:
        template_rendered.disconnect(_note, app)
    assert sorted(rendered) == sorted(2 * ["qlvb/parts/head_css.html",
                                           "qlvb/parts/head_js.html",
                                           "qlvb/parts/tail_js.html"])
    nonces = set()
    for resp in [*pages, english]:
        html = resp.get_data(as_text=True)
        nonce = re.search(r"'nonce-([^']+)'", resp.headers["Content-Security-Policy"]).group(1)
        assert set(re.findall(r'nonce="([^"]*)"', html)) == {nonce}
        assert "/static/qlvb/qlvb.js" in html and "/static/qlvb/qlvb.css" in html
        nonces.add(nonce)
    assert len(nonces) == 4
    assert 'data-select-row="Chọn dòng này"' in pages[0].get_data(as_text=True)
    assert 'data-select-row="Select this row"' in english.get_data(as_text=True)


def test_seed_demo_twice_changes_nothing(app, runner):
    from app.core.audit import AuditEvent
    from app.security.models import AppUser

    first = runner.invoke(args=["qlvb", "seed-demo"])
    assert first.exit_code == 0, first.output
    assert "vanthu.vphu" in first.output and "Demo@2026qlvb" in first.output
    with app.app_context():
        users = db.session.query(AppUser).count()
        events = db.session.query(AuditEvent).count()
    second = runner.invoke(args=["qlvb", "seed-demo"])
    assert second.exit_code == 0
    with app.app_context():
        assert db.session.query(AppUser).count() == users
        assert db.session.query(AuditEvent).count() == events
    for name in ("admin", "vanphong", "vanthu.vphu", "lanhdao.vphu", "chuyenvien.vphu",
                 "qtdv.vphu", "vanthu.btchu", "lanhdao.btchu", "chuyenvien.btchu",
                 "qtdv.btchu"):
        assert client_for(app, name, "Demo@2026qlvb")
