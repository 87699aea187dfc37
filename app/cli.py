"""``flask qlvb …``: the commands run at deploy and by the office."""

import json
import os
import sys
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import gettext as _

from app import ocr
from app.core import audit
from app.core.backup import BackupError, backup, restore
from app.core.errors import DomainError
from app.core.storage import leftovers, remove_orphans, verify_all
from app.core.timeutil import utcnow
from app.exchange import signing
from app.exchange.export import export
from app.exchange.receive import receive
from app.extensions import db
from app.jobs import runner as jobs
from app.ocr.services import register_fields
from app.records.cli import files_group
from app.registers import services as registers
from app.registers.pdf import build_pdf
from app.registers.xlsx import build_xlsx
from app.search import scans
from app.search.index import reindex_all
from app.security.sync import sync_roles
from app.trust import services as trust


@click.group()
def qlvb():
    """QLVB&ĐH administration commands."""


qlvb.add_command(files_group)


@qlvb.command("sync-roles")
@with_appcontext
def sync_roles_command():
    """Write the built-in roles and their permissions to the database."""
    report = sync_roles(current_app.appbuilder)
    for role, count in report.items():
        click.echo(f"{role}: {count}")


@qlvb.group("audit")
def audit_group():
    """The audit trail."""


def _chain_problem(problem, count):
    """A broken chain or anchor, said for the operator."""
    reason = problem["reason"]
    if reason == "prev_hash":
        return _("BROKEN at event %(id)s: its link to the previous event does not match "
                 "(an event removed or inserted), after %(n)s intact events",
                 id=problem["id"], n=count - 1)
    if reason == "hash":
        return _("BROKEN at event %(id)s: its HMAC does not match (the event was changed), "
                 "after %(n)s intact events", id=problem["id"], n=count - 1)
    if reason == "anchor":
        return _("Anchor of line %(line)s does not match the chain: event number %(count)s "
                 "(id %(id)s) has another hash (the trail was rewritten)",
                 line=problem["line"], count=problem["count"], id=problem["id"])
    if reason == "truncated":
        return _("The chain holds %(found)s events but the anchor of line %(line)s recorded "
                 "%(count)s: the newest events were deleted",
                 found=problem["found"], line=problem["line"], count=problem["count"])
    if reason == "head" and problem.get("found_hash"):
        return _("The head row records another hash for event number %(count)s (id %(id)s): "
                 "the trail or its head was rewritten", count=problem["count"],
                 id=problem["id"])
    if reason == "head":
        return _("The chain holds %(found)s events but its head row records %(count)s: "
                 "events were deleted or the head was changed",
                 found=problem["found"], count=problem["count"])
    if reason == "keyed_from" and problem["line"]:
        return _("The anchor of line %(line)s recorded %(count)s events before the key, the "
                 "chain has %(found)s: its keyed part was rewritten with the public formula",
                 line=problem["line"], count=problem["count"], found=problem["found"])
    if reason == "keyed_from":
        return _("The head row records %(count)s events before the key, the chain has "
                 "%(found)s: its keyed part was rewritten with the public formula",
                 count=problem["count"], found=problem["found"])
    if reason == "anchor_mac":
        return _("Line %(line)s of the anchor file was changed (its HMAC does not match)",
                 line=problem["line"])
    return _("Line %(line)s of the anchor file cannot be read", line=problem["line"])


@audit_group.command("verify")
@click.option("--anchors", "with_anchors", is_flag=True,
              help="also check every anchor of AUDIT_ANCHOR_FILE against the chain")
@with_appcontext
def audit_verify(with_anchors):
    """Re-compute the keyed hash chain (and check the anchors); exit 1 naming the first
    broken event or anchor."""
    anchors = None
    if with_anchors:
        path = audit.anchor_path()
        if not os.path.exists(path):
            click.echo(_("No anchor file at %(path)s", path=path), err=True)
            sys.exit(1)
        anchors, problems = audit.read_anchors(path, audit.audit_key())
        for problem in problems:
            click.echo(_chain_problem(problem, 0), err=True)
        if problems:
            sys.exit(1)
    report = {}
    count, problem = audit.verify_chain(db.session, anchors=anchors, report=report)
    if problem:
        click.echo(_chain_problem(problem, count), err=True)
        sys.exit(1)
    if report.get("legacy"):
        click.echo(_("%(n)s events at the start of the chain were written before the key "
                     "(unkeyed SHA-256)", n=report["legacy"]))
    if anchors is not None:
        click.echo(_("%(n)s anchors match the chain", n=len(anchors)))
    click.echo(_("OK: %(count)s events, chain intact", count=count))


