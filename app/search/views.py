"""The search screen (Tra cứu): the words and filters as URL arguments, the results with
their passages, saved searches and the XLSX export. Thin: app/search/services.py decides."""

import logging
from urllib.parse import urlencode

from flask import Flask, abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core import kept, registry
from app.core.errors import DomainError
from app.core.inputs import clean_formdata
from app.core.scope import scope_key
from app.extensions import db
from app.incoming.models import STATES as IN_STATES
from app.incoming.models import URGENCY
from app.jobs import runner
from app.jobs.models import KIND_LABELS
from app.outgoing.models import STATES as OUT_STATES
from app.reference.models import DocumentType
from app.search import services
from app.security import permissions as P
from app.security.models import AppUser
from app.units.models import Unit

log = logging.getLogger(__name__)


# The types, units and people of the filter form are read again after this (or a write).
CHOICES_SECONDS = 30


def _read_choices(session, unit_id):
    types = [tuple(row) for row in session.execute(
        select(DocumentType.id, DocumentType.name).order_by(DocumentType.name))]
    units = [tuple(row) for row in session.execute(
        select(Unit.id, Unit.name).order_by(Unit.name))]
    people = []
    if unit_id is not None:
        people = [(u.id, u.get_full_name()) for u in session.execute(
            select(AppUser).where(AppUser.unit_id == unit_id, AppUser.active.is_(True))
            .order_by(AppUser.first_name, AppUser.id)).scalars()]
    return types, units, people


def filter_choices(session, user):
    """The options of the filter form: types, units, statuses, urgencies, and the people of
    the user's unit as assignees (never the whole table of accounts). The rows read are
    kept per unit and security stamp for CHOICES_SECONDS while nothing is written: an
    account deactivated or moved leaves the list at once (the stamp moves), a renamed one
    shows its new name within CHOICES_SECONDS (accounts' edits start no generation)."""
    types, units, people = kept.remember(
        "search-choices", (*scope_key(user)[1:], str(session.get_bind().engine.url)),
        lambda: _read_choices(session, user.unit_id), CHOICES_SECONDS)
    in_label, out_label = _("Incoming"), _("Outgoing")
    statuses = ([(f"in:{k}", f"{in_label}: {v}") for k, v in IN_STATES.items()]
                + [(f"out:{k}", f"{out_label}: {v}") for k, v in OUT_STATES.items()])
    return {"types": types, "units": units, "people": people, "statuses": statuses,
            "urgencies": [(k, str(v)) for k, v in URGENCY.items()],
            "kinds": [("in", in_label), ("out", out_label)]}


class SearchView(BaseView):
    route_base = "/search"
    default_view = "index"
    class_permission_name = P.SEARCH
    method_permission_name = {"index": "read", "list": "read", "export": "read",
                              "save": "write", "delete_saved": "write"}
    base_permissions = [P.READ, P.WRITE]

    def _request(self):
        """(query, filters, error) of the request's arguments."""
        query = request.args.get("q", "")
        try:
            services.parse_query(query)
            filters = services.read_filters(request.args)
        except DomainError as error:
            log.info("search refused: %s (user %s, %d characters)", error,
                     getattr(g.user, "username", None), len(query))
            return query, services.Filters(), error
        return query, filters, None

    @expose("/")
    @has_access
    def index(self):
        session = db.session
        query, filters, error = self._request()
        results = services.Results(query=query)
        if error is None:
            results = services.search(session, g.user, query, filters,
                                      page=request.args.get("page", 1))
        args = {k: v for k, v in request.args.items(multi=False) if k != "page"}
        return self.render_template(
            "search/search.html", title=_("Search documents"), results=results,
            error=error, query=query, filters=filters if error is None else services.Filters(),
            args=args, page_url=lambda p: "?" + urlencode({**args, "page": p}),
            export_url=url_for(".export") + "?" + urlencode(args),
            saved=services.saved_searches(session, g.user),
            choices=filter_choices(session, g.user), searched=bool(args))

    @expose("/export")
    @has_access
    def export(self):
        query, filters, error = self._request()
        if error is not None:
            flash(str(error), "danger")
            return redirect(url_for(".index"))
        # A background job with its progress on the page (an export of thousands of rows
        # takes a while); the same export asked for again while it runs is that job.
        pairs = list(request.args.items(multi=True))
        args = [[k, v] for k, v in pairs]
        job = runner.enqueue(db.session, services.EXPORT_JOB,
                             {"user_id": g.user.id, "args": args},
                             dedupe_key=f"search-export:{g.user.id}:{urlencode(pairs)}"[:200],
                             user_id=g.user.id)
        db.session.commit()
        return redirect(url_for("MyJobView.show", job_id=job.id))

    @expose("/save", methods=["POST"])
    @has_access
    def save(self):
        form = clean_formdata(request.form)
        query = form.get("q", "")
        try:
            filters = services.read_filters(form)
            saved = services.save_search(db.session, g.user, form.get("name"),
                                         query, filters)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            log.info("saving a search refused: %s (user %s)", error, g.user.username)
            flash(str(error), "danger")
            return redirect(url_for(".index") + "?" + urlencode(
                {k: v for k, v in form.items() if k not in ("csrf_token", "name")}))
        flash(_("The search was saved as \"%(name)s\".", name=saved.name), "success")
        return redirect(url_for(".index") + "?" + saved.query_string)

    @expose("/delete/<int:saved_id>", methods=["POST"])
    @has_access
    def delete_saved(self, saved_id):
        try:
            services.delete_saved_search(db.session, g.user, saved_id)
            db.session.commit()
        except DomainError:
            db.session.rollback()
            abort(404)
        flash(_("The saved search was deleted."), "success")
        return redirect(url_for(".index"))


def init_app(app: Flask) -> None:
    """The export of the search screen as a background job."""
    registry.add_job(app, services.EXPORT_JOB, services.export_job)
    KIND_LABELS[services.EXPORT_JOB] = _l("Export of search results (XLSX)")
