"""The screens of hồ sơ công việc (docs/domain.md §9): the retention schedule, the file
plans, the work files and the transfers to the agency archive. Views are thin: they read
the form, ask the policy what the user may see, call the services and print with the
forms of ``printing``; a refused step says why and changes nothing."""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask import (
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.core import audit, fab, registry, storage
from app.core.downloads import send_named
from app.core.errors import DomainError
from app.core.scope import scope_settings
from app.core.timeutil import local_today, parse_date, utcnow
from app.core.workflow import ConflictError, FileState
from app.extensions import db
from app.incoming.models import IncomingDocument
from app.jobs.models import KIND_LABELS
from app.outgoing.models import OutgoingDocument
from app.records import policy, printing, services
from app.records.models import (
    FILE_STATES,
    ITEM_KINDS,
    LEFT_OUT_REASONS,
    NUMBERING_MODES,
    RETENTION_KINDS,
    FileItem,
    FilePlan,
    PlanEntry,
    PlanHeading,
    RetentionRule,
    TransferBatch,
    WorkFile,
)
from app.registers.services import print_mark
from app.security import permissions as P
from app.security.models import AppUser
from app.security.services import user_can

log = logging.getLogger(__name__)

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _form(name: str) -> str:
    return (request.form.get(name) or "").strip()


def _int(name: str) -> int | None:
    try:
        value = int(_form(name))
    except ValueError:
        return None
    return value if 0 < value < 2**31 else None


def _date(name: str) -> date | None:
    text = _form(name)
    if not text:
        return None
    try:
        return parse_date(text)
    except ValueError:
        raise DomainError(_("Write the date as dd/mm/yyyy."), field=name) from None


def _step(back: str, step: Callable[[], Any], done: str) -> Response:
    """Run a step in the request's transaction: commit and say ``done``, or roll back and
    say why (a refused step changes nothing); a hidden object is not found."""
    try:
        step()
        db.session.commit()
        flash(done, "success")
    except LookupError:
        db.session.rollback()
        abort(404)
    except ConflictError as error:
        # The state refuses the step (a closed file is read-only): 409, said in words.
        db.session.rollback()
        log.info("records step refused by the state: %s (user %s, %s)", error,
                 getattr(g.user, "username", None), request.path)
        builder = fab.appbuilder()
        body = render_template("qlvb/error.html", code=409, message=str(error),
                               base_template=builder.base_template, appbuilder=builder)
        return current_app.response_class(body, status=409)
    except DomainError as error:
        db.session.rollback()
        log.info("records step refused: %s (user %s, %s)", error,
                 getattr(g.user, "username", None), request.path)
        flash(str(error), "danger")
    return redirect(back)


def _download(document: Any, fmt: str, name: str) -> Response:
    if fmt not in FORMATS:
        abort(404)
    out = tempfile.TemporaryFile()
    printing.build(out, document, fmt)
    out.seek(0)
    response = send_named(out, f"{name}.{fmt}", FORMATS[fmt])
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _mark() -> str:
    return print_mark(g.user, utcnow())


def _rules() -> list[RetentionRule]:
    return list(db.session.scalars(select(RetentionRule).order_by(RetentionRule.code)))


def _unit_users(unit_id: int | None = None) -> list[AppUser]:
    unit_id = unit_id or g.user.unit_id
    if unit_id is None:
        return []
    return list(db.session.scalars(select(AppUser).where(
        AppUser.unit_id == unit_id, AppUser.active.is_(True)).order_by(AppUser.id)))


class RetentionView(BaseView):
    """Thời hạn bảo quản: the schedule the admin keeps."""

    route_base = "/records/retention"
    default_view = "index"
    class_permission_name = P.RETENTION
    method_permission_name = {"list": "read", "index": "read", "add": "write", "delete": "write"}
    base_permissions = [P.READ, P.WRITE]

    @expose("/")
    @has_access
    def index(self) -> str:
        return self.render_template("records/retention.html", rules=_rules(),
                                    kinds=RETENTION_KINDS, title=_("Retention schedule"),
                                    in_use={r.id for r in _rules()
                                            if services.rule_in_use(db.session, r)})

    @expose("/add", methods=["POST"])
    @has_access
    def add(self) -> Response:
        return _step(url_for(".index"), lambda: services.add_rule(
            db.session, g.user, _form("code"), _form("label"), _form("kind"), _int("years"),
            _form("event"), _form("source")), _("The retention rule was added."))

    @expose("/delete/<int:pk>", methods=["POST"])
    @has_access
    def delete(self, pk: int) -> Response:
        rule = db.session.get(RetentionRule, pk) or abort(404)
        return _step(url_for(".index"), lambda: services.delete_rule(db.session, g.user, rule),
                     _("The retention rule was deleted."))


class FilePlanView(BaseView):
    """Danh mục hồ sơ: prepared by the unit, approved by its head, printed."""

    route_base = "/records/plans"
    default_view = "index"
    class_permission_name = P.FILE_PLAN
    method_permission_name = {"list": "read", "index": "read", "show": "read", "download": "read",
                              "create": "write", "copy": "write", "heading": "write",
                              "entry": "write", "approve": "approve",
                              "edit_heading": "write", "delete_heading": "write",
                              "edit_entry": "write", "delete_entry": "write"}
    base_permissions = [P.READ, P.WRITE, P.APPROVE]

    def _plan(self, pk: int, prepare: bool = False) -> FilePlan:
        """The plan ``pk``; for a step of preparing it, refused (403) to anyone but its
        unit's clerks and heads."""
        plan = db.session.get(FilePlan, pk) or abort(404)
        if prepare and not policy.can_prepare_plan(g.user, plan):
            abort(403)
        return plan

    @expose("/")
    @has_access
    def index(self) -> str:
        plans = db.session.scalars(select(FilePlan).order_by(FilePlan.year.desc(),
                                                             FilePlan.unit_id)).all()
        return self.render_template(
            "records/plans.html", plans=plans, title=_("File plans"), modes=NUMBERING_MODES,
            may_prepare=policy.can_prepare_plan(g.user, None, g.user.unit_id),
            year=local_today().year)

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int) -> str:
        plan = self._plan(pk)
        opened = {e for (e,) in db.session.execute(
            select(WorkFile.entry_id).where(WorkFile.entry_id.in_([e.id for e in plan.entries])))}
        return self.render_template(
            "records/plan.html", plan=plan, title=_("File plan %(year)s", year=plan.year),
            rules=_rules(), users=_unit_users(), opened=opened,
            main_headings=[h for h in plan.headings if h.parent_id is None],
            number=services.heading_number, totals=services.plan_totals(plan),
            may_prepare=policy.can_prepare_plan(g.user, plan) and plan.state == "draft",
            may_approve=policy.can_approve_plan(g.user, plan) and plan.state == "draft",
            may_open=policy.can_open_file(g.user) and plan.state == "approved")

    @expose("/<int:pk>/download/<fmt>")
    @has_access
    def download(self, pk: int, fmt: str) -> Response:
        plan = self._plan(pk)
        return _download(printing.plan_document(plan, _mark()), fmt,
                         f"danh-muc-ho-so-{plan.year}")

    @expose("/create", methods=["POST"])
    @has_access
    def create(self) -> Response:
        made: list[FilePlan] = []

        def step() -> None:
            if g.user.unit_id is None:
                raise DomainError(_("Your account has no unit; ask the administrator to set "
                                    "it."))
            made.append(services.create_plan(db.session, g.user, g.user.unit_id,
                                             _int("year") or 0, _form("numbering")))

        response = _step(url_for(".index"), step, _("The draft plan was created."))
        return redirect(url_for(".show", pk=made[0].id)) if made and made[0].id else response

    @expose("/<int:pk>/copy", methods=["POST"])
    @has_access
    def copy(self, pk: int) -> Response:
        source = self._plan(pk, prepare=True)
        made: list[FilePlan] = []
        response = _step(url_for(".show", pk=pk), lambda: made.append(services.copy_plan(
            db.session, g.user, source, _int("year") or source.year + 1)),
            _("The plan was copied into a new draft."))
        return redirect(url_for(".show", pk=made[0].id)) if made and made[0].id else response

    @expose("/<int:pk>/heading", methods=["POST"])
    @has_access
    def heading(self, pk: int) -> Response:
        plan = self._plan(pk, prepare=True)
        parent_id = _int("parent")
        parent = db.session.get(PlanHeading, parent_id) if parent_id else None
        return _step(url_for(".show", pk=pk), lambda: services.add_heading(
            db.session, g.user, plan, _form("title"), _form("abbreviation"), parent),
            _("The heading was added."))

    @expose("/<int:pk>/entry", methods=["POST"])
    @has_access
    def entry(self, pk: int) -> Response:
        plan = self._plan(pk, prepare=True)

        def step() -> None:
            heading = db.session.get(PlanHeading, _int("heading") or 0)
            if heading is None:
                raise DomainError(_("Choose a heading of this plan."), field="heading")
            owner = db.session.get(AppUser, _int("owner") or 0)
            services.add_entry(db.session, g.user, plan, heading, _form("title"),
                               db.session.get(RetentionRule, _int("retention") or 0),
                               owner if owner and owner.unit_id == g.user.unit_id else None,
                               _form("note"), _form("notation") or None)

        return _step(url_for(".show", pk=pk), step, _("The entry was added."))

    def _part(self, plan: FilePlan, model: type[Any], part_id: int) -> Any:
        part = db.session.get(model, part_id)
        if part is None or part.plan_id != plan.id:
            abort(404)
        return part

    @expose("/<int:pk>/heading/<int:hid>/edit", methods=["POST"])
    @has_access
    def edit_heading(self, pk: int, hid: int) -> Response:
        plan = self._plan(pk, prepare=True)
        heading = self._part(plan, PlanHeading, hid)
        return _step(url_for(".show", pk=pk), lambda: services.update_heading(
            db.session, g.user, plan, heading, _form("title"), _form("abbreviation")),
            _("The heading was corrected."))

    @expose("/<int:pk>/heading/<int:hid>/delete", methods=["POST"])
    @has_access
    def delete_heading(self, pk: int, hid: int) -> Response:
        plan = self._plan(pk, prepare=True)
        heading = self._part(plan, PlanHeading, hid)
        return _step(url_for(".show", pk=pk), lambda: services.delete_heading(
            db.session, g.user, plan, heading), _("The heading was deleted."))

    @expose("/<int:pk>/entry/<int:eid>/edit", methods=["POST"])
    @has_access
    def edit_entry(self, pk: int, eid: int) -> Response:
        plan = self._plan(pk, prepare=True)
        entry = self._part(plan, PlanEntry, eid)

        def step() -> None:
            owner = db.session.get(AppUser, _int("owner") or 0)
            services.update_entry(
                db.session, g.user, plan, entry, db.session.get(PlanHeading, _int("heading") or 0),
                _form("title"), db.session.get(RetentionRule, _int("retention") or 0),
                owner if owner and owner.unit_id == plan.unit_id else None, _form("note"),
                _form("notation"))

        return _step(url_for(".show", pk=pk), step, _("The entry was corrected."))

    @expose("/<int:pk>/entry/<int:eid>/delete", methods=["POST"])
    @has_access
    def delete_entry(self, pk: int, eid: int) -> Response:
        plan = self._plan(pk, prepare=True)
        entry = self._part(plan, PlanEntry, eid)
        return _step(url_for(".show", pk=pk), lambda: services.delete_entry(
            db.session, g.user, plan, entry), _("The entry was deleted."))

    @expose("/<int:pk>/approve", methods=["POST"])
    @has_access
    def approve(self, pk: int) -> Response:
        plan = self._plan(pk)
        if not policy.can_approve_plan(g.user, plan):
            abort(403)
        return _step(url_for(".show", pk=pk), lambda: services.approve_plan(
            db.session, g.user, plan, _form("decision_number"), _date("decision_date")),
            _("The plan was approved."))


