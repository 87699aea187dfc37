"""``flask qlvb files …`` (docs/domain.md §9.9): the work files as JSON lines for outside
checks, the files due for transfer, and the export of a closed file for the archive.

    files list [--state open|closed|transferred] [--unit CODE]
    files due [--within-days N]
    files export FILE_CODE --out DIR
    files notify-due            (the owners and heads of files due within 30 days)"""

from __future__ import annotations

import json
from typing import Any

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import or_, select

from app.core import audit
from app.core.errors import DomainError
from app.core.timeutil import local_today, utcnow
from app.core.workflow import FileState
from app.extensions import db
from app.records import export, services
from app.records.models import WorkFile
from app.registers.services import print_mark
from app.units.models import Unit

# The states the commands speak of: a file submitted or accepted is "transferred".
STATES = {
    "open": (FileState.OPEN,),
    "closed": (FileState.CLOSED,),
    "transferred": (FileState.SUBMITTED, FileState.ARCHIVED),
}


def public_state(state: str) -> str:
    return next(name for name, states in STATES.items() if state in states)


def file_json(f: WorkFile, **extra: Any) -> str:
    row = {
        "file_code": f.code, "title": f.title,
        "unit": f.unit.code or f.unit.abbreviation,
        "state": public_state(f.state),
        "start_date": f.start_date.isoformat() if f.start_date else None,
        "end_date": f.end_date.isoformat() if f.end_date else None,
        "retention": f.retention.text(), "doc_total": f.doc_total,
    }
    row.update(extra)
    return json.dumps(row, ensure_ascii=False)


@click.group("files")
def files_group() -> None:
    """Work files (hồ sơ công việc)."""


@files_group.command("list")
@click.option("--state", type=click.Choice(sorted(STATES)), default=None)
@click.option("--unit", "unit_ref", default=None, help="the unit's code or abbreviation")
@with_appcontext
def files_list(state: str | None, unit_ref: str | None) -> None:
    """Every work file as a JSON line, by code."""
    query = select(WorkFile).order_by(WorkFile.code)
    if state:
        query = query.where(WorkFile.state.in_([str(s) for s in STATES[state]]))
    if unit_ref:
        unit = db.session.scalar(select(Unit).where(or_(Unit.code == unit_ref,
                                                        Unit.abbreviation == unit_ref)))
        if unit is None:
            raise click.ClickException(_("No unit has the code %(code)s.", code=unit_ref))
        query = query.where(WorkFile.unit_id == unit.id)
    for f in db.session.scalars(query):
        click.echo(file_json(f))


@files_group.command("due")
@click.option("--within-days", "within", type=click.IntRange(0, 36600), default=0)
@with_appcontext
def files_due(within: int) -> None:
    """The closed files due for transfer today, or within N days, with their due date."""
    for f in services.due_files(db.session, local_today(), within):
        click.echo(file_json(f, due_date=f.due_date.isoformat() if f.due_date else None))


@files_group.command("export")
@click.argument("file_code")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@with_appcontext
def files_export(file_code: str, out_dir: str) -> None:
    """Write OUT/FILE_CODE/: the documents' files, the index (PDF), FILE_CODE.xml and
    manifest-sha256.txt."""
    f = db.session.scalar(select(WorkFile).where(WorkFile.code == file_code))
    if f is None:
        raise click.ClickException(_("No work file has the code %(code)s.", code=file_code))
    try:
        folder = export.export_file(db.session, f, out_dir, print_mark(None, utcnow()))
    except DomainError as error:
        raise click.ClickException(str(error)) from None
    audit.record(db.session, "work_file_exported", f, username="cli",
                 details={"code": f.code, "folder": folder})
    db.session.commit()
    click.echo(folder)


@files_group.command("notify-due")
@with_appcontext
def files_notify_due() -> None:
    """Tell the owners and heads of the files due within 30 days (once per file)."""
    count = services.notify_due(db.session, local_today())
    db.session.commit()
    click.echo(count)
