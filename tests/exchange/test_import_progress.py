"""Packages imported many at a time show their progress (docs/domain.md §7, long work shows
progress): ``flask qlvb exchange import`` draws a bar on stderr when it is a terminal (the
JSON lines on stdout unchanged), and the admin's *Nhập gói edXML* screen receives the
uploaded packages in a background job whose percent and result the admin follows."""

import io
import json
import sys
from types import SimpleNamespace

from sqlalchemy import func, select

import app.cli as cli
from app.exchange.models import ExchangeMessage
from app.extensions import db
from app.incoming.models import IncomingDocument
from app.jobs.models import Job
from tests.conftest import client_for
from tests.exchange.conftest import package


class Terminal(io.StringIO):
    def isatty(self):
        return True


def lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def received(app):
    with app.app_context():
        n = db.session.execute(select(func.count()).select_from(IncomingDocument).where(
            IncomingDocument.unit_id.is_not(None))).scalar()
        db.session.remove()
    return n


def test_the_import_draws_a_bar_on_a_terminal_and_keeps_its_json_lines(
        app, world, runner, tmp_path, monkeypatch):
    good, bad = tmp_path / "a.edxml", tmp_path / "b.edxml"
    good.write_bytes(package())
    bad.write_bytes(b"<edXML>")
    args = ["qlvb", "exchange", "import", str(good), str(bad), str(good)]
    terminal = Terminal()
    monkeypatch.setattr(cli, "sys", SimpleNamespace(stderr=terminal, stdout=sys.stdout,
                                                    exit=sys.exit, argv=sys.argv))
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert [r["result"] for r in lines(result.stdout)] == ["received", "refused", "duplicate"]
    drawn = terminal.getvalue()
    assert "3/3" in drawn or "100%" in drawn
    # Not a terminal (a timer's log): no bar, the same lines.
    monkeypatch.setattr(cli, "sys", sys)
    result = runner.invoke(args=args)
    assert [r["result"] for r in lines(result.stdout)] == ["duplicate", "refused", "duplicate"]
    assert "%" not in result.stderr


def upload(client, *files):
    return client.post("/exchangeimport/upload", data={
        "packages": [(io.BytesIO(data), name) for name, data in files]},
        content_type="multipart/form-data")


def test_the_admin_uploads_packages_and_follows_the_job(app, world):
    admin = client_for(app, "admin")
    assert "edXML" in admin.get("/exchangeimport/").get_data(as_text=True)
    data = package()
    resp = upload(admin, ("19-BC-HU.edxml", data), ("hong.xml", b"<edXML>"),
                  ("lai.edxml", data))
    assert resp.status_code == 302 and "/myjobs/" in resp.location
    page = admin.get(resp.location).get_data(as_text=True)
    assert "100%" in page and "qlvb-job-result" in page
    result = admin.get(resp.location.rstrip("/") + "/result")
    assert result.status_code == 200
    assert [(r["file"], r["result"]) for r in lines(result.get_data(as_text=True))] == [
        ("19-BC-HU.edxml", "received"), ("hong.xml", "refused"), ("lai.edxml", "duplicate")]
    assert received(app) == 1
    with app.app_context():
        job = db.session.execute(select(Job).where(Job.kind == "exchange.import")
                                 ).scalar_one()
        assert job.result == {"received": 1, "refused": 1, "duplicate": 1}
        db.session.remove()
    # Another user does not see the admin's job.
    other = client_for(app, "vanthu.vphu")
    assert other.get(resp.location).status_code == 404


def test_a_file_that_is_not_a_package_refuses_the_upload(app, world):
    admin = client_for(app, "admin")
    resp = upload(admin, ("19-BC-HU.edxml", package()), ("cv.pdf", b"%PDF-1.4"))
    assert resp.status_code == 400
    assert "không phải gói edXML" in resp.get_data(as_text=True)
    resp = admin.post("/exchangeimport/upload", data={}, content_type="multipart/form-data")
    assert resp.status_code == 400
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Job)).scalar() == 0
        assert db.session.execute(select(func.count()).select_from(ExchangeMessage)
                                  ).scalar() == 0
        db.session.remove()


def test_only_the_system_admin_imports(app, world):
    for user in ("vanthu.vphu", "qtdv.vphu", "vanthu.btchu", "qtdv.btchu"):
        client = client_for(app, user)
        assert client.get("/exchangeimport/").status_code in (302, 403)
        resp = upload(client, ("19-BC-HU.edxml", package()))
        assert resp.status_code in (302, 403)
        assert "/myjobs/" not in (resp.location or "")
    assert received(app) == 0
    with app.app_context():
        assert db.session.execute(select(func.count()).select_from(Job)).scalar() == 0
        db.session.remove()
