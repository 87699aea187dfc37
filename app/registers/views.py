"""The screens of the registers and reports: choose a unit and a period, see the report,
download it as PDF or XLSX. Views are thin: the services build, the builders print."""

from __future__ import annotations

import logging
import tempfile
from typing import Any

from flask import Flask, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.fieldwidgets import BS3TextFieldWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms import BooleanField, StringField
from wtforms.validators import Length, Optional

from app.core import fab, registry
from app.core.downloads import period_part, send_named
from app.core.errors import DomainError
from app.core.scope import scope_settings, sees_all_units
from app.core.timeutil import local_today, utcnow
from app.core.views import AppModelView, AppSQLAInterface
from app.extensions import db
from app.jobs import runner
from app.jobs.models import KIND_LABELS
from app.registers import dashboard, reports, services
from app.registers.models import DEFAULT_COLUMNS, REGISTER_KINDS, RegisterColumn
from app.registers.pdf import build_pdf
from app.registers.slip import slip_pdf
from app.registers.xlsx import build_xlsx
from app.security import permissions as P
from app.security.models import AppUser

log = logging.getLogger(__name__)

FORMATS = {"pdf": "application/pdf",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def export(document, fmt, filename, sheet_name=None):
    """The printed ``document`` as a download, built in a temporary file (not in memory)."""
    out = tempfile.TemporaryFile()
    if fmt == "pdf":
        build_pdf(out, document)
    else:
        build_xlsx(out, document, sheet_name=sheet_name)
    out.seek(0)
    response = send_named(out, filename, FORMATS[fmt])
    response.headers["Cache-Control"] = "private, no-store"
    return response


def period_from(args):
    """The period a form chose (month by default: the current one)."""
    today = local_today()
    return services.make_period(args.get("period", "month"), year=args.get("year", today.year),
                                month=args.get("month", today.month),
                                quarter=args.get("quarter", (today.month - 1) // 3 + 1),
                                start=args.get("start"), end=args.get("end"))


def form_values(args):
    today = local_today()
    values = {"period": "month", "year": today.year, "month": today.month,
              "quarter": (today.month - 1) // 3 + 1, "start": "", "end": ""}
    values.update({k: v for k, v in args.items() if v != ""})
    return values


class _PrintView(BaseView):
    """What the register and report screens share: the units the user may choose, the
    period of the form, the refusal shown on the form, a report on screen or exported."""

    default_view = "index"
    method_permission_name = {"list": "read", "index": "read", "show": "read",
                              "download": "read", "bundle": "read"}
    base_permissions = [P.READ]

    def _units(self):
        return services.visible_units(db.session, g.user, sees_all_units())

    def _unit(self, ref):
        unit = services.unit_of(db.session, g.user, sees_all_units(), ref)
        if unit is None:
            abort(404)
        return unit

    def _refused(self, error):
        db.session.rollback()
        log.info("%s refused: %s (user %s, %s)", type(self).__name__, error,
                 getattr(g.user, "username", None), dict(request.args))
        flash(str(error), "danger")

    def _mark(self):
        return services.print_mark(g.user, utcnow())

    def _sealed(self, document):
        document.seal = services.print_seal(db.session, g.user)
        return document

    def _report_page(self, name, title, intro, build, units=(), all_units=False):
        """A report on screen, or exported when the form asked for a format (and then an
        event of the audit trail)."""
        args = request.args
        report, period = None, None
        fmt = args.get("format", "")
        try:
            if fmt and fmt not in FORMATS:
                raise DomainError(_("Choose PDF or XLSX."), field="format")
            period = period_from(args)
            report = _sorted(build(period), args)
        except DomainError as error:
            self._refused(error)
            fmt = ""
        if period is not None and name != "backlog":
            intro = intro + [period.label()]
        if fmt:
            response = export(self._sealed(report.document(intro, self._mark())), fmt,
                              report_filename(name, period, fmt), sheet_name=report.title)
            services.record_print(db.session, "report_printed", g.user, {
                "report": name, "scope": intro, "from": str(period.start),
                "to": str(period.end), "format": fmt, "rows": len(report.rows)})
            db.session.commit()
            return response
        return self.render_template(
            "registers/report.html", name=name, report=report, intro=intro, units=units,
            all_units=all_units, values=form_values(args), title=title,
            breakdowns=reports.BREAKDOWNS, buckets=reports.BUCKETS), \
            (200 if report is not None else 400)


class RegisterView(_PrintView):
    """Sổ đăng ký văn bản đến / đi and sổ theo dõi giải quyết: the form and the download."""

    route_base = "/registers"
    class_permission_name = P.REGISTER

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("registers/index.html", units=self._units(),
                                    kinds=REGISTER_KINDS, values=form_values(request.args),
                                    title=_("Registers"))

    @expose("/download")
    @has_access
    def download(self):
        args = request.args
        unit = self._unit(args.get("unit"))
        fmt = args.get("format", "pdf")
        try:
            if fmt not in FORMATS:
                raise DomainError(_("Choose PDF or XLSX."), field="format")
            period = period_from(args)
            reg = services.register(db.session, args.get("kind", "incoming"), unit, period,
                                    volume=args.get("volume"))
        except DomainError as error:
            self._refused(error)
            return self.render_template("registers/index.html", units=self._units(),
                                        kinds=REGISTER_KINDS, values=form_values(args),
                                        title=_("Registers")), 400
        response = export(self._sealed(reg.document(self._mark())), fmt, reg.filename(fmt),
                          sheet_name=reg.unit.abbreviation)
        services.record_print(db.session, "register_printed", g.user, {
            "unit": unit.abbreviation, "kind": reg.kind, "from": str(period.start),
            "to": str(period.end), "format": fmt, "rows": reg.count})
        db.session.commit()
        return response

    @expose("/bundle")
    @has_access
    def bundle(self):
        """The year's three registers of a unit in one ZIP, to bind."""
        args = request.args
        unit = self._unit(args.get("unit"))
        try:
            year = services.make_period("year", year=args.get("year")).start.year
        except DomainError as error:
            self._refused(error)
            return self.render_template("registers/index.html", units=self._units(),
                                        kinds=REGISTER_KINDS, values=form_values(args),
                                        title=_("Registers")), 400
        # A background job with its progress on the page (a year's volumes take a while);
        # the same bundle asked for again while it is built is that job.
        job = runner.enqueue(db.session, services.BUNDLE_JOB,
                             {"unit_id": unit.id, "year": year, "user_id": g.user.id},
                             dedupe_key=f"bundle:{g.user.id}:{unit.id}:{year}",
                             user_id=g.user.id)
        db.session.commit()
        return redirect(url_for("MyJobView.show", job_id=job.id))


REPORTS = {
    "documents": _l("Documents by type, sender, urgency or channel"),
    "assignees": _l("Incoming documents by lead unit or official"),
    "backlog": _l("Backlog of incoming documents"),
    "signers": _l("Outgoing documents by drafting unit and signer"),
    "refusals": _l("Outgoing documents refused by their recipients"),
    "late": _l("Documents issued late"),
}

# The file names of the reports (Vietnamese whatever the reader's language).
REPORT_FILE_NAMES = {
    "documents": "báo cáo văn bản theo loại, nơi gửi, độ khẩn",
    "assignees": "báo cáo văn bản đến theo nơi chủ trì",
    "backlog": "báo cáo văn bản đến tồn đọng",
    "signers": "báo cáo văn bản đi theo đơn vị soạn thảo và người ký",
    "refusals": "báo cáo văn bản đi bị từ chối",
    "late": "báo cáo văn bản phát hành trễ",
}


def report_filename(name: str, period: services.Period | None, fmt: str) -> str:
    words = REPORT_FILE_NAMES.get(name, "báo cáo")
    if period is not None and name != "backlog":
        words += " " + period_part(period.start, period.end)
    return f"{words}.{fmt}"


def build_report(name, unit_ids, period, args):
    """The report ``name`` for ``unit_ids`` (None: every unit) and ``period``."""
    session, today = db.session, local_today()
    if name == "documents":
        return reports.documents_by(session, unit_ids, period,
                                    kind=args.get("kind", "incoming"),
                                    by=args.get("by", "type"),
                                    bucket=args.get("bucket", "month"))
    if name == "assignees":
        return reports.by_assignee(session, unit_ids, period, today,
                                   party=args.get("party", "unit"))
    if name == "backlog":
        return reports.backlog(session, unit_ids, today)
    if name == "signers":
        return reports.outgoing_by_signer(session, unit_ids, period)
    if name == "refusals":
        return reports.refusals(session, unit_ids, period)
    return reports.late_issuance(session, unit_ids, period)


def _sorted(report, args):
    try:
        column = int(args.get("sort", ""))
    except ValueError:
        return report
    return report.sort(column, descending=args.get("desc") == "1")


class ReportView(_PrintView):
    """The reports of a unit (every unit for the office): on screen, as PDF and XLSX."""

    route_base = "/reports"
    class_permission_name = P.REPORT

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("registers/reports.html", reports=REPORTS,
                                    title=_("Reports"))

    def _scope(self, ref):
        """The units a report covers: the one chosen, or every unit for the office."""
        if sees_all_units() and ref in (None, "", "all"):
            return None, _("All units")
        unit = self._unit(ref if ref not in (None, "") else g.user.unit_id)
        return [unit.id], unit.name

    @expose("/<name>")
    @has_access
    def show(self, name):
        if name not in REPORTS:
            abort(404)
        unit_ids, scope_label = self._scope(request.args.get("unit"))
        return self._report_page(
            name, str(REPORTS[name]), [scope_label],
            lambda period: build_report(name, unit_ids, period, request.args),
            units=self._units(), all_units=sees_all_units())


class UsageView(_PrintView):
    """The office's evaluation of how each unit uses the system (Điều 4.1, Điều 9)."""

    route_base = "/usage"
    class_permission_name = P.USAGE

    @expose("/")
    @has_access
    def index(self):
        return self._report_page("usage", _("Use of the system by unit"), [],
                                 lambda period: reports.usage(db.session, period,
                                                              local_today()))


class RegisterColumnView(AppModelView):
    """The admin's columns of the registers: order, heading, shown or not."""

    datamodel = AppSQLAInterface(RegisterColumn)
    class_permission_name = P.REGISTER_COLUMN
    base_permissions = [P.READ, P.WRITE]
    list_title = _l("Register columns")
    list_columns = ["kind_label", "key", "label", "position", "visible"]
    add_columns = edit_columns = ["kind", "key", "label", "position", "visible"]
    order_columns = ["key", "position"]
    base_order = ("position", "asc")
    label_columns = {"kind": _l("Register"), "kind_label": _l("Register"),
                     "key": _l("Column"), "label": _l("Heading"),
                     "position": _l("Position"), "visible": _l("Printed")}
    # The heading may stay empty (the default is printed) and the box may stay unticked.
    add_form_extra_fields = edit_form_extra_fields = {
        "label": StringField(_l("Heading"), validators=[Optional(), Length(max=120)],
                             widget=BS3TextFieldWidget(),
                             description=_l("Leave empty to keep the default heading.")),
        "visible": BooleanField(_l("Printed"), default=True),
    }
    description_columns = {
        "label": _l("Leave empty to keep the default heading."),
        "position": _l("Columns are printed in increasing position; the defaults are 10, "
                       "20, 30, … in the order of the official form."),
    }

    def check(self, item):
        if item.kind not in DEFAULT_COLUMNS:
            raise DomainError(_("Choose the incoming, outgoing or tracking register."),
                              field="kind")
        if item.key not in services.column_keys(item.kind):
            raise DomainError(_("This register has no such column. Known columns: "
                                "%(keys)s.", keys=", ".join(services.column_keys(item.kind))),
                              field="key")
        item.label = (item.label or "").strip()


def landing_card(session: Session, user: AppUser, counts: dict[str, Any]) -> dict[str, Any]:
    """On the landing page: how many documents are urgent for the user, and for those who
    print registers and reports, the unit's documents in charts."""
    everyone = sees_all_units()
    urgent, charts = None, []
    if counts.get("work") or everyone:
        urgent = dashboard.urgent_count(session, user, scope_settings())
    reports = fab.appbuilder().sm.has_access(P.READ, P.REPORT)
    if reports and (everyone or user.unit_id):
        charts = dashboard.charts(session, None if everyone else [user.unit_id], local_today())
    return {"urgent": urgent, "charts": charts}


def init_app(app: Flask) -> None:
    """The registers' part of the landing page; the incoming slip as PDF."""
    registry.add_landing(app, "registers", landing_card)
    registry.provide(app, "incoming_slip_pdf", slip_pdf)
    registry.add_job(app, services.BUNDLE_JOB, services.year_bundle_job)
    KIND_LABELS[services.BUNDLE_JOB] = _l("The year's registers (ZIP to bind)")
