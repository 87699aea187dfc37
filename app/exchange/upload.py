"""Packages brought on a medium and imported on the admin's screen (*Quản trị → Nhập gói
edXML*): each file is kept in the store, then one background job receives them in turn
through the one receiving service (app/exchange/receive.py) — a package imported twice is
a duplicate there — with its progress on the page and, once done, one JSON line per file
to download, as ``flask qlvb exchange import`` prints them (docs/domain.md §7, long work
shows progress)."""

from __future__ import annotations

import io
import json
from collections import Counter
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from app.core import storage
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.exchange.receive import receive
from app.trust import services as trust

IMPORT_JOB = "exchange.import"
EXTENSIONS = (".edxml", ".xml")
MAX_FILES = 500
DEFAULT_MAX_PACKAGE = 50 * 1024 * 1024
RESULT_NAME = "ket-qua-nhap-goi-edxml.jsonl"


def keep(files: list[FileStorage], max_size: int = DEFAULT_MAX_PACKAGE) -> list[list[str]]:
    """The uploaded packages stored, as [sha256, file name] pairs for the job; a file that
    is not an .edxml/.xml package, empty or over the cap refuses the whole upload (nothing
    is queued)."""
    chosen = [f for f in files if f is not None and (f.filename or "").strip()]
    if not chosen:
        raise DomainError(_("Choose one or more edXML packages (.edxml or .xml)."),
                          field="packages")
    if len(chosen) > MAX_FILES:
        raise DomainError(_("At most %(n)d packages at a time.", n=MAX_FILES),
                          field="packages")
    kept: list[list[str]] = []
    for item in chosen:
        name = storage_name(item.filename or "")
        if not name.lower().endswith(EXTENSIONS):
            raise DomainError(_("%(name)s is not an edXML package (.edxml or .xml).",
                                name=name), field="packages")
        try:
            stored = storage.store(item.stream, name, max_size=max_size)
        except DomainError as error:
            raise DomainError(f"{name}: {error}", field="packages") from None
        kept.append([stored.sha256, name])
    return kept


def storage_name(filename: str) -> str:
    """The file's own name, without the folders a browser may send."""
    return filename.replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]


def import_job(session: Session, files: list[list[str]], user_id: int | None = None
               ) -> dict[str, Any]:
    """The job ``exchange.import``: receive each stored package in turn (each commits its
    own work), its progress reported; the result is one JSON line per file, and how many
    of each outcome."""
    from app.jobs import progress

    anchors = trust.load_anchors(session)
    lines: list[dict[str, Any]] = []
    # A context of its own: what the intake reads through the app's scoped session (the
    # clerks to notify and their roles) must not use the session of the request that
    # queued the job, which is ending when an inline job runs.
    with current_app.app_context():
        for done, (sha, name) in enumerate(files, 1):
            with open(storage.path_for(sha), "rb") as fh:
                data = fh.read()
            outcome = receive(session, data, anchors=anchors, now=utcnow())
            lines.append({"file": name} | outcome.as_dict())
            progress.report(done, len(files))
    text = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    stored = storage.store(io.BytesIO(text.encode("utf-8")), RESULT_NAME)
    progress.set_result(session, stored, RESULT_NAME, "application/x-ndjson")
    return dict(Counter(str(line["result"]) for line in lines))
