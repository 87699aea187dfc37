"""Backup and restore of a whole installation: every table of the models (FAB's ``ab_*``
included) read in one transaction, as JSON lines per table (portable between SQLite and
PostgreSQL), the stored files, and a manifest of their SHA-256 hashes.

A restore goes into an installation that was migrated to the same revision and holds no
rows: one transaction inserts everything (only INSERTs: the audit trail's protection
against UPDATE and DELETE stays intact), the files are written before it commits and
removed again if it fails."""

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    LargeBinary,
    MetaData,
    Sequence,
    Table,
    bindparam,
    func,
    select,
    text,
)
from sqlalchemy.types import Date, DateTime, Time

from app.core import storage

log = logging.getLogger(__name__)

FORMAT = "qlvb-backup/1"
MANIFEST = "manifest.json"
CHUNK = storage.CHUNK
# Derived columns, not dumped: written again by the restore on the database that uses them.
DERIVED = {("search_document", "tsv")}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


@dataclass
class Summary:
    tables: dict = field(default_factory=dict)  # name -> rows
    files: int = 0
    bytes: int = 0
    revision: str = ""
    path: str = ""


def app_version() -> str:
    """The version of the code: ``QLVB_VERSION`` if set at deploy, else the git commit."""
    version = os.environ.get("QLVB_VERSION")
    if version:
        return version
    import subprocess

    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    try:
        return subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root,
                              capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _tables(metadata: MetaData) -> list[Table]:
    return list(metadata.sorted_tables)


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decoder(column: Column[Any]) -> Callable[[Any], Any] | None:
    kind = column.type
    if isinstance(kind, DateTime):
        return dt.datetime.fromisoformat
    if isinstance(kind, Date):
        return dt.date.fromisoformat
    if isinstance(kind, Time):
        return dt.time.fromisoformat
    if isinstance(kind, LargeBinary):
        return base64.b64decode
    return None


