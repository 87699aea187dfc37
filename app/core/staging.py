"""Staged uploads (tệp đã tải lên): a file chosen on a form is kept server-side when the form
comes back with an error, so that the clerk never has to find the scan again (the paper
intake of docs/domain.md §5.1, the drafts of §6: nothing lost on a mistake).

A staged file is already in the file store (checked, named by its SHA-256); its row binds
it to one user *and* one browser session, with an expiry. The form carries only the row's
random token; the next submit claims it back — a token of another user or of another
session, or an expired one, is not found, and the form asks for the file again while
keeping the typed fields. Once the work that used the file commits, its rows go in the
same transaction. ``purge_expired`` (``flask qlvb storage cleanup``, and every new staging)
removes expired rows and the files no record points at."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_appbuilder import Model
from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import Column, DateTime, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from app.core import storage
from app.core.errors import DomainError
from app.core.storage import StoredFile
from app.core.timeutil import utcnow
from app.core.workflow import lock

log = logging.getLogger(__name__)

# The hidden field that carries the tokens of ``<field>``'s staged files.
TOKEN_SUFFIX = "_staged"
DEFAULT_MINUTES = 120

FileCheck = Callable[[str, str], Any]
Store = Callable[[FileStorage, FileCheck | None], StoredFile]


class StagedUpload(Model):
    """A file a user chose on a form whose work is not done yet."""

    __tablename__ = "staged_upload"
    id = Column(Integer, primary_key=True)
    token = Column(String(64), nullable=False, unique=True)
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="CASCADE"), nullable=False)
    session_key = Column(String(64), nullable=False)
    field = Column(String(50), nullable=False)
    sha256 = Column(String(64), nullable=False, index=True)
    name = Column(String(255), nullable=False)
    size = Column(Integer, nullable=False)
    mime = Column(String(100), nullable=False)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    expires_at = Column(DateTime, nullable=False, index=True)

    def size_label(self) -> str:
        return size_label(self.size)

    def __repr__(self) -> str:
        return self.name


storage.register_reference(StagedUpload.sha256)


def size_label(size: int) -> str:
    """A file's size as a reader says it, in the active language: "1,2 MB", "35 KB"."""
    if size >= 100 * 1024:
        return f"{format_decimal(size / (1024 * 1024), format='#,##0.0')} MB"
    return f"{format_decimal(max(1, round(size / 1024)), format='#,##0')} KB"


def lifetime() -> timedelta:
    return timedelta(minutes=int(current_app.config.get("STAGED_UPLOAD_MINUTES")
                                 or DEFAULT_MINUTES))


def stage(session: Session, user_id: int, session_key: str, field_name: str,
          stored: StoredFile) -> StagedUpload:
    """Keep ``stored`` for ``user_id`` in the browser session ``session_key`` until it
    expires (in the caller's transaction)."""
    now = utcnow()
    row = StagedUpload(token=secrets.token_urlsafe(32), user_id=user_id,
                       session_key=session_key, field=field_name, sha256=stored.sha256,
                       name=stored.name, size=stored.size, mime=stored.mime[:100],
                       created_at=now, expires_at=now + lifetime())
    session.add(row)
    return row


def claim(session: Session, user_id: int, session_key: str, token: str) -> StagedUpload | None:
    """The staged file of ``token`` if it is this user's, of this session, not expired and
    still in the store; else None (another user's token is as good as none)."""
    if not token or len(token) > 64:
        return None
    query = select(StagedUpload).where(StagedUpload.token == token)
    row = session.scalars(query).first()
    if row is None:
        return None
    # Two submits of one form use the file once: the second waits, then finds it gone.
    lock(session, row)
    row = session.scalars(query.execution_options(populate_existing=True)).first()
    if row is None:
        return None
    if row.user_id != user_id or row.session_key != session_key:
        log.warning("staging: user %s offered the staged file #%s of user %s", user_id,
                    row.id, row.user_id)
        return None
    if row.expires_at <= utcnow() or not storage.exists(row.sha256):
        return None
    return row


def purge_expired(session: Session) -> int:
    """Remove the expired staged uploads and their files when no record points at them;
    the number of rows removed (committed)."""
    rows = session.scalars(select(StagedUpload).where(StagedUpload.expires_at <= utcnow())
                           ).all()
    if not rows:
        return 0
    files = [StoredFile(sha256=r.sha256, size=r.size, mime=r.mime, name=r.name, created=True)
             for r in rows]
    session.execute(delete(StagedUpload).where(StagedUpload.id.in_([r.id for r in rows])))
    session.commit()
    storage.discard(session, files)
    log.info("staging: %d expired staged file(s) removed", len(rows))
    return len(rows)


class StagedExpired(DomainError):
    """A staged file the form refers to is gone (expired, or not the user's)."""


@dataclass
class FileFields:
    """The file fields of one form across its round trips: ``take`` stores and stages what
    the request uploaded, or claims back what an earlier round trip staged; ``staged`` is
    what the form shows again ("Đã tải lên: …"); ``release`` drops the rows once the work
    that used them is in the caller's transaction."""

    session: Session
    user_id: int
    session_key: str
    store: Store
    uploads: Callable[[str], list[FileStorage]]
    tokens: Callable[[str], list[str]]
    staged: dict[str, list[StagedUpload]] = field(default_factory=dict)

    def take(self, field_name: str, check: FileCheck | None) -> list[StoredFile]:
        """The files of ``field_name`` for this submit. A refused file raises DomainError
        and is not kept; a staged file that is gone raises StagedExpired."""
        uploads = self.uploads(field_name)
        if uploads:
            self.staged.pop(field_name, None)
            purge_expired(self.session)
            rows: list[StagedUpload] = []
            files: list[StoredFile] = []
            try:
                for upload in uploads:
                    stored = self.store(upload, check)
                    files.append(stored)
                    rows.append(stage(self.session, self.user_id, self.session_key,
                                      field_name, stored))
            except DomainError:
                # One refused file refuses the field: the others sent with it go too.
                self.session.rollback()
                storage.discard(self.session, files)
                raise
            self.session.commit()  # kept even if the work is refused below
            self.staged[field_name] = rows
            return files
        tokens = [t for t in self.tokens(field_name) if t]
        claimed = [claim(self.session, self.user_id, self.session_key, t) for t in tokens]
        kept = [r for r in claimed if r is not None]
        self.staged[field_name] = kept
        if len(kept) < len(tokens):
            raise StagedExpired(_("The file you chose earlier is no longer kept (it expired). "
                                  "Choose the file again; the other fields are kept."),
                                field=field_name)
        return [self._restore(row, check) for row in kept]

    def _restore(self, row: StagedUpload, check: FileCheck | None) -> StoredFile:
        # The check runs again: its result (the text, the signatures) goes with the file.
        result = check(storage.path_for(row.sha256), row.name) if check is not None else None
        return StoredFile(sha256=row.sha256, size=row.size, mime=row.mime, name=row.name,
                          check=result, created=False)

    def release(self) -> None:
        """The staged rows of this form, used by the work in the caller's transaction."""
        for rows in self.staged.values():
            for row in rows:
                self.session.delete(row)

    def all_rows(self) -> Iterable[StagedUpload]:
        for rows in self.staged.values():
            yield from rows


def browser_key() -> str:
    """The key of the signed-in browser session that staged files are bound to."""
    from flask import session as browser

    key = browser.get("upload_key")
    if not isinstance(key, str) or not key:
        key = browser["upload_key"] = secrets.token_hex(16)
    return key
