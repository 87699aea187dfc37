"""Backup and restore round-trip the demo: a backup of the demo restored into an empty
installation holds the same rows and files, its audit trail and file store verify, and a
backup that was tampered with (or an installation that is not empty) is refused."""

import json
import os
import shutil
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import create_engine, func, select, text

from app.extensions import db
from config import TestConfig
from tests.conftest import _reset_database, _rows


def _seed(runner):
    result = runner.invoke(args=["qlvb", "seed-demo"])
    assert result.exit_code == 0, (result.output, result.exception)


def _restore_url(url):
    """The database a PostgreSQL run restores into: the test database's name + _restore,
    created when missing."""
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_restore"
    admin = create_engine(urlunsplit(parts._replace(path="/postgres")),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                            {"n": name}).scalar():
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return urlunsplit(parts._replace(path="/" + name))


def _empty_installation(url, files):
    """An installation as `flask db upgrade` leaves it: migrated, no rows."""
    from flask_migrate import upgrade

    from app import create_app

    _reset_database(url)
    target = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=str(files))
    with target.app_context():
        upgrade()
        db.session.remove()
    return target


def _state(app):
    with app.app_context():
        with db.engine.connect() as conn:
            state = {t.name: _rows(conn, t) for t in db.metadata.sorted_tables}
        db.engine.dispose()
    for row in state["search_document"]:
        row.pop("tsv")  # derived from body, on PostgreSQL only
    return state


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=["qlvb", *args])


def _targets(database, tmp_path):
    yield "sqlite:///" + str(tmp_path / "restored.db")
    if database["url"].startswith("postgresql"):
        yield _restore_url(database["url"])


def test_the_demo_round_trips_through_backup_and_restore(app, runner, database, tmp_path):
    _seed(runner)
    out = tmp_path / "backup"
    result = runner.invoke(args=["qlvb", "backup", "--out", str(out)])
    assert result.exit_code == 0, (result.output, result.exception)
    manifest = json.loads((out / "manifest.json").read_text())
    source = _state(app)
    assert {n: len(rows) for n, rows in source.items()} == \
        {n: e["rows"] for n, e in manifest["tables"].items()}
    assert manifest["tables"]["ab_user"]["rows"] > 5
    assert manifest["tables"]["ab_permission_view_role"]["rows"] > 50
    assert manifest["tables"]["audit_event"]["rows"] > 0 and len(manifest["files"]) > 5
    with app.app_context():
        revision = db.session.execute(text("SELECT version_num FROM alembic_version")).scalar()
    assert manifest["schema_revision"] == revision
    assert manifest["app_version"] and manifest["created"]

    for n, url in enumerate(_targets(database, tmp_path)):
        files = tmp_path / f"restored-files-{n}"
        target = _empty_installation(url, files)
        result = _cli(target, "restore", str(out))
        assert result.exit_code == 0, (result.output, result.exception)
        assert f"{len(manifest['files'])} files" in result.output
        restored = _state(target)
        for name in source:
            for a, b in zip(source[name], restored[name], strict=True):
                assert {k: v for k, v in a.items() if b[k] != v} == \
                    {k: v for k, v in b.items() if a[k] != v}, name
        for command in (("audit", "verify"), ("storage", "verify", "--strict")):
            result = _cli(target, *command)
            assert result.exit_code == 0 and result.output.startswith("OK"), result.output
        # A restored installation goes on numbering after the rows it holds.
        assert _cli(target, "sync-roles").exit_code == 0
        assert _cli(target, "seed-demo").exit_code == 0
        # Restoring twice is refused: the installation is not empty any more.
        result = _cli(target, "restore", str(out))
        assert result.exit_code != 0 and "empty installation" in result.output
        with target.app_context():
            db.engine.dispose()


def _tampered(out, tmp_path, change):
    copy = tmp_path / f"tampered-{change.__name__}"
    shutil.copytree(out, copy)
    change(copy)
    return copy


def _an_audit_event_rewritten(copy):
    path = copy / "db" / "audit_event.jsonl"
    lines = path.read_text().splitlines()
    row = json.loads(lines[-1])
    row["username"] = "someone else"
    lines[-1] = json.dumps(row, ensure_ascii=False, sort_keys=True)
    path.write_text("\n".join(lines) + "\n")


def _a_stored_file_replaced(copy):
    stored = next(p for p in (copy / "files").rglob("*") if p.is_file())
    stored.write_bytes(stored.read_bytes() + b"\n% appended")


def _rows_dropped_from_the_manifest(copy):
    # The hashes still match; the rows do not: the restore fails after placing the files,
    # and must take them out again.
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["tables"]["incoming_file"]["rows"] += 1
    (copy / "manifest.json").write_text(json.dumps(manifest))


def test_a_tampered_backup_is_refused_and_leaves_nothing(app, runner, tmp_path):
    _seed(runner)
    out = tmp_path / "backup"
    assert runner.invoke(args=["qlvb", "backup", "--out", str(out)]).exit_code == 0
    files = tmp_path / "restored-files"
    target = _empty_installation("sqlite:///" + str(tmp_path / "restored.db"), files)
    def counts():
        with target.app_context():
            found = {t.name: db.session.execute(select(func.count()).select_from(t)).scalar()
                     for t in db.metadata.sorted_tables}
            db.session.remove()
        return found

    # As migrated: nothing but the empty audit chain's head row and the security stamp.
    empty = counts()
    assert {n for n, c in empty.items() if c} == {"audit_chain_head", "security_stamp"}
    for change in (_an_audit_event_rewritten, _a_stored_file_replaced,
                   _rows_dropped_from_the_manifest):
        copy = _tampered(out, tmp_path, change)
        result = _cli(target, "restore", str(copy))
        assert result.exit_code == 1 and "restore refused" in result.output, result.output
        if change is not _rows_dropped_from_the_manifest:
            assert "SHA-256" in result.output
        assert counts() == empty, change.__name__
        assert not [p for p in files.rglob("*") if p.is_file()], change.__name__
    with target.app_context():
        db.engine.dispose()


def test_backup_refuses_a_directory_that_is_not_empty(app, runner, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "x").write_text("x")
    result = runner.invoke(args=["qlvb", "backup", "--out", str(tmp_path / "old")])
    assert result.exit_code == 1 and "not empty" in result.output
    assert os.listdir(tmp_path / "old") == ["x"]


def test_the_dump_is_one_snapshot_while_the_application_writes(app, runner, tmp_path):
    """A transaction that commits while the backup reads its tables is either not in the
    dump at all (PostgreSQL's snapshot) or waits for the backup (SQLite's read lock):
    never half in it."""
    import sqlite3

    from sqlalchemy import event

    outcome = {}

    def write_meanwhile():
        insert_day = ("INSERT INTO calendar_day (day, kind, name) "
                      "VALUES ('2031-01-02', 'holiday', 'Giữa lúc sao lưu')")
        insert_term = ("INSERT INTO term (name, start_date, end_date) "
                       "VALUES ('Nhiệm kỳ giữa lúc sao lưu', '2031-01-01', '2035-12-31')")
        if db.engine.dialect.name == "sqlite":
            other = sqlite3.connect(db.engine.url.database, timeout=0.2)
            try:
                other.execute(insert_day)
                other.execute(insert_term)
                other.commit()
                outcome["written"] = True
            except sqlite3.OperationalError as error:
                outcome["refused"] = str(error)
            finally:
                other.close()
        else:
            with create_engine(db.engine.url).begin() as other:
                other.exec_driver_sql(insert_day)
                other.exec_driver_sql(insert_term)
            outcome["written"] = True

    def reading(conn, cursor, statement, parameters, context, executemany):
        # calendar_day is dumped before document_type, term after it.
        if "FROM document_type" in statement and not outcome:
            write_meanwhile()

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", reading)
        try:
            result = runner.invoke(args=["qlvb", "backup", "--out", str(tmp_path / "b")])
        finally:
            event.remove(db.engine, "before_cursor_execute", reading)
    assert result.exit_code == 0, (result.output, result.exception)
    assert outcome, "the write was not attempted"
    dump = (tmp_path / "b" / "db" / "term.jsonl").read_text() + \
        (tmp_path / "b" / "db" / "calendar_day.jsonl").read_text()
    assert "giữa lúc sao lưu" not in dump.lower()
    if "refused" in outcome:
        assert "locked" in outcome["refused"]
    else:
        with app.app_context():  # committed meanwhile: in the database, not in the dump
            assert db.session.execute(text(
                "SELECT count(*) FROM term WHERE name = 'Nhiệm kỳ giữa lúc sao lưu'")).scalar() == 1
