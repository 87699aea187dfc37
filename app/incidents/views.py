from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import SelectField, TextAreaField

from app.core import audit, storage
from app.core.downloads import send_named
from app.core.errors import DomainError
from app.core.fab import base_filters
from app.core.scope import UnitScopedMixin, UnitScopeFilter, current_user, scope_settings
from app.core.timeutil import local_today
from app.core.views import AppModelView, AppSQLAInterface
from app.incidents import policy, services
from app.incidents.models import INCIDENT_KINDS, INCIDENT_STATUSES, Incident
from app.security import permissions as P


class IncidentScopeFilter(UnitScopeFilter):
    """The rule of app/incidents/policy.py: office roles see all; a unit's IT officer sees
    the unit's reports; anyone else sees their own reports."""

    def apply(self, query, value):
        user = current_user()
        held = current_app.appbuilder.sm.permission_set(user) if user is not None else None
        clause = policy.visible_clause(user, scope_settings(), held)
        return query if clause is None else query.filter(clause)


def _kind_choices():
    return [(k, str(v)) for k, v in INCIDENT_KINDS.items()]


def _status_choices():
    return [(k, str(v)) for k, v in INCIDENT_STATUSES.items()]


class IncidentView(UnitScopedMixin, AppModelView):
    datamodel = AppSQLAInterface(Incident)
    class_permission_name = P.INCIDENT
    method_permission_name = {
        **AppModelView.method_permission_name,
        "edit": "handle", "start": "handle", "monthly": "read", "file": "download",
    }
    base_filters = [["unit_id", IncidentScopeFilter, None]]
    base_permissions = ["can_read", "can_write", "can_handle", "can_download"]
    list_title = _l("Incidents and requests")
    show_title = _l("Incident or request")
    add_title = _l("Report a problem or request")
    edit_title = _l("Handle the report")
    list_columns = ["created_at", "kind_label", "title", "unit", "reporter", "status_label"]
    show_columns = ["created_at", "kind_label", "title", "description", "unit", "reporter",
                    "status_label", "response", "handler", "resolved_at", "file_name"]
    edit_columns = ["status", "response"]
    search_columns = ["title", "kind", "status", "created_at"]
    order_columns = ["created_at", "title"]
    base_order = ("created_at", "desc")
    label_columns = {
        "created_at": _l("Reported at"),
        "kind": _l("Kind"),
        "kind_label": _l("Kind"),
        "title": _l("Title"),
        "description": _l("Description"),
        "unit": _l("Unit"),
        "reporter": _l("Reported by"),
        "status": _l("Status"),
        "status_label": _l("Status"),
        "response": _l("Response"),
        "handler": _l("Handled by"),
        "resolved_at": _l("Resolved at"),
        "file_name": _l("Attached file"),
        "attachment": _l("Attached file"),
    }
    add_form_extra_fields = {
        "kind": SelectField(_l("Kind"), choices=_kind_choices),
        "description": TextAreaField(_l("Description")),
        "attachment": FileField(_l("Attached file (optional)")),
    }
    edit_form_extra_fields = {
        "status": SelectField(_l("Status"), choices=_status_choices),
        "response": TextAreaField(_l("Response")),
    }
    add_columns = ["kind", "title", "description", "attachment"]

    # -- writes go through the service -------------------------------------------------
    def pin_unit(self, item):
        user = current_user()
        if user is None or user.unit_id is None:
            raise DomainError(_("Your account has no unit; ask the administrator to set it."))
        item.unit_id = user.unit_id
        item.reporter_id = user.id

    def pre_add(self, item):
        self.pin_unit(item)
        services.check_incident(item)
        upload = request.files.get("attachment")
        if upload is not None and upload.filename:
            services.attach_file(item, storage.store(upload.stream, upload.filename))

    def post_add(self, item):
        services.announce_incident(self.datamodel.session, item)
        self.datamodel.session.commit()

    def pre_update(self, item):
        # The edit form only carries status and response; apply them through the rule.
        session = self.datamodel.session
        new_status, response = item.status, item.response
        with session.no_autoflush:  # the stored state, not the form's
            old_status = session.execute(
                select(Incident.status).where(Incident.id == item.id)).scalar_one()
        item.status = old_status
        try:
            services.change_status(session, item, new_status, g.user, response)
        except DomainError:
            session.rollback()
            raise

    def pre_delete(self, item):
        raise DomainError(_("Reports are kept as records and cannot be deleted."))

    # -- routes ------------------------------------------------------------------------
    @action("start", _l("Start handling"), _l("Start handling the selected reports?"),
            "fa-play", multiple=True, single=True)
    def start(self, items):
        items = items if isinstance(items, list) else [items]
        session = self.datamodel.session
        done = 0
        for item in items:
            if item.status == "new":
                services.change_status(session, item, "in_progress", g.user)
                done += 1
        session.commit()
        flash(_("%(n)d report(s) are now in progress.", n=done), "success")
        return redirect(self.get_redirect())

    @expose("/file/<int:pk>")
    @has_access
    @permission_name("file")
    def file(self, pk):
        item = self.scoped_get_or_404(pk)
        if not item.file_sha256 or not storage.exists(item.file_sha256):
            abort(404)
        audit.record(self.datamodel.session, "file_downloaded", item,
                     details={"file": item.file_name, "sha256": item.file_sha256})
        self.datamodel.session.commit()
        response = send_named(storage.path_for(item.file_sha256), item.file_name,
                              "application/octet-stream")
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response

    @expose("/monthly/")
    @has_access
    @permission_name("monthly")
    def monthly(self):
        today = local_today()
        try:
            year = int(request.args.get("year", today.year))
            month = int(request.args.get("month", today.month))
            scoped = base_filters(self).apply_all(self.datamodel.session.query(Incident))
            rows = services.incidents_of_month(scoped, year, month)
        except (ValueError, DomainError):
            flash(_("Choose a valid month."), "danger")
            return redirect(url_for(".monthly"))
        return self.render_template("incidents/monthly.html", rows=rows, year=year,
                                    month=month,
                                    title=_("Reports of %(m)02d/%(y)d", m=month, y=year))