@audit_group.command("anchor")
@with_appcontext
def audit_anchor():
    """Append the chain's length and head, with their HMAC, to AUDIT_ANCHOR_FILE."""
    count, _last_id, head = audit.write_anchor(db.session, source="cli")
    db.session.rollback()
    click.echo(_("Anchor written: %(count)s events, head %(head)s, to %(path)s",
                 count=count, head=head, path=audit.anchor_path()))


@qlvb.group("storage")
def storage_group():
    """The file store."""


@storage_group.command("cleanup")
@click.option("--min-age", default=3600, show_default=True,
              help="seconds; younger leftovers may belong to an upload still in progress")
@with_appcontext
def storage_cleanup(min_age):
    """Remove expired staged uploads, then stored files that no record points at and
    unfinished uploads' temporaries."""
    from app.core.staging import purge_expired

    click.echo(f"removed {purge_expired(db.session)} expired staged upload(s)")
    removed = remove_orphans(db.session, min_age_seconds=min_age)
    for path in removed:
        click.echo(f"removed {path}")
    click.echo(f"removed {len(removed)} orphan or temporary file(s)")


@contextmanager
def _progressbar(label):
    """A progress bar on the terminal (stderr) for a long command; ``bar(done, total)``
    moves it. Nothing is drawn when stderr is not a terminal (a timer's log)."""
    bar = None
    shown = 0
    drawn = sys.stderr.isatty()

    def step(done, total):
        nonlocal bar, shown
        if not drawn:
            return
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label=str(label), file=sys.stderr)
            bar.__enter__()
        bar.update(done - shown)
        shown = done

    try:
        yield step
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


def _age(seconds):
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours}h{rest // 60:02d}m"


@storage_group.command("verify")
@click.option("--strict", is_flag=True,
              help="exit 1 also when orphans or temporaries are left in the store")
@with_appcontext
def storage_verify(strict):
    """Re-hash every stored file against its SHA-256; exit 1 naming missing or altered ones.
    Also lists the files no record points at (orphans, unfinished uploads) with their age."""
    with _progressbar(_("Checking the stored files")) as bar:
        count, problems = verify_all(db.session, progress=bar)
    destroyed = sorted(sha for sha, verdict in problems.items() if verdict == "destroyed")
    problems = {sha: verdict for sha, verdict in problems.items() if verdict != "destroyed"}
    for sha, verdict in sorted(problems.items()):
        click.echo(f"{verdict.upper()} {sha}", err=True)
    for sha in destroyed:
        click.echo(f"DESTROYED {sha}")
    if destroyed:
        click.echo(f"{len(destroyed)} stored file(s) destroyed on purpose (a secret document's "
                   "files, the register keeps its number)")
    extra = leftovers(db.session)
    for item in extra:
        click.echo(f"{item.kind.upper()} {item.path} {item.size} bytes, {_age(item.age)} old",
                   err=True)
    if extra:
        click.echo(f"{len(extra)} file(s) in the store that no record points at "
                   "(`flask qlvb storage cleanup` removes those older than an hour)", err=True)
    if problems:
        click.echo(f"{len(problems)} of {count} stored file(s) missing or altered", err=True)
        sys.exit(1)
    if strict and extra:
        sys.exit(1)
    click.echo(f"OK: {count - len(destroyed)} stored file(s) intact")


@qlvb.command("check-pdf")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--trust-root", "trust_roots", multiple=True, type=click.Path(dir_okay=False),
              help="a PEM (or DER) root certificate, CA certificate or CRL to trust; repeatable")
@with_appcontext
def check_pdf_command(files, trust_roots):
    """Run the intake checks on FILES (nothing is stored): one JSON object per file; exit 0
    when every file is acceptable, 1 otherwise."""
    try:
        anchors = trust.load_anchors(db.session, extra_files=trust_roots)
    except (OSError, ValueError) as exc:
        click.echo(f"cannot load the trust roots: {exc}", err=True)
        sys.exit(2)
    ok = True
    for path in files:
        if not os.path.isfile(path):
            result = {"file": path, "accepted": False, "problems": ["file not found"]}
        else:
            result = trust.inspect(path, anchors).as_dict()
        ok = ok and result["accepted"]
        click.echo(json.dumps(result, ensure_ascii=False, default=str))
    sys.exit(0 if ok else 1)


@qlvb.command("seed-demo")
@click.option("--password", default=None, help="password of every demo account")
@with_appcontext
def seed_demo_command(password):
    """Load the demo units, reference data and one account per role (idempotent)."""
    from app.demo import seed_demo

    accounts = seed_demo(db.session, password=password)
    click.echo("Demo accounts (user name / password / role / unit):")
    for username, pw, role, unit in accounts:
        click.echo(f"  {username:22} {pw:18} {role:20} {unit}")


@qlvb.group("search")
def search_group():
    """The search index."""


@search_group.command("reindex")
@with_appcontext
def search_reindex():
    """Rebuild the search index of every document (after upgrading, or to repair it)."""
    with _progressbar(_("Indexing the documents")) as bar:
        count = reindex_all(db.session, progress=bar)
    click.echo(f"indexed {count} document(s)")
@qlvb.command("worker")
@click.option("--burst", is_flag=True, help="run the jobs queued now, then stop")
@with_appcontext
def worker_command(burst):
    """Run the background jobs from Redis (REDIS_URL) until stopped."""
    if not current_app.config.get("REDIS_URL"):
        raise click.ClickException("REDIS_URL is not set: jobs run inline after each commit "
                                   "(use `flask qlvb jobs run-due` for their retries)")
    jobs.work(burst=burst)


@qlvb.group("jobs")
def jobs_group():
    """Background jobs (Tác vụ nền)."""


@jobs_group.command("run-due")
@click.option("--limit", default=100, show_default=True, help="at most this many jobs")
@with_appcontext
def jobs_run_due(limit):
    """Run the queued jobs that are due: retries of failed ones, jobs Redis did not take."""
    count = jobs.run_due(limit)
    click.echo(f"ran {count} job(s)")


@qlvb.group("exchange")
def exchange_group():
    """Liên thông: edXML packages (QCVN 102:2016) in and out."""


@exchange_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def exchange_import(files):
    """Receive edXML packages (documents, revocations, updates, replacements, statuses);
    one JSON object per file. A package received before is a duplicate and changes
    nothing."""
    with _progressbar(_("Importing the packages")) as bar:
        for done, path in enumerate(files, 1):
            with open(path, "rb") as fh:
                data = fh.read()
            anchors = trust.load_anchors(db.session)
            outcome = receive(db.session, data, anchors=anchors, now=utcnow())
            click.echo(json.dumps({"file": path} | outcome.as_dict(), ensure_ascii=False))
            if len(files) > 1:
                bar(done, len(files))


@exchange_group.command("export")
@click.argument("outgoing_id", type=int)
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="the directory the packages are written to")
@with_appcontext
def exchange_export(outgoing_id, out_dir):
    """Write the edXML package of an outgoing document for each recipient with a mã định
    danh, signed with the agency's certificate when QLVB_AGENCY_P12 is set."""
    try:
        key = (signing.agency_key(current_app.config)
               if current_app.config.get("QLVB_AGENCY_P12") else None)
        written = export(db.session, outgoing_id, out_dir, key=key, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    for item in written:
        click.echo(json.dumps(item.as_dict(), ensure_ascii=False))


@exchange_group.command("axis")
@click.option("--port", type=int, required=True, help="the port on 127.0.0.1")
@click.option("--system", "systems", multiple=True, type=(str, str, str, str),
              metavar="NAME URL SECRET ORGANIDS",
              help="a connected system: its connection name, base URL, shared secret and "
                   "the OrganIds it serves (comma-separated); repeat for each")
@click.option("--drop", type=float, default=0.0, help="share of requests lost")
@click.option("--duplicate", type=float, default=0.0, help="share delivered twice")
@click.option("--delay", type=float, default=0.0, help="most seconds a package is held")
@click.option("--reorder", is_flag=True, help="deliver in a shuffled order")
@click.option("--crash", type=float, default=0.0,
              help="share of deliveries whose acknowledgement is lost after the commit")
def exchange_axis(port, systems, drop, duplicate, delay, reorder, crash):
    """An axis simulator (trục liên thông): stores and forwards packages between the
    systems given, with the faults switched on."""
    from app.exchange import axis

    axis.serve(axis.Options(port=port, systems=list(systems), faults=axis.Faults(
        drop=drop, duplicate=duplicate, delay=delay, reorder=reorder, crash=crash)))


@qlvb.command("register")
@click.option("--unit", "unit_ref", required=True, help="unit abbreviation, e.g. VPHU")
@click.option("--kind", type=click.Choice(["incoming", "outgoing", "tracking"]),
              default="incoming", show_default=True)
@click.option("--from", "start", required=True, help="first day, dd/mm/yyyy or yyyy-mm-dd")
@click.option("--to", "end", required=True, help="last day, dd/mm/yyyy or yyyy-mm-dd")
@click.option("--format", "fmt", type=click.Choice(["pdf", "xlsx"]), default="pdf",
              show_default=True)
@click.option("--volume", default="1", show_default=True, help="Quyển số on the cover")
@click.option("--out", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def register_command(unit_ref, kind, start, end, fmt, volume, out):
    """Write a register (the same as the screen offers), e.g. for a monthly scheduled run."""
    unit = registers.unit_of(db.session, None, True, unit_ref)
    if unit is None:
        raise click.ClickException(f"unknown unit: {unit_ref}")
    try:
        period = registers.make_period("range", start=start, end=end)
        reg = registers.register(db.session, kind, unit, period, volume=volume)
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    document = reg.document(registers.print_mark(None, utcnow()))
    with open(out, "wb") as fh:
        (build_pdf if fmt == "pdf" else build_xlsx)(fh, document)
    registers.record_print(db.session, "register_printed", None, {
        "unit": unit.abbreviation, "kind": kind, "from": str(period.start),
        "to": str(period.end), "format": fmt, "rows": reg.count, "by": "command line"})
    db.session.commit()
    click.echo(f"{out}: {reg.count} row(s)")


@qlvb.command("backup")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="a new directory: the dump, the files and manifest.json go there")
@with_appcontext
def backup_command(out):
    """Write a consistent backup: every table (read in one transaction), the stored files
    and a manifest of their SHA-256 hashes."""
    try:
        summary = backup(db.engine, db.metadata, out)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(summary.tables.values())
    click.echo(f"{out}: schema {summary.revision}, {len(summary.tables)} tables, {rows} rows, "
               f"{summary.files} files ({summary.bytes} bytes)")


@qlvb.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@with_appcontext
def restore_command(directory):
    """Load the backup in DIRECTORY into this installation, which must be migrated to the
    backup's schema revision and hold no rows (run `flask qlvb sync-roles` after it)."""
    db.session.remove()
    try:
        summary = restore(db.engine, db.metadata, directory)
    except BackupError as error:
        raise click.ClickException(f"restore refused: {error}") from None
    for name, count in summary.tables.items():
        if count:
            click.echo(f"  {name}: {count}")
    rows = sum(summary.tables.values())
    click.echo(f"restored {rows} rows in {len(summary.tables)} tables and {summary.files} "
               f"files ({summary.bytes} bytes), schema {summary.revision}")


@qlvb.command("ocr")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(exists=True, dir_okay=False))
@click.option("--fields", "with_fields", is_flag=True,
              help="also read the register fields from the first page")
@with_appcontext
def ocr_command(files, with_fields):
    """Recognise the text of scanned PDFs (the files are not changed): one JSON object per
    file; exit 0 when every file was recognised, 1 otherwise."""
    missing = ocr.engine.missing()
    if missing is not None:
        click.echo(_("OCR is unavailable on this machine: %(what)s is not installed "
                     "(make ocr-deps installs it).", what=missing), err=True)
        sys.exit(1)
    ok = True
    for path in files:
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            result = ocr.recognise(data)
        except ocr.OcrError as error:
            ok = False
            click.echo(json.dumps({"file": path, "error": str(error)}, ensure_ascii=False))
            continue
        out = {"file": path, "pages": result.pages, "text": result.text}
        if with_fields:
            out["fields"] = register_fields(db.session, result.text).as_dict()
        click.echo(json.dumps(out, ensure_ascii=False))
    sys.exit(0 if ok else 1)


@qlvb.command("ocr-stored")
@click.option("--limit", type=int, default=None, help="queue at most this many files")
@with_appcontext
def ocr_stored_command(limit):
    """Queue the recognition of every stored scan not yet recognised (files stored before
    OCR existed or while it was unavailable, failed ones): jobs run by the worker, or here
    at once without Redis, a progress bar on the terminal following them."""
    if not scans.ocr.ocr_available():
        click.echo(_("OCR is unavailable on this machine: %(what)s is not installed "
                     "(make ocr-deps installs it).", what=ocr.engine.missing()), err=True)
        sys.exit(1)
    with _progressbar(_("Recognising the stored scans")) as bar:
        count = scans.queue_stored(db.session, limit, progress=bar)
    click.echo(_("%(n)d stored scan(s) queued for text recognition.", n=count))
