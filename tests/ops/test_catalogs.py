"""A deployment that never compiled the catalogs still serves Vietnamese pages: the app
compiles a missing or stale .mo at start-up."""

import logging
import os
import shutil

from app.core.catalogs import ensure_compiled
from app.extensions import db
from tests.conftest import make_app

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _copy_without_mo(tmp_path):
    copy = tmp_path / "translations"
    shutil.copytree(os.path.join(ROOT, "translations"), copy,
                    ignore=shutil.ignore_patterns("*.mo"))
    return copy


def test_an_app_built_without_compiled_catalogs_serves_vietnamese(database, tmp_path):
    copy = _copy_without_mo(tmp_path)
    assert not (copy / "vi" / "LC_MESSAGES" / "messages.mo").exists()
    app = make_app(database, tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(copy))
    try:
        assert (copy / "vi" / "LC_MESSAGES" / "messages.mo").exists()
        page = app.test_client().get("/login/").get_data(as_text=True)
        assert "Đăng nhập" in page and "Tên đăng nhập" in page
    finally:
        with app.app_context():
            db.engine.dispose()


def test_a_stale_catalog_is_compiled_again(tmp_path):
    copy = _copy_without_mo(tmp_path)
    assert len(ensure_compiled(str(copy))) == 2
    assert ensure_compiled(str(copy)) == []  # up to date: nothing to do at the next start
    po = copy / "vi" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    os.utime(mo, (po.stat().st_mtime - 10, po.stat().st_mtime - 10))
    assert ensure_compiled(str(copy)) == [str(mo)]


def test_a_catalog_that_cannot_be_written_is_logged_not_fatal(tmp_path, caplog, monkeypatch):
    # the migration run (alembic's fileConfig) disabled the loggers that existed before it
    monkeypatch.setattr(logging.getLogger("app.core.catalogs"), "disabled", False)
    copy = _copy_without_mo(tmp_path)
    # Where the .mo should go there is a directory: writing it fails like a read-only disk.
    (copy / "vi" / "LC_MESSAGES" / "messages.mo").mkdir()
    os.utime(copy / "vi" / "LC_MESSAGES" / "messages.mo", (0, 0))
    with caplog.at_level(logging.ERROR, logger="app.core.catalogs"):
        written = ensure_compiled(str(copy))
    assert written == [str(copy / "en" / "LC_MESSAGES" / "messages.mo")]
    assert "cannot compile" in caplog.text and "vi/LC_MESSAGES/messages.po" in caplog.text