class WorkFileView(BaseView):
    """Hồ sơ công việc: the files the user may see, one file with its documents, the
    steps on it, its index; the files due for transfer."""

    route_base = "/records/files"
    default_view = "index"
    class_permission_name = P.WORK_FILE
    base_permissions = [P.READ, P.WRITE, P.ARCHIVE]
    method_permission_name = {
        "list": "read", "index": "read", "show": "read", "due": "read", "download": "read",
        "open": "write", "add": "write", "upload": "write", "leave_out": "write",
        "remove": "write", "close": "write", "keep_back": "write", "reopen": "archive",
        "delete": "write", "file_document": "write", "edit": "write", "event": "write",
    }

    def _visible(self) -> Any:
        query = select(WorkFile)
        clause = policy.file_clause(g.user, scope_settings())
        return query if clause is None else query.where(clause)

    def _file(self, pk: int) -> WorkFile:
        f = db.session.get(WorkFile, pk)
        if f is None or not policy.sees_file(g.user, f, scope_settings()):
            abort(404)
        return f

    @expose("/")
    @has_access
    def index(self) -> str:
        state = request.args.get("state", "")
        query = self._visible()
        if state in FILE_STATES:
            query = query.where(WorkFile.state == state)
        files = db.session.scalars(query.order_by(WorkFile.year.desc(), WorkFile.code)
                                   .limit(500)).all()
        return self.render_template(
            "records/files.html", files=files, states=FILE_STATES, state=state,
            title=_("Work files"), rules=_rules(), may_open=policy.can_open_file(g.user),
            today=local_today())

    @expose("/due")
    @has_access
    def due(self) -> str:
        clause = policy.file_clause(g.user, scope_settings())
        within = request.args.get("within", "30")
        days = int(within) if within.isdigit() and int(within) <= 3660 else 30
        files = services.due_files(db.session, local_today(), days,
                                   [clause] if clause is not None else [])
        return self.render_template("records/due.html", files=files, within=days,
                                    title=_("Files due for transfer to the archive"))

    @expose("/file-document")
    @has_access
    def file_document(self) -> str:
        """From a document's page, or from the documents selected in a list ("Đưa vào hồ
        sơ"): the open files of the documents' unit the user keeps, to put them in one;
        for an outgoing reply, the files of the incoming document it answers come first.
        A document the user may not see is not found."""
        kind = request.args.get("kind", "")
        raws = request.args.getlist("doc_id")
        ids = list(dict.fromkeys(int(r) for r in raws if r.isdigit() and 0 < int(r) < 2**31))
        if not ids or len(ids) != len(raws) or len(ids) > 500 or \
                kind not in ("incoming", "outgoing"):
            abort(404)
        settings = scope_settings()
        model: Any = IncomingDocument if kind == "incoming" else OutgoingDocument
        seen = (policy.visible_incoming if kind == "incoming" else policy.visible_outgoing)(
            db.session, g.user, settings, ids)
        if seen != set(ids):
            abort(404)
        docs = list(db.session.scalars(select(model).where(model.id.in_(ids))
                                       .order_by(model.id)))
        if kind == "incoming":
            answered = ids
        else:
            answered = [d.reply_to_id for d in docs if d.reply_to_id]
        units = {d.unit_id for d in docs}
        files = [f for f in db.session.scalars(self._visible().where(
            WorkFile.state == FileState.OPEN, WorkFile.unit_id.in_(units))
            .order_by(WorkFile.code)) if policy.can_edit_file(g.user, f)] \
            if len(units) == 1 else []
        suggested = set(db.session.scalars(select(FileItem.file_id).where(
            FileItem.incoming_id.in_(answered)))) if answered else set()
        files.sort(key=lambda f: (f.id not in suggested, f.code))
        view = "IncomingView" if kind == "incoming" else "OutgoingView"
        back = url_for(f"{view}.show", pk=ids[0]) if len(ids) == 1 else url_for(f"{view}.list")
        return self.render_template(
            "records/file_document.html", files=files, docs=docs, kind=kind,
            suggested=suggested, back=back, several_units=len(units) > 1,
            title=_("Put the document in a work file") if len(ids) == 1
            else _("Put %(n)s documents in a work file", n=len(ids)))

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int) -> str:
        f = self._file(pk)
        items = services.items_loaded(db.session, f)
        seen = policy.visible_items(db.session, g.user, scope_settings(), items)
        editable = f.state == FileState.OPEN and policy.can_edit_file(g.user, f)
        return self.render_template(
            "records/file.html", f=f, items=items, seen=seen, title=f.code,
            cells=printing.item_cells, editable=editable, rules=_rules(),
            reasons=LEFT_OUT_REASONS, archivist=policy.is_archivist(g.user), kinds=ITEM_KINDS,
            users=_unit_users(f.unit_id) if editable else [],
            may_event=f.retention.kind == "event" and f.state in (FileState.OPEN,
                                                                  FileState.CLOSED)
            and (policy.can_edit_file(g.user, f) or policy.is_archivist(g.user)),
            may_keep=f.state == FileState.CLOSED and f.due_date is not None
            and policy.can_edit_file(g.user, f))

    @expose("/<int:pk>/download/<fmt>")
    @has_access
    def download(self, pk: int, fmt: str) -> Response:
        f = self._file(pk)
        if fmt not in FORMATS:
            abort(404)
        items = services.items_loaded(db.session, f)
        seen = policy.visible_items(db.session, g.user, scope_settings(), items)
        hidden = {i.id for i in items} - seen
        response = _download(printing.index_document(f, items, _mark(), hidden), fmt,
                             f"muc-luc-van-ban-{f.code}")
        audit.record(db.session, "work_file_index_printed", f, user=g.user,
                     details={"format": fmt, "hidden": len(hidden)})
        db.session.commit()
        return response

    @expose("/open", methods=["POST"])
    @has_access
    def open(self) -> Response:
        made: list[WorkFile] = []

        def step() -> None:
            entry_id = _int("entry")
            entry = db.session.get(PlanEntry, entry_id) if entry_id else None
            if entry_id and entry is None:
                raise LookupError(entry_id)
            rule_id = _int("retention")
            made.append(services.open_file(
                db.session, g.user, entry, title=_form("title") or None,
                notation=_form("notation") or None,
                retention=db.session.get(RetentionRule, rule_id) if rule_id else None,
                start_date=_date("start_date"), description=_form("description")))

        response = _step(url_for(".index"), step, _("The file was opened."))
        return redirect(url_for(".show", pk=made[0].id)) if made and made[0].id else response

    @expose("/<int:pk>/add", methods=["POST"])
    @has_access
    def add(self, pk: int) -> Response:
        f = self._file(pk)
        # One or several documents ("12, 15 17"): a list's documents added in one step.
        words = [w for v in request.form.getlist("doc_id") for w in re.split(r"[\s,;]+", v) if w]
        ids = [int(x) for x in words if x.isdigit() and 0 < int(x) < 2**31]

        def step() -> None:
            if not ids or len(ids) != len(words):
                raise DomainError(_("Give the number of the document to add."), field="doc_id")
            services.add_documents(db.session, g.user, f, _form("kind"), ids, scope_settings())

        back = request.form.get("back", "")
        return _step(back if back.startswith("/") and not back.startswith("//")
                     else url_for(".show", pk=pk), step,
                     _("The document was added to the file %(code)s.", code=f.code))

    @expose("/<int:pk>/upload", methods=["POST"])
    @has_access
    def upload(self, pk: int) -> Response:
        f = self._file(pk)

        def step() -> None:
            upload = request.files.get("paper")
            if upload is None or not upload.filename:
                raise DomainError(_("Choose the file of the paper."), field="paper")
            # Checked before the file is stored: a closed file stores nothing.
            services.check_editable(db.session, g.user, f)
            stored = storage.store(upload.stream, upload.filename)
            services.add_paper(db.session, g.user, f, stored, _form("subject"),
                               _date("doc_date"), _form("symbol"), _form("author"),
                               _form("type_name"), _int("pages"))

        return _step(url_for(".show", pk=pk), step, _("The paper was added to the file."))

    @expose("/<int:pk>/leave-out", methods=["POST"])
    @has_access
    def leave_out(self, pk: int) -> Response:
        f = self._file(pk)
        return _step(url_for(".show", pk=pk), lambda: services.leave_out(
            db.session, g.user, f, _int("item") or 0, _form("reason") or None),
            _("The file's order was updated."))

    @expose("/<int:pk>/remove", methods=["POST"])
    @has_access
    def remove(self, pk: int) -> Response:
        f = self._file(pk)
        return _step(url_for(".show", pk=pk), lambda: services.remove_item(
            db.session, g.user, f, _int("item") or 0), _("The document left the file."))

    @expose("/<int:pk>/close", methods=["POST"])
    @has_access
    def close(self, pk: int) -> Response:
        f = self._file(pk)
        rule_id = _int("retention")
        return _step(url_for(".show", pk=pk), lambda: services.close_file(
            db.session, g.user, f, _form("title") or None,
            db.session.get(RetentionRule, rule_id) if rule_id else None),
            _("The file %(code)s was closed.", code=f.code))

    @expose("/<int:pk>/edit", methods=["POST"])
    @has_access
    def edit(self, pk: int) -> Response:
        f = self._file(pk)

        def step() -> None:
            owner = db.session.get(AppUser, _int("owner") or 0)
            services.update_file(db.session, g.user, f, _form("title"),
                                 db.session.get(RetentionRule, _int("retention") or 0), owner)

        return _step(url_for(".show", pk=pk), step,
                     _("The file %(code)s was corrected.", code=f.code))

    @expose("/<int:pk>/event", methods=["POST"])
    @has_access
    def event(self, pk: int) -> Response:
        f = self._file(pk)
        return _step(url_for(".show", pk=pk), lambda: services.record_event(
            db.session, g.user, f, _date("event_date")),
            _("The date of the event was recorded."))

    @expose("/<int:pk>/keep-back", methods=["POST"])
    @has_access
    def keep_back(self, pk: int) -> Response:
        f = self._file(pk)
        return _step(url_for(".show", pk=pk), lambda: services.keep_back(
            db.session, g.user, f, _form("reference"), _date("until")),
            _("The file is kept back at the unit."))

    @expose("/<int:pk>/delete", methods=["POST"])
    @has_access
    def delete(self, pk: int) -> Response:
        f = self._file(pk)
        return _step(url_for(".index"), lambda: services.delete_file(db.session, g.user, f),
                     _("The file was deleted."))

    @expose("/<int:pk>/reopen", methods=["POST"])
    @has_access
    def reopen(self, pk: int) -> Response:
        f = self._file(pk)
        return _step(url_for(".show", pk=pk), lambda: services.reopen_file(
            db.session, g.user, f, _form("reason")),
            _("The file %(code)s was reopened.", code=f.code))