def _sha256_file(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _revision(conn: Connection) -> Any:
    try:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception as error:  # noqa: BLE001  (no alembic_version: never migrated)
        raise BackupError(f"the database is not migrated ({error.__class__.__name__})") from None


def _snapshot(engine: Engine) -> Connection:
    """A connection inside one read transaction that sees one state of the database."""
    if engine.dialect.name == "postgresql":
        conn = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        conn.begin()
        conn.exec_driver_sql("SET TRANSACTION READ ONLY")
    else:
        conn = engine.connect()
        conn.begin()
        # pysqlite opens a transaction only before a write; open it now, so that every
        # table is read under the same lock.
        conn.exec_driver_sql("BEGIN")
    return conn


def _fsync_file(path: str) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def backup(engine: Engine, metadata: MetaData, out: str) -> Summary:
    """Write the backup into the new (or empty) directory ``out``; return a Summary."""
    if os.path.exists(out) and os.listdir(out):
        raise BackupError(f"{out} is not empty; give a new directory")
    os.makedirs(os.path.join(out, "db"), exist_ok=True)
    os.makedirs(os.path.join(out, "files"), exist_ok=True)
    summary = Summary(path=out)
    manifest: dict[str, Any] = {
        "format": FORMAT, "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "app_version": app_version(), "database": engine.dialect.name,
        "tables": {}, "files": {}}
    conn = _snapshot(engine)
    try:
        summary.revision = manifest["schema_revision"] = _revision(conn)
        for table in _tables(metadata):
            name = f"db/{table.name}.jsonl"
            digest, count = hashlib.sha256(), 0
            columns = [c for c in table.columns if (table.name, c.name) not in DERIVED]
            query = select(*columns).order_by(*table.primary_key.columns)
            with open(os.path.join(out, name), "wb") as fh:
                for row in conn.execution_options(yield_per=1000).execute(query):
                    line = json.dumps({k: _encode(v) for k, v in row._mapping.items()},
                                      ensure_ascii=False, sort_keys=True).encode() + b"\n"
                    digest.update(line)
                    fh.write(line)
                    count += 1
                fh.flush()
                os.fsync(fh.fileno())
            manifest["tables"][table.name] = {"rows": count, "file": name,
                                              "sha256": digest.hexdigest()}
            summary.tables[table.name] = count
        hashes: set[str] = set()
        for column in storage._REFERENCES:
            hashes.update(v for (v,) in conn.execute(
                select(column).where(column.isnot(None)).distinct()))
    finally:
        conn.rollback()
        conn.close()
    for sha in sorted(hashes):
        size = _copy_verified(storage.path_for(sha), os.path.join(out, "files", sha[:2], sha),
                              sha)
        manifest["files"][sha] = {"size": size}
        summary.files += 1
        summary.bytes += size
    path = os.path.join(out, MANIFEST)
    with open(path + ".tmp", "w", encoding="utf-8") as fh:
        json.dump(manifest, fh, ensure_ascii=False, indent=1, sort_keys=True)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(path + ".tmp", path)
    storage.fsync_dir(out)
    return summary


def _copy_verified(source: str, target: str, sha: str) -> int:
    """Copy ``source`` to ``target`` hashing the bytes as they pass: a file whose bytes
    no longer match its name is not copied."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    digest, size = hashlib.sha256(), 0
    try:
        src = open(source, "rb")
    except FileNotFoundError:
        raise BackupError(f"stored file {sha} is missing (run `flask qlvb storage verify`)") \
            from None
    with src, open(target, "wb") as dst:
        for chunk in iter(lambda: src.read(CHUNK), b""):
            digest.update(chunk)
            dst.write(chunk)
            size += len(chunk)
        dst.flush()
        os.fsync(dst.fileno())
    if digest.hexdigest() != sha:
        os.unlink(target)
        raise BackupError(f"stored file {sha} is altered (run `flask qlvb storage verify`)")
    return size


def read_manifest(directory: str) -> dict[str, Any]:
    """The manifest of the backup in ``directory``, every hash in it checked."""
    try:
        with open(os.path.join(directory, MANIFEST), encoding="utf-8") as fh:
            manifest = json.load(fh)
    except FileNotFoundError:
        raise BackupError(f"{directory} holds no {MANIFEST}: not a backup") from None
    except ValueError as error:
        raise BackupError(f"{MANIFEST} is not valid JSON: {error}") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    for name, entry in manifest["tables"].items():
        path = os.path.join(directory, entry["file"])
        if os.path.dirname(entry["file"]) != "db" or not os.path.isfile(path):
            raise BackupError(f"the dump of table {name} is missing")
        if _sha256_file(path) != entry["sha256"]:
            raise BackupError(f"the dump of table {name} does not match its SHA-256 "
                              "in the manifest: the backup was altered or damaged")
    for sha in manifest["files"]:
        try:
            storage.path_for(sha)  # a well-formed hash, nothing else
            ok = _sha256_file(os.path.join(directory, "files", sha[:2], sha)) == sha
        except (ValueError, FileNotFoundError):
            ok = False
        if not ok:
            raise BackupError(f"stored file {sha} of the backup is missing or does not match "
                              "its SHA-256: the backup was altered or damaged")
    return manifest


def _rows(directory: str, entry: dict[str, Any], table: Table) -> Iterator[dict[str, Any]]:
    decoders = {c.name: _decoder(c) for c in table.columns}
    with open(os.path.join(directory, entry["file"]), "rb") as fh:
        for line in fh:
            row = json.loads(line)
            for key, value in row.items():
                if key not in decoders:
                    raise BackupError(f"column {table.name}.{key} of the backup is not in "
                                      "this schema")
                decode = decoders[key]
                if decode is not None and value is not None:
                    row[key] = decode(value)
            yield row


def _batches(rows: Iterable[dict[str, Any]],
             size: int = 1000) -> Iterator[list[dict[str, Any]]]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# Rows the migrations themselves write into an empty installation, which a restore
# replaces: the audit chain's head of an empty chain (0008), the security stamp (0021).
_MIGRATION_ROWS = {"audit_chain_head": lambda t: (t.c.event_count != 0,),
                   "security_stamp": lambda t: (t.c.value != 0,)}


def _check_empty(conn: Connection, metadata: MetaData, revision: str) -> None:
    current = _revision(conn)
    if current != revision:
        raise BackupError(f"the backup is of schema revision {revision}, this database is at "
                          f"{current}: run `flask db upgrade` (or check out the matching "
                          "version) first")
    busy = [t.name for t in _tables(metadata)
            if conn.execute(select(func.count()).select_from(t).where(
                *_MIGRATION_ROWS.get(t.name, lambda t: ())(t))).scalar()]
    if busy:
        raise BackupError("restore goes into an empty installation (migrated, nothing else: "
                          "not even `flask qlvb sync-roles`); these tables hold rows: "
                          + ", ".join(busy))


def _self_references(table: Table, order: dict[str, int]) -> list[Column[Any]]:
    """Columns referring to rows of a table inserted at the same time or later (a unit's
    parent, an account's creator): inserted empty, then set once every row is in."""
    return [fk.parent for fk in table.foreign_keys
            if order[fk.column.table.name] >= order[table.name] and fk.parent.nullable]


def _reset_sequences(conn: Connection, metadata: MetaData) -> None:
    """PostgreSQL: every id sequence continues after the highest id restored."""
    for table in _tables(metadata):
        pks = list(table.primary_key.columns)
        if len(pks) != 1:
            continue
        pk = pks[0]
        sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                {"t": table.name, "c": pk.name}).scalar()
        if sequence is None and isinstance(pk.default, Sequence):
            sequence = pk.default.name
        if sequence is None:
            continue
        highest = conn.execute(select(func.max(pk))).scalar()
        conn.execute(text("SELECT setval(CAST(:s AS regclass), :v, :called)"),
                     {"s": sequence, "v": highest or 1, "called": highest is not None})


def restore(engine: Engine, metadata: MetaData, directory: str) -> Summary:
    """Load the backup in ``directory`` into this empty installation; return a Summary."""
    manifest = read_manifest(directory)
    order = {t.name: i for i, t in enumerate(_tables(metadata))}
    unknown = set(manifest["tables"]) - set(order)
    if unknown:
        raise BackupError("the backup has tables this schema lacks: " + ", ".join(sorted(unknown)))
    summary = Summary(path=directory, revision=manifest["schema_revision"])
    written = []
    try:
        with engine.begin() as conn:
            _check_empty(conn, metadata, manifest["schema_revision"])
            for sha, entry in manifest["files"].items():
                target = storage.path_for(sha)
                if os.path.exists(target):
                    continue
                _place(os.path.join(directory, "files", sha[:2], sha), target, sha)
                written.append(target)
                summary.files += 1
                summary.bytes += entry["size"]
            for table in _tables(metadata):
                entry = manifest["tables"].get(table.name)
                if entry is None:
                    continue
                late = _self_references(table, order)
                # Written as restored, not as "updated now" by the column's onupdate.
                kept = [c for c in table.columns if c.onupdate is not None and c not in late]
                pk = list(table.primary_key.columns)
                if table.name in _MIGRATION_ROWS:
                    conn.execute(table.delete())
                later = []
                count = 0
                for batch in _batches(_rows(directory, entry, table)):
                    for row in batch:
                        values = {c.name: row.pop(c.name, None) for c in late}
                        if any(v is not None for v in values.values()):
                            later.append({**{f"pk_{c.name}": row[c.name] for c in pk},
                                          **{f"v_{k}": v for k, v in values.items()},
                                          **{f"v_{c.name}": row.get(c.name) for c in kept}})
                        row.update(dict.fromkeys(values))
                    conn.execute(table.insert(), batch)
                    count += len(batch)
                if count != entry["rows"]:
                    raise BackupError(f"table {table.name}: {count} rows, the manifest says "
                                      f"{entry['rows']}")
                if later:
                    update = table.update().where(
                        *[c == bindparam(f"pk_{c.name}") for c in pk]).values(
                        {c.name: bindparam(f"v_{c.name}") for c in late + kept})
                    conn.execute(update, later)
                summary.tables[table.name] = count
            if engine.dialect.name == "postgresql":
                _reset_sequences(conn, metadata)
                conn.execute(text("UPDATE search_document SET "
                                  "tsv = to_tsvector('simple'::regconfig, body)"))
    except BaseException:
        for target in written:
            try:
                os.unlink(target)
                storage.fsync_dir(os.path.dirname(target))
            except FileNotFoundError:
                pass
        raise
    return summary


def _place(source: str, target: str, sha: str) -> None:
    """Copy a file of the backup into the store the way the store writes (temporary,
    fsync, rename, directory fsync), checking its hash again on the way."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=storage.TEMPORARY_PREFIX, dir=storage.root())
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            for chunk in iter(lambda: src.read(CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha:
            raise BackupError(f"stored file {sha} of the backup changed while restoring")
        os.replace(tmp, target)
        storage.fsync_dir(os.path.dirname(target))
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise

