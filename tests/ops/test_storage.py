"""The file store after uploads that never finished: `storage verify` names what no row
points at, `storage cleanup` removes it once old, never a file a row refers to; the
directory is synced after a file enters or leaves it."""

import io
import os
import signal
import stat
import subprocess
import sys
import time

from app.core import storage
from app.extensions import db
from app.incidents.models import Incident

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A worker that stores one file (its transaction never commits), then is killed in the
# middle of a second upload, as a server process dies under a kill -9 or a power cut.
_WORKER = r"""
import io, sys, time
from app import create_app
from app.core import storage
from config import TestConfig

app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=sys.argv[1], STORAGE_DIR=sys.argv[2])

class Endless:
    sent = False
    def read(self, n):
        if not self.sent:
            self.sent = True
            return b"%PDF-1.7 a large scan that never finishes arriving"
        print("uploading", flush=True)
        time.sleep(600)

with app.app_context():
    print("stored", storage.store(io.BytesIO(b"%PDF-1.7 stored, row never committed"),
                                  "a.pdf").sha256, flush=True)
    storage.store(Endless(), "b.pdf")
"""


def _killed_uploads(database, app):
    proc = subprocess.Popen([sys.executable, "-c", _WORKER, database["url"],
                             app.config["STORAGE_DIR"]], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        orphan = proc.stdout.readline().split()[1]
        assert proc.stdout.readline().strip() == "uploading"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    return orphan


def _age(path, hours):
    when = time.time() - hours * 3600
    os.utime(path, (when, when))


def test_killed_uploads_are_reported_and_cleaned_up_but_never_a_referenced_file(
        app, world, clients, database, runner):
    resp = clients("vanthu.vphu").post("/incidentview/add", data={
        "kind": "software_error", "title": "Không in được sổ", "description": "Lỗi",
        "attachment": (io.BytesIO(b"\x89PNG\r\n\x1a\nimage"), "anh.png")},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    with app.app_context():
        kept = db.session.query(Incident.file_sha256).scalar()
        kept_path = storage.path_for(kept)
    orphan = _killed_uploads(database, app)
    root = app.config["STORAGE_DIR"]
    temporaries = [n for n in os.listdir(root) if n.startswith(".incoming-")]
    assert len(temporaries) == 1

    result = runner.invoke(args=["qlvb", "storage", "verify"])
    assert result.exit_code == 0, result.output
    assert f"ORPHAN {orphan[:2]}/{orphan}" in result.output
    assert f"TEMPORARY {temporaries[0]}" in result.output
    assert "0h00m old" in result.output
    assert "2 file(s) in the store that no record points at" in result.output
    assert runner.invoke(args=["qlvb", "storage", "verify", "--strict"]).exit_code == 1

    # Young leftovers may belong to an upload in progress: kept.
    result = runner.invoke(args=["qlvb", "storage", "cleanup"])
    assert "removed 0 orphan or temporary file(s)" in result.output
    assert len(os.listdir(root)) == 3  # the two hash directories and the temporary

    for path in (kept_path, os.path.join(root, temporaries[0]),
                 os.path.join(root, orphan[:2], orphan)):
        _age(path, 2)
    result = runner.invoke(args=["qlvb", "storage", "cleanup"])
    assert "removed 2 orphan or temporary file(s)" in result.output, result.output
    assert os.path.exists(kept_path)
    assert not os.path.exists(os.path.join(root, orphan[:2], orphan))
    assert not [n for n in os.listdir(root) if n.startswith(".")]
    result = runner.invoke(args=["qlvb", "storage", "verify", "--strict"])
    assert result.exit_code == 0 and "OK: 1 stored file(s) intact" in result.output
    assert "ORPHAN" not in result.output and "TEMPORARY" not in result.output


def test_an_old_orphan_stored_again_is_kept_for_the_row_about_to_point_at_it(app):
    with app.app_context():
        first = storage.store(io.BytesIO(b"%PDF-1.7 same bytes"), "a.pdf")
        _age(storage.path_for(first.sha256), 2)
        # A new upload of the same bytes, whose row is not committed yet.
        again = storage.store(io.BytesIO(b"%PDF-1.7 same bytes"), "b.pdf")
        assert again.sha256 == first.sha256 and not again.created
        assert storage.remove_orphans(db.session) == []
        assert os.path.exists(storage.path_for(first.sha256))


def test_the_directory_is_synced_after_a_file_enters_or_leaves_it(app, monkeypatch):
    synced = []
    real_fsync = os.fsync

    def observing_fsync(fd):
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", observing_fsync)
    with app.app_context():
        stored = storage.store(io.BytesIO(b"%PDF-1.7 durable"), "a.pdf")
        directory = os.path.dirname(storage.path_for(stored.sha256))
        assert directory in synced
        synced.clear()
        _age(storage.path_for(stored.sha256), 2)
        assert storage.remove_orphans(db.session) == [f"{stored.sha256[:2]}/{stored.sha256}"]
        assert directory in synced