class TransferView(BaseView):
    """Đợt nộp lưu: the unit sends closed files, the archive checks each and accepts or
    returns it; the index and the minutes print as PDF."""

    route_base = "/records/transfers"
    default_view = "index"
    class_permission_name = P.TRANSFER
    method_permission_name = {"list": "read", "index": "read", "show": "read", "download": "read",
                              "create": "write", "check": "archive"}
    base_permissions = [P.READ, P.WRITE, P.ARCHIVE]

    def _batch(self, pk: int) -> TransferBatch:
        batch = db.session.get(TransferBatch, pk)
        clause = policy.transfer_clause(g.user, scope_settings())
        if batch is None or (clause is not None and not db.session.scalar(
                select(TransferBatch.id).where(TransferBatch.id == pk, clause))):
            abort(404)
        return batch

    @expose("/")
    @has_access
    def index(self) -> str:
        query = select(TransferBatch).order_by(TransferBatch.id.desc())
        clause = policy.transfer_clause(g.user, scope_settings())
        if clause is not None:
            query = query.where(clause)
        ready: list[WorkFile] = []
        if policy.can_make_transfer(g.user, g.user.unit_id):
            ready = [f for f in db.session.scalars(select(WorkFile).where(
                WorkFile.unit_id == g.user.unit_id, WorkFile.state == FileState.CLOSED,
                WorkFile.due_date.is_not(None)).order_by(WorkFile.code))]
        return self.render_template("records/transfers.html",
                                    batches=db.session.scalars(query.limit(200)).all(),
                                    ready=ready, title=_("Transfers to the archive"))

    @expose("/<int:pk>")
    @has_access
    def show(self, pk: int) -> str:
        batch = self._batch(pk)
        return self.render_template(
            "records/transfer.html", batch=batch, totals=services.transfer_totals(batch),
            title=_("Transfer no. %(n)s", n=batch.id),
            may_check=policy.can_check_transfer(g.user) and batch.state == "sent")

    @expose("/<int:pk>/download/<form>")
    @has_access
    def download(self, pk: int, form: str) -> Response:
        batch = self._batch(pk)
        if form == "index":
            return _download(printing.transfer_index(batch, _mark()), "pdf",
                             f"muc-luc-ho-so-nop-luu-{batch.id}")
        if form != "minutes":
            abort(404)
        out = tempfile.TemporaryFile()
        printing.minutes_pdf(out, batch, None)
        out.seek(0)
        return send_named(out, f"bien-ban-giao-nhan-{batch.id}.pdf", FORMATS["pdf"])

    @expose("/create", methods=["POST"])
    @has_access
    def create(self) -> Response:
        ids = [int(x) for x in request.form.getlist("file_id") if x.isdigit() and
               0 < int(x) < 2**31]
        made: list[TransferBatch] = []

        def step() -> None:
            files = [db.session.get(WorkFile, i) for i in ids]
            if any(f is None for f in files):
                raise LookupError(ids)
            made.append(services.create_transfer(db.session, g.user,
                                                 [f for f in files if f is not None],
                                                 _form("condition")))

        response = _step(url_for(".index"), step, _("The files were sent to the archive."))
        return redirect(url_for(".show", pk=made[0].id)) if made and made[0].id else response

    @expose("/<int:pk>/check", methods=["POST"])
    @has_access
    def check(self, pk: int) -> Response:
        batch = self._batch(pk)
        accept = _form("decision") == "accept"
        return _step(url_for(".show", pk=pk), lambda: services.check_line(
            db.session, g.user, batch, _int("line") or 0, accept, _form("reason")),
            _("The file was accepted into the archive.") if accept
            else _("The file was returned to the unit."))


