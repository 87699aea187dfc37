"""The OCR screens: the intake form's pre-fill (the register fields read from the first
page of the scan the clerk chose, in a background job the form polls) and *Văn bản tạm
giữ*, where the office decides on a document withheld for a secrecy marking found in its
recognised text (docs/domain.md §5.3, §2)."""

from __future__ import annotations

import functools
from typing import Any

from flask import abort, flash, g, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, TextAreaField
from wtforms.validators import InputRequired, Length

from app.core import storage
from app.core.errors import DomainError
from app.core.filecheck import check_main_pdf
from app.core.timeutil import fmt_datetime
from app.core.views import AppModelView, AppSQLAInterface
from app.extensions import db
from app.jobs import runner
from app.jobs.models import Job, JobState
from app.ocr import quarantine
from app.ocr.models import Quarantine
from app.ocr.services import PREFILL_JOB
from app.security import permissions as P

# The form's fields filled from what the page says (Fields.as_dict's names).
FORM_FIELDS = {"author": "author_name", "symbol": "symbol", "document_date": "document_date",
               "document_type_id": "document_type_id", "summary": "summary",
               "signer": "signer_name"}


class PrefillView(BaseView):
    """``POST /ocr/prefill`` (the scan) → the job; ``GET /ocr/prefill/<job>`` → where it
    stands and, once done, the fields. For whoever may receive documents (văn thư); a job
    is answered to the user who asked for it only."""

    route_base = "/ocr"
    class_permission_name = P.INCOMING
    method_permission_name = {"prefill": "intake", "prefill_state": "intake"}
    base_permissions = [P.INTAKE]
    default_view = "prefill_state"

    @expose("/prefill", methods=["POST"])
    @has_access
    @permission_name("intake")
    def prefill(self) -> Response | tuple[Response, int]:
        upload = request.files.get("main_file")
        if upload is None or not upload.filename:
            return jsonify(error=_("Choose the scanned PDF first.")), 400
        session = db.session
        try:
            stored = storage.store(upload.stream, upload.filename,
                                   check=functools.partial(check_main_pdf, read_scan=False))
        except DomainError as error:
            session.rollback()
            return jsonify(error=str(error)), 400
        job = runner.enqueue(session, PREFILL_JOB,
                             {"sha256": stored.sha256, "user_id": g.user.id})
        session.commit()  # handed on (or run, without Redis) after this commit
        return jsonify(_answer(session.get(Job, job.id)))

    @expose("/prefill/<int:job_id>", methods=["GET"])
    @has_access
    @permission_name("intake")
    def prefill_state(self, job_id: int) -> Response:
        job = db.session.get(Job, job_id)
        if (job is None or job.kind != PREFILL_JOB
                or (job.arguments or {}).get("user_id") != g.user.id):
            abort(404)
        return jsonify(_answer(job))


def _answer(job: Job | None) -> dict[str, Any]:
    """What the form reads: the state, the poll address, then the fields by form field."""
    if job is None:
        abort(404)
    db.session.refresh(job)
    answer: dict[str, Any] = {"job": job.id, "state": job.state,
                              "poll": url_for("PrefillView.prefill_state", job_id=job.id)}
    if job.state == JobState.FAILED.value:
        answer["error"] = _("The page could not be read; fill the fields by hand.")
    if job.state != JobState.DONE.value:
        return answer
    result = job.result or {}
    if result.get("marking"):
        answer["error"] = _("The page carries the secrecy marking “%(marking)s”: secret "
                            "documents are not received in the system (Quy chế Điều 1); "
                            "handle it on paper.", marking=result["marking"])
        return answer
    if not result.get("available", True):
        answer["error"] = _("OCR is unavailable on this server: fill the fields by hand.")
        return answer
    fields = result.get("fields") or {}
    answer["fields"] = {form: fields.get(name) for name, form in FORM_FIELDS.items()
                        if fields.get(name) not in (None, "")}
    answer["message"] = (_("Fields read from the page: check each one before registering.")
                         if answer["fields"] else
                         _("Nothing could be read from the page; fill the fields by hand."))
    return answer


# -- withheld documents -------------------------------------------------------------------

class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[
        ("release", _l("Not secret: show the document again")),
        ("purge", _l("Secret: destroy its stored files (the register keeps the number)")),
    ], validators=[InputRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


class QuarantineView(AppModelView):
    """*Văn bản tạm giữ*: the documents withheld for a secrecy marking, for the office."""

    route_base = "/quarantine"
    datamodel = AppSQLAInterface(Quarantine)
    class_permission_name = P.QUARANTINE
    method_permission_name = {**P.CRUD_METHODS, "decide": "write"}
    base_permissions = [P.READ, P.WRITE]
    include_route_methods = {"list", "show", "decide"}
    list_title = _l("Withheld documents")
    show_title = _l("Withheld document")
    list_columns = ["found_at", "kind_label", "label", "unit", "marking", "state_label",
                    "decided_at", "decided_by"]
    show_columns = ["kind_label", "label", "unit", "marking", "sha256", "found_at",
                    "state_label", "decided_at", "decided_by", "reason"]
    search_columns = ["state", "marking", "found_at"]
    order_columns = ["found_at", "decided_at"]
    base_order = ("found_at", "desc")
    label_columns = {
        "found_at": _l("Found at"), "kind_label": _l("Kind"), "label": _l("Document"),
        "unit": _l("Unit"), "marking": _l("Secrecy marking"), "state": _l("State"),
        "state_label": _l("State"), "decided_at": _l("Decided at"),
        "decided_by": _l("Decided by"), "reason": _l("Reason"),
        "sha256": _l("File (SHA-256)"),
    }
    formatters_columns = {"found_at": fmt_datetime, "decided_at": fmt_datetime}

    @expose("/decide/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("write")
    def decide(self, pk: int) -> Any:
        session = self.datamodel.session
        row = session.get(Quarantine, pk)
        if row is None:
            abort(404)
        form = DecisionForm()
        if form.validate_on_submit():
            try:
                if form.decision.data == "purge":
                    quarantine.purge(session, row, g.user, form.reason.data)
                    message = _("The files of %(doc)s were destroyed.", doc=row.label)
                else:
                    quarantine.release(session, row, g.user, form.reason.data)
                    message = _("%(doc)s is shown again.", doc=row.label)
                session.commit()
            except DomainError as error:
                session.rollback()
                flash(str(error), "danger")
            else:
                flash(message, "success")
                return redirect(url_for(".show", pk=pk))
        return self.render_template(
            "qlvb/step_form.html", form=form, title=_("Decide on %(doc)s", doc=row.label),
            fields=["decision", "reason"], submit=_("Record the decision"), item=None,
            multipart=False, danger=form.decision.data == "purge",
            back=url_for(".show", pk=pk))
