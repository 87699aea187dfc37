"""*Quản trị → Tác vụ nền*: the background jobs, read-only, for the system admin — where
each stands, how often it was tried, why it failed — and "Thử lại" for a failed one."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import SelectField

from app.core import storage
from app.core.downloads import send_named
from app.core.timeutil import fmt_datetime
from app.core.views import AppModelView, AppSQLAInterface
from app.extensions import db
from app.jobs import progress, runner
from app.jobs.models import STATE_LABELS, Job
from app.security import permissions as P


def _arguments(value: Any) -> str:
    import json

    return json.dumps(value or {}, ensure_ascii=False, sort_keys=True)


class JobView(AppModelView):
    """The background jobs (app/jobs), newest first."""

    route_base = "/backgroundjobs"
    datamodel = AppSQLAInterface(Job)
    class_permission_name = P.BACKGROUND_JOB
    method_permission_name = {**P.CRUD_METHODS, "retry": "write"}
    base_permissions = [P.READ, P.WRITE]
    include_route_methods = {"list", "show", "action", "action_post"}
    list_title = _l("Background jobs")
    show_title = _l("Background job")
    list_columns = ["id", "kind_label", "state_label", "attempts", "created_at",
                    "finished_at", "last_error"]
    show_columns = ["id", "kind_label", "kind", "state_label", "attempts", "arguments",
                    "dedupe_key", "last_error", "created_at", "started_at", "finished_at",
                    "run_after"]
    search_columns = ["state", "kind", "created_at"]
    search_form_extra_fields = {
        "state": SelectField(_l("State"), choices=[(s.value, label)
                                                    for s, label in STATE_LABELS.items()]),
    }
    order_columns = ["id", "attempts", "created_at", "finished_at"]
    base_order = ("id", "desc")
    label_columns = {
        "id": _l("No."), "kind": _l("Kind"), "kind_label": _l("Kind"),
        "state": _l("State"), "state_label": _l("State"), "attempts": _l("Attempts"),
        "arguments": _l("Arguments"), "dedupe_key": _l("Dedupe key"),
        "last_error": _l("Last error"), "created_at": _l("Created at"),
        "started_at": _l("Started at"), "finished_at": _l("Finished at"),
        "run_after": _l("Next try"),
    }
    formatters_columns = {"arguments": _arguments, "created_at": fmt_datetime,
                          "started_at": fmt_datetime, "finished_at": fmt_datetime,
                          "run_after": fmt_datetime}

    @action("retry", _l("Retry"), _l("Run the selected failed jobs again?"), "fa-repeat",
            multiple=True, single=True)
    def retry(self, items: Job | list[Job]) -> Response:
        rows = items if isinstance(items, list) else [items]
        session = self.datamodel.session
        queued = sum(1 for job in rows if runner.retry(session, job, g.user))
        session.commit()  # the jobs are handed on after this commit
        if queued:
            flash(_("%(n)d job(s) queued again.", n=queued), "success")
        if queued < len(rows):
            flash(_("Only failed jobs can be retried."), "warning")
        return redirect(self.get_redirect())


class MyJobView(BaseView):
    """A job the user asked for on a page: its progress (the page refreshes itself while it
    runs) and, once done, its result to download — the user's own only (docs/domain.md §7,
    long work shows progress)."""

    route_base = "/myjobs"
    default_view = "show"
    class_permission_name = P.MY_JOB
    method_permission_name = {"show": "read", "result": "read"}
    base_permissions = [P.READ]

    def _own(self, job_id: int) -> Job:
        job = db.session.get(Job, job_id)
        if job is None or job.user_id is None or job.user_id != g.user.id:
            abort(404)
        return job

    @expose("/<int:job_id>")
    @has_access
    def show(self, job_id: int) -> Any:
        job = self._own(job_id)
        return self.render_template("jobs/progress.html", job=job,
                                    percent=progress.percent(job),
                                    title=job.kind_label())

    @expose("/<int:job_id>/result")
    @has_access
    def result(self, job_id: int) -> Any:
        job = self._own(job_id)
        if not job.result_sha256 or not storage.exists(job.result_sha256):
            abort(404)
        response = send_named(storage.path_for(job.result_sha256), job.result_name or "",
                              job.result_mime or "application/octet-stream")
        response.headers["Cache-Control"] = "private, no-store"
        return response
