"""The file store: files outside static/, named by their SHA-256, written atomically
(temporary file, fsync, rename) before the database row that points at them is committed,
never modified afterwards (Quy chế Điều 3.5: keep the original bytes)."""

import hashlib
import logging
import os
import re
import tempfile
import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _

from app.core.errors import DomainError
from app.core.inputs import strip_controls

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


def root():
    path = current_app.config["STORAGE_DIR"]
    os.makedirs(path, exist_ok=True)
    return path


def path_for(sha256):
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a sha256")
    return os.path.join(root(), sha256[:2], sha256)


def exists(sha256):
    return os.path.exists(path_for(sha256))


def sniff_mime(head):
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


def clean_name(name):
    """The original file name, NFC, without any path, kept as the user gave it."""
    name = unicodedata.normalize("NFC", name or "")
    # No control character (nor a newline), no bidirectional override ("gpj.exe" shown
    # backwards as "exe.jpg").
    name = strip_controls(name.replace("\\", "/").rsplit("/", 1)[-1])
    name = re.sub(r"[\t\r\n]", " ", name).strip()
    return name[:255] or "tep-dinh-kem"


def store(stream, name, max_size=None, check=None):
    """Copy ``stream`` into the store and return what was stored; an empty or oversize
    file is refused and leaves nothing behind.

    ``check(path, name)`` inspects the complete temporary file before it enters the store;
    it raises DomainError to refuse it (a refused file is never stored) or returns a
    result that is kept on the StoredFile (e.g. a PDF's safety report and text)."""
    max_size = max_size or current_app.config.get("MAX_CONTENT_LENGTH")
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
        result = check(tmp, clean_name(name)) if check is not None else None
        sha = digest.hexdigest()
        final = path_for(sha)
        os.makedirs(os.path.dirname(final), exist_ok=True)
        created = not os.path.exists(final)
        if created:
            os.replace(tmp, final)
        else:
            os.unlink(tmp)  # same bytes already stored
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


def verify_file(sha256):
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


def verify_all(session):
    """Re-hash every file a record points at; ``(count, {sha256: "missing"|"altered"})``."""
    hashes = sorted(referenced_hashes(session))
    problems = {}
    for sha in hashes:
        verdict = verify_file(sha)
        if verdict != "ok":
            problems[sha] = verdict
            log.error("storage: file %s is %s", sha, verdict)
    return len(hashes), problems


# Columns that reference stored files, registered by the features that own them.
_REFERENCES = []


def register_reference(column):
    _REFERENCES.append(column)


def referenced_hashes(session):
    hashes = set()
    for column in _REFERENCES:
        hashes.update(v for (v,) in session.query(column).filter(column.isnot(None)).distinct())
    return hashes


def discard(session, stored_files):
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
            os.unlink(path_for(stored.sha256))
            removed.append(stored.sha256)
        except FileNotFoundError:
            pass
    return removed


def remove_orphans(session, min_age_seconds=3600):
    """Delete stored files no row points at (left by a transaction that rolled back after
    the file was written), older than ``min_age_seconds`` so that a transaction still in
    flight keeps its file. Returns the removed hashes."""
    import time

    keep = referenced_hashes(session)
    removed = []
    base = root()
    now = time.time()
    for dirpath, _dirs, files in os.walk(base):
        for fname in files:
            full = os.path.join(dirpath, fname)
            if now - os.path.getmtime(full) < min_age_seconds:
                continue
            if fname.startswith(".incoming-") or (len(fname) == 64 and fname not in keep):
                os.unlink(full)
                removed.append(fname)
                log.info("storage: removed orphan %s", fname)
    return removed