def landing_card(session: Any, user: AppUser, counts: dict[str, Any]) -> dict[str, Any]:
    """On the landing page: the files due for transfer the user sees."""
    if not user_can(user, P.READ, P.WORK_FILE):
        return {}
    clause = policy.file_clause(user, scope_settings())
    files = services.due_files(session, local_today(), 0, [clause] if clause is not None
                               else [])
    return {"files_due": len(files)}


def _filed_codes(session: Any, kind: str, doc_ids: list[int]) -> dict[int, str]:
    return services.filed_codes(session, kind, doc_ids)


def _to_chooser(kind: str) -> Callable[[Any, list[Any]], Response]:
    """The list action "Đưa vào hồ sơ": the selected documents go to the choice of a
    work file (which checks that the user sees each one)."""
    def run(view: Any, rows: list[Any]) -> Response:
        return redirect(url_for("WorkFileView.file_document", kind=kind,
                                doc_id=[r.id for r in rows]))
    return run


def _notify_due_job(session: Any) -> dict[str, int]:
    """The daily notice of the files due (docs/domain.md §9.6), run by the jobs."""
    return {"notified": services.notify_due(session, local_today())}


NOTIFY_DUE_JOB = "records.notify_due"


def init_app(app: Flask) -> None:
    """The files due on the landing page; the file codes of the registers' column; the
    lists' "put in a work file" action; the daily notice of the files due, queued by
    ``flask qlvb jobs run-due``; the names of the records' permissions on the role
    screens."""
    registry.add_landing(app, "records", landing_card)
    registry.provide(app, "filed_codes", _filed_codes)
    for resource, kind in ((P.INCOMING, "incoming"), (P.OUTGOING, "outgoing")):
        registry.add_list_action(app, resource, registry.ListAction(
            "file_documents", _l("Put in a work file"), "fa-folder-open",
            P.WRITE, P.WORK_FILE, _to_chooser(kind)))
    registry.add_job(app, NOTIFY_DUE_JOB, _notify_due_job)
    registry.add_periodic(app, NOTIFY_DUE_JOB, timedelta(days=1))
    KIND_LABELS[NOTIFY_DUE_JOB] = _l("Tell the owners of the work files due for transfer")
    registry.add_security_labels(app, resources=SECURITY_RESOURCES,
                                 permissions=SECURITY_PERMISSIONS)


# The records' screens and permissions as the role editor names them (area "records").
SECURITY_RESOURCES = {
    "WorkFile": registry.ResourceLabel(
        "records", _l("Work files"),
        _l("Open work files, gather documents in them and close them.")),
    "FilePlan": registry.ResourceLabel(
        "records", _l("File plans"), _l("Prepare the year's file plan (danh mục hồ sơ).")),
    "Transfer": registry.ResourceLabel(
        "records", _l("Transfers to the archive"),
        _l("Hand closed files to the agency archive.")),
    "RetentionRule": registry.ResourceLabel(
        "records", _l("Retention schedule"),
        _l("Keep the retention periods files are kept for.")),
}
SECURITY_PERMISSIONS = {
    "can_approve": registry.PermissionLabel(
        _l("approve the file plan"), _l("Approve the year's file plan with a decision number.")),
    "can_archive": registry.PermissionLabel(
        _l("receive files into the archive"),
        _l("Check and accept or return files handed to the archive; reopen a closed file.")),
}
