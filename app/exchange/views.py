"""*Quản trị → Liên thông*: the peers this installation exchanges packages with over HTTP
(the system admin's only), and the feature's part of create_app (``init_app``): the inbox
routes and the sending job."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import Flask, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.models.sqla.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import PasswordField

from app.core import audit
from app.core.errors import DomainError
from app.core.registry import add_job, provide
from app.core.timeutil import fmt_datetime
from app.core.views import AppModelView, AppSQLAInterface
from app.exchange import api, outbox, transport, upload
from app.exchange.models import ExchangeMessage, ExchangePeer, split_organs
from app.extensions import csrf, db
from app.incoming import services as incoming
from app.incoming.models import IncomingDocument
from app.jobs import runner
from app.jobs.models import KIND_LABELS
from app.jobs.views import JobView
from app.outgoing import services as outgoing
from app.security import permissions as P


class PeerView(AppModelView):
    """The peers: name (the connection's key, the same on both sides), base URL, the
    OrganIds it serves, the shared secret (written, never shown back), active."""

    route_base = "/exchangepeers"
    datamodel = AppSQLAInterface(ExchangePeer)
    class_permission_name = P.EXCHANGE_PEER
    method_permission_name = P.CRUD_METHODS
    base_permissions = [P.READ, P.WRITE]
    list_title = _l("Exchange peers")
    show_title = _l("Exchange peer")
    add_title = _l("Add an exchange peer")
    edit_title = _l("Edit an exchange peer")
    list_columns = ["name", "base_url", "organ_ids", "active"]
    show_columns = ["name", "base_url", "organ_ids", "secret_hint", "active", "created_at"]
    add_columns = ["name", "base_url", "organ_ids", "new_secret", "active"]
    edit_columns = add_columns
    search_columns = ["name", "base_url", "organ_ids", "active"]
    order_columns = ["name", "base_url", "active"]
    base_order = ("name", "asc")
    label_columns = {
        "name": _l("Connection name"), "base_url": _l("Base URL"),
        "organ_ids": _l("Identifier codes served"), "secret_hint": _l("Shared secret"),
        "new_secret": _l("Shared secret"), "active": _l("Active"),
        "created_at": _l("Created at"),
    }
    description_columns = {
        "name": _l("The same name on both installations; sent in the X-Exchange-Peer "
                   "header."),
        "organ_ids": _l("The identifier codes (mã định danh) of the bodies this peer "
                        "serves, separated by commas."),
        "new_secret": _l("The same secret on both installations. Leave empty to keep the "
                         "current one."),
    }
    add_form_extra_fields = {"new_secret": PasswordField(_l("Shared secret"))}
    edit_form_extra_fields = add_form_extra_fields
    formatters_columns = {"created_at": fmt_datetime}

    def pre_add(self, item: ExchangePeer) -> None:
        if not getattr(item, "new_secret", None):
            raise DomainError(_("Enter the shared secret."))
        self._clean(item)

    def pre_update(self, item: ExchangePeer) -> None:
        self._clean(item)

    def post_add(self, item: ExchangePeer) -> None:
        self._send_waiting(item)

    def post_update(self, item: ExchangePeer) -> None:
        self._send_waiting(item)

    def _send_waiting(self, item: ExchangePeer) -> None:
        """The packages that waited for a peer serving these bodies go now."""
        if not item.active:
            return
        session = self.datamodel.session
        queued = outbox.requeue(session, item.organs())
        session.commit()
        if queued:
            flash(_("%(n)s package(s) waiting for these bodies are being sent.", n=queued),
                  "info")

    @staticmethod
    def _clean(item: Any) -> None:
        secret = getattr(item, "new_secret", None)
        if secret:
            if len(secret) < 16:
                raise DomainError(_("The shared secret must have at least 16 characters."))
            item.secret = secret
        url = urlparse(str(item.base_url or "").strip())
        if url.scheme not in ("http", "https") or not url.netloc:
            raise DomainError(_("The base URL must start with http:// or https://."))
        item.base_url = str(item.base_url).strip().rstrip("/")
        item.organ_ids = ",".join(split_organs(item.organ_ids))
        item.name = str(item.name or "").strip()


def _error(value: Any) -> str:
    text = str(value or "")
    return text if len(text) <= 200 else text[:197] + "…"


class OutboxView(AppModelView):
    """The outbox of liên thông: every package owed to another system (documents,
    revocations, statuses), where it stands, how often it was tried, the last error; the
    admin's "Thử lại" hands one not yet delivered to the transport again."""

    route_base = "/exchangeoutbox"
    datamodel = AppSQLAInterface(ExchangeMessage)
    base_filters = [["direction", FilterEqual, "out"]]
    class_permission_name = P.EXCHANGE_PEER
    # Read-only with a "Thử lại" action, as the background jobs' screen.
    method_permission_name = JobView.method_permission_name
    base_permissions = JobView.base_permissions
    include_route_methods = JobView.include_route_methods
    list_title = _l("Exchange outbox")
    show_title = _l("Outbound package")
    list_columns = ["created_at", "kind_label", "document_id", "to_organ", "state_label",
                    "attempts", "last_error", "sent_at"]
    show_columns = ["created_at", "kind_label", "document_id", "from_organ", "to_organ",
                    "business_type", "status_code", "state_label", "attempts", "last_error",
                    "sent_at", "sha256", "outgoing_id", "incoming_id"]
    search_columns = ["state", "kind", "document_id", "to_organ", "created_at"]
    order_columns = ["created_at", "attempts", "sent_at"]
    base_order = ("id", "desc")
    label_columns = {
        "created_at": _l("Created at"), "kind": _l("Kind"), "kind_label": _l("Kind"),
        "document_id": _l("DocumentId"), "from_organ": _l("From (mã định danh)"),
        "to_organ": _l("To (mã định danh)"), "state": _l("State"),
        "state_label": _l("State"), "attempts": _l("Attempts"),
        "last_error": _l("Last error"), "sent_at": _l("Sent at"),
        "business_type": _l("Business type"), "status_code": _l("Status code"),
        "sha256": "SHA-256", "outgoing_id": _l("Outgoing document"),
        "incoming_id": _l("Incoming document"),
    }
    formatters_columns = {"created_at": fmt_datetime, "sent_at": fmt_datetime,
                          "last_error": _error}

    @action("retry", _l("Retry"), _l("Send the selected packages again?"), "fa-repeat",
            multiple=True, single=True)
    def retry(self, items: ExchangeMessage | list[ExchangeMessage]) -> WerkzeugResponse:
        rows = items if isinstance(items, list) else [items]
        session = self.datamodel.session
        ids = [r.id for r in rows]
        queued = 0
        for message_id in ids:
            queued += outbox.retry(session, message_id, g.user)
            session.commit()  # each one handed on after its commit
        if queued:
            flash(_("%(n)d package(s) queued again.", n=queued), "success")
        if queued < len(ids):
            flash(_("Only a package not yet delivered, whose recipient a peer serves, can "
                    "be sent again."), "warning")
        return redirect(self.get_redirect())


class ImportView(BaseView):
    """*Quản trị → Nhập gói edXML*: packages brought on a medium, one or many, received by
    a background job whose progress the admin follows (app/exchange/upload.py)."""

    route_base = "/exchangeimport"
    default_view = "index"
    class_permission_name = P.EXCHANGE_PEER
    method_permission_name = {"index": "read", "upload": "write"}
    base_permissions = [P.READ, P.WRITE]

    @expose("/")
    @has_access
    def index(self) -> Any:
        return self.render_template("exchange/import.html", title=_("Import edXML packages"),
                                    extensions=", ".join(upload.EXTENSIONS))

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self) -> Any:
        limit = int(current_app.config.get("EXCHANGE_MAX_PACKAGE")
                    or upload.DEFAULT_MAX_PACKAGE)
        try:
            files = upload.keep(request.files.getlist("packages"), max_size=limit)
        except DomainError as error:
            db.session.rollback()
            audit.record(db.session, "exchange_refused", None, user=g.user,
                         details={"upload": True, "reason": str(error)})
            db.session.commit()
            flash(str(error), "danger")
            return self.render_template("exchange/import.html",
                                        title=_("Import edXML packages"),
                                        extensions=", ".join(upload.EXTENSIONS)), 400
        job = runner.enqueue(db.session, upload.IMPORT_JOB,
                             {"files": files, "user_id": g.user.id}, user_id=g.user.id)
        db.session.commit()
        return redirect(url_for("MyJobView.show", job_id=job.id))


