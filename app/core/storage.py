"""The file store: files outside static/, named by their SHA-256, written atomically
(temporary file, fsync, rename) before the database row that points at them is committed,
never modified afterwards (Quy chế Điều 3.5: keep the original bytes)."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.core.inputs import strip_controls

if TYPE_CHECKING:
    from _typeshed import SupportsRead

log = logging.getLogger(__name__)
CHUNK = 1024 * 1024

# Content signatures of the kinds of file we accept; the extension is never trusted.
_SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
]


@dataclass
class StoredFile:
    sha256: str
    size: int
    mime: str
    name: str
    check: object = None  # what ``check`` said of the file, when one was given
    created: bool = False  # this call wrote the file (it was not in the store before)


def root() -> str:
    path = current_app.config["STORAGE_DIR"]
    os.makedirs(path, exist_ok=True)
    return path


def path_for(sha256: str) -> str:
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256")
    return os.path.join(root(), sha256[:2], sha256)


def exists(sha256: str) -> bool:
    return os.path.exists(path_for(sha256))


def sniff_mime(head: bytes) -> str:
    """The type of a file judged by its first bytes."""
    for magic, mime in _SIGNATURES:
        if head.startswith(magic):
            return mime
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"  # .docx / .xlsx are zip containers; refined by callers
    try:
        head.decode("utf-8")
        return "text/plain"
    except UnicodeDecodeError:
        return "application/octet-stream"


def clean_name(name: str | None) -> str:
    """The original file name, NFC, without any path, kept as the user gave it."""
    name = unicodedata.normalize("NFC", name or "")
    # No control character (nor a newline), no bidirectional override ("gpj.exe" shown
    # backwards as "exe.jpg").
    name = strip_controls(name.replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\t\r\n]", " ", name).strip()
    return name[:255] or "tep-dinh-kem"


def store(stream: SupportsRead[bytes], name: str | None, max_size: int | None = None,
          check: Callable[[str, str], Any] | None = None) -> StoredFile:
    """Copy ``stream`` into the store and return what was stored; an empty or oversize
    file is refused and leaves nothing behind.

    ``check(path, name)`` inspects the complete temporary file before it enters the store;
    it raises DomainError to refuse it (a refused file is never stored) or returns a
    result that is kept on the StoredFile (e.g. a PDF's safety report and text)."""
    max_size = (max_size or current_app.config.get("MAX_FILE_SIZE")
                or current_app.config.get("MAX_CONTENT_LENGTH"))
    digest = hashlib.sha256()
    size = 0
    head = b""
    base = root()
    fd, tmp = tempfile.mkstemp(prefix=".incoming-", dir=base)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                if len(head) < 16:
                    head = (head + chunk)[:16]
                size += len(chunk)
                if max_size and size > max_size:
                    raise DomainError(_("The file is larger than the allowed %(mb)d MB.",
                                        mb=max_size // (1024 * 1024)))
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise DomainError(_("The file is empty."))
        result: Any = check(tmp, clean_name(name)) if check is not None else None
        sha = digest.hexdigest()
        final = path_for(sha)
        created = _settle(tmp, final)
        mime = getattr(result, "mime", None) or sniff_mime(head)
        name = clean_name(name)
        if getattr(result, "kind", None):  # checked: the name says what the content is
            from app.core.filecheck import name_for_kind

            name = name_for_kind(name, result.kind)[-255:]
        return StoredFile(sha256=sha, size=size, mime=mime, name=name, check=result,
                          created=created)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def fsync_dir(path: str) -> None:
    """Make a rename or unlink in ``path`` durable: until the directory itself is synced,
    a power cut may lose the entry of a file whose bytes were synced."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _settle(tmp: str, final: str) -> bool:
    """Move the complete temporary file ``tmp`` to ``final``; True when this wrote it,
    False when the same bytes were already stored (their time is renewed, so that
    ``remove_orphans`` leaves them to the row about to point at them)."""
    parent = os.path.dirname(final)
    if not os.path.isdir(parent):
        os.makedirs(parent, exist_ok=True)
        fsync_dir(os.path.dirname(parent))
    if os.path.exists(final):
        try:
            os.utime(final)
        except FileNotFoundError:
            pass  # removed by a cleanup meanwhile: store it again
        except OSError as error:  # e.g. written by another account: keep it as it is
            log.warning("storage: cannot renew the time of %s (%s)", final, error)
            os.unlink(tmp)
            return False
        else:
            os.unlink(tmp)
            return False
    os.replace(tmp, final)
    fsync_dir(parent)
    return True


def verify_file(sha256: str) -> str:
    """"ok", "missing" or "altered": the stored file re-hashed against its name, its
    SHA-256 (Quy chế Điều 3.5: the original is kept unchanged)."""
    try:
        path = path_for(sha256)
    except ValueError:
        return "missing"
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(CHUNK), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return "missing"
    return "ok" if digest.hexdigest() == sha256 else "altered"


def verify_all(session: Session, progress: Callable[[int, int], None] | None = None,
               ) -> tuple[int, dict[str, str]]:
    """Re-hash every file a record points at; ``(count, {sha256: "missing"|"altered"|
    "destroyed"})``, "destroyed" for a file gone that a feature destroyed on purpose
    (``register_destroyed``). ``progress(done, total)`` hears each file checked."""
    hashes = sorted(referenced_hashes(session))
    destroyed = destroyed_hashes(session)
    problems = {}
    for done, sha in enumerate(hashes, start=1):
        if progress is not None:
            progress(done, len(hashes))
        verdict = verify_file(sha)
        if verdict == "missing" and sha in destroyed:
            problems[sha] = "destroyed"  # removed on purpose: the record says why
            continue
        if verdict != "ok":
            problems[sha] = verdict
            log.error("storage: file %s is %s", sha, verdict)
    return len(hashes), problems


# Columns that reference stored files, registered by the features that own them.
_REFERENCES: list[ColumnElement[str]] = []


def register_reference(column: ColumnElement[str]) -> None:
    _REFERENCES.append(column)


# Where the features say which stored files they destroyed on purpose (their rows still
# point at them, e.g. the register keeps a document whose secret scan was destroyed).
_DESTROYED: list[Callable[[Session], Iterable[str]]] = []


def register_destroyed(source: Callable[[Session], Iterable[str]]) -> None:
    if source not in _DESTROYED:
        _DESTROYED.append(source)


def destroyed_hashes(session: Session) -> set[str]:
    hashes: set[str] = set()
    for source in _DESTROYED:
        hashes.update(source(session))
    return hashes


def referenced_hashes(session: Session) -> set[str]:
    hashes: set[str] = set()
    for column in _REFERENCES:
        hashes.update(v for (v,) in session.query(column).filter(column.isnot(None)).distinct())
    return hashes


def discard(session: Session, stored_files: Iterable[StoredFile | None]) -> list[str]:
    """Remove the files a failed piece of work wrote, once its transaction is rolled back:
    those this work created and no row points at (the same bytes may be kept for another
    record). Anything missed here is left to ``remove_orphans``."""
    removed = []
    for stored in stored_files:
        if stored is None or not stored.created:
            continue
        if any(session.query(column).filter(column == stored.sha256).first()
               for column in _REFERENCES):
            continue
        try:
            path = path_for(stored.sha256)
            os.unlink(path)
            fsync_dir(os.path.dirname(path))
            removed.append(stored.sha256)
        except FileNotFoundError:
            pass
    return removed


TEMPORARY_PREFIX = ".incoming-"
QUARANTINE_PREFIX = ".removing-"


@dataclass
class Leftover:
    """A file of the store that no row points at: an orphan (a stored file whose
    transaction never committed) or a temporary (an upload that never finished)."""
    kind: str  # "orphan" or "temporary"
    path: str  # relative to the store
    size: int
    age: float  # seconds since it was last written


def leftovers(session: Session, now: float | None = None) -> list[Leftover]:
    """Every file of the store that no row points at, oldest first."""
    import time

    now = time.time() if now is None else now
    keep = referenced_hashes(session)
    base = root()
    found = []
    for dirpath, _dirs, files in os.walk(base):
        for fname in files:
            full = os.path.join(dirpath, fname)
            if fname.startswith((TEMPORARY_PREFIX, QUARANTINE_PREFIX)):
                kind = "temporary"
            elif len(fname) == 64 and fname not in keep:
                kind = "orphan"
            else:
                continue
            try:
                st = os.stat(full)
            except FileNotFoundError:
                continue
            found.append(Leftover(kind, os.path.relpath(full, base), st.st_size,
                                  max(0.0, now - st.st_mtime)))
    return sorted(found, key=lambda item: -item.age)


def _referenced(session: Session, sha256: str) -> bool:
    return any(session.query(column).filter(column == sha256).first() is not None
               for column in _REFERENCES)


def remove_orphans(session: Session, min_age_seconds: float = 3600) -> list[str]:
    """Delete the leftovers older than ``min_age_seconds`` (an upload or a transaction
    still in flight keeps its file). An orphan is first moved aside, then checked again
    (its age, and that still no committed row points at it) and put back if it is in use
    now: a file a row refers to is never removed. Returns the removed paths."""
    import time

    base = root()
    removed = []
    touched = set()
    session.rollback()  # read what is committed now, not an older snapshot
    for item in leftovers(session):
        if item.age < min_age_seconds:
            continue
        full = os.path.join(base, item.path)
        if item.kind == "orphan":
            sha = os.path.basename(full)
            aside = os.path.join(os.path.dirname(full), f"{QUARANTINE_PREFIX}{sha}")
            try:
                os.rename(full, aside)
            except FileNotFoundError:
                continue
            session.rollback()
            young = time.time() - os.path.getmtime(aside) < min_age_seconds
            if young or _referenced(session, sha):
                if os.path.exists(full):
                    os.unlink(aside)  # stored again meanwhile: the same bytes
                else:
                    os.rename(aside, full)
                continue
            full = aside
        try:
            os.unlink(full)
        except FileNotFoundError:
            continue
        touched.add(os.path.dirname(full))
        removed.append(item.path)
        log.info("storage: removed %s %s (%d bytes, %.0f h old)", item.kind, item.path,
                 item.size, item.age / 3600)
    for directory in touched:
        fsync_dir(directory)
    return removed
