"""*Quản trị → Liên thông*: the peers this installation exchanges packages with over HTTP
(the system admin's only), and the feature's part of create_app (``init_app``): the inbox
routes and the sending job."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

from flask import Flask, flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms import PasswordField

from app.core.errors import DomainError
from app.core.registry import add_job, provide
from app.core.timeutil import fmt_datetime
from app.core.views import AppModelView, AppSQLAInterface
from app.exchange import api, outbox, transport
from app.exchange.models import ExchangePeer, split_organs
from app.extensions import csrf
from app.incoming import services as incoming
from app.incoming.models import IncomingDocument
from app.jobs.models import KIND_LABELS
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
    for listeners, listener in ((outgoing.ISSUE_LISTENERS, outbox.on_issued),
                                (outgoing.RECALL_LISTENERS, outbox.on_recalled),
                                (incoming.STATUS_LISTENERS, outbox.on_incoming_status)):
        if listener not in listeners:
            listeners.append(listener)  # type: ignore[arg-type]
    KIND_LABELS[transport.SEND_JOB] = _l("Send an edXML package to a peer")
    csrf.exempt(api.blueprint)
    app.register_blueprint(api.blueprint)