def _answer_recall(session: Session, received: IncomingDocument, user: Any, accept: bool,
                   reason: str | None = "") -> object:
    """A recall answered on the incoming document's screen: by liên thông when the
    document came that way (app/exchange/outbox.py), else between two units here."""
    if received.delivery_id is None and outbox.received_by_exchange(session, received.id):
        return outbox.answer_revocation(session, received, user, accept, reason)
    return outgoing.answer_recall(session, received, user, accept, reason)


def init_app(app: Flask) -> None:
    add_job(app, transport.SEND_JOB, transport.send)
    provide(app, "answer_recall", _answer_recall)
    provide(app, "exchange_states", outbox.recipient_states)
    for listeners, listener in ((outgoing.ISSUE_LISTENERS, outbox.on_issued),
                                (outgoing.RECALL_LISTENERS, outbox.on_recalled),
                                (incoming.STATUS_LISTENERS, outbox.on_incoming_status)):
        if listener not in listeners:
            listeners.append(listener)  # type: ignore[arg-type]
    KIND_LABELS[transport.SEND_JOB] = _l("Send an edXML package to a peer")
    add_job(app, upload.IMPORT_JOB, upload.import_job)
    KIND_LABELS[upload.IMPORT_JOB] = _l("Import edXML packages")
    csrf.exempt(api.blueprint)
    app.register_blueprint(api.blueprint)
