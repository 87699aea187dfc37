"""Incidents and requests: any user reports; the unit's IT officer and the office move
them through new → in progress → resolved (Quy chế Điều 4.2.b–c, Điều 8.5)."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Query, Session

from app.core import audit
from app.core.errors import DomainError
from app.core.storage import StoredFile
from app.core.timeutil import LOCAL_TZ, utcnow
from app.incidents.models import INCIDENT_KINDS, INCIDENT_STATUSES, Incident
from app.notifications.services import notify
from app.security.models import AppUser
from app.security.permissions import ROLE_OFFICE, ROLE_UNIT_ADMIN
from app.security.services import users_with_role
from app.security.signals import account_compromised

TRANSITIONS = {
    "new": {"in_progress", "resolved"},
    "in_progress": {"resolved"},
    "resolved": set(),
}


def _handlers(session: Session, unit_id: int) -> list[AppUser]:
    return (users_with_role(session, ROLE_UNIT_ADMIN, unit_id)
            + users_with_role(session, ROLE_OFFICE))


def check_incident(incident: Incident) -> None:
    if incident.kind not in INCIDENT_KINDS:
        raise DomainError(_("Choose the kind of problem."), field="kind")
    if not (incident.title or "").strip():
        raise DomainError(_("The title is required."), field="title")
    if not (incident.description or "").strip():
        raise DomainError(_("Describe the problem."), field="description")


def open_incident(session: Session, reporter: AppUser, kind: str, title: str | None,
                  description: str | None, stored_file: StoredFile | None = None) -> Incident:
    """Record a report from ``reporter`` in their unit and tell the people who handle it."""
    if reporter.unit_id is None:
        raise DomainError(_("Your account has no unit; ask the administrator to set it."))
    incident = Incident(unit_id=reporter.unit_id, reporter_id=reporter.id, kind=kind,
                        title=(title or "").strip(), description=(description or "").strip(),
                        status="new")
    if stored_file is not None:
        attach_file(incident, stored_file)
    check_incident(incident)
    session.add(incident)
    session.flush()
    announce_incident(session, incident, reporter)
    return incident


def announce_incident(session: Session, incident: Incident,
                      reporter: AppUser | None = None) -> None:
    """Record a new report in the trail and tell the people who handle it."""
    audit.record(session, "incident_opened", incident, user=reporter,
                 details={"kind": incident.kind, "title": incident.title})
    notify(session, [u for u in _handlers(session, incident.unit_id)
                     if u.id != incident.reporter_id],
           _l("New report: %(title)s", title=incident.title),
           link=f"/incidentview/show/{incident.id}", urgent=incident.kind != "feature_request")


def attach_file(incident: Incident, stored_file: StoredFile) -> None:
    incident.file_name = stored_file.name
    incident.file_sha256 = stored_file.sha256
    incident.file_size = stored_file.size
    incident.file_mime = stored_file.mime


def change_status(session: Session, incident: Incident, status: str, handler: AppUser,
                  response: str | None = None) -> Incident:
    """Move an incident along new → in progress → resolved; resolving needs a response."""
    if status == incident.status:
        return incident
    if status not in TRANSITIONS.get(incident.status, set()):
        raise DomainError(_("This report cannot go back to an earlier state."))
    response = (response or "").strip() or (incident.response or "").strip()
    if status == "resolved" and not response:
        raise DomainError(_("Write the response before marking the report resolved."),
                          field="response")
    old = incident.status
    incident.status = status
    incident.response = response or None
    incident.handler_id = handler.id
    if status == "resolved":
        incident.resolved_at = utcnow()
    audit.record(session, "incident_status", incident, user=handler,
                 details={"from": old, "to": status})
    notify(session, [incident.reporter] if incident.reporter_id != handler.id else [],
           _l("Your report \"%(title)s\" is now: %(status)s", title=incident.title,
             status=INCIDENT_STATUSES.get(incident.status, incident.status)),
           link=f"/incidentview/show/{incident.id}")
    return incident


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """The UTC instants bounding a local calendar month."""
    start = datetime(year, month, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return (start.astimezone(UTC).replace(tzinfo=None),
            end.astimezone(UTC).replace(tzinfo=None))


def incidents_of_month(query: Query[Incident], year: int, month: int) -> list[Incident]:
    """The reports of ``query`` opened in a local calendar month, oldest first (the
    office's monthly list)."""
    if not (1 <= month <= 12) or not (2000 <= year <= 2100):
        raise DomainError(_("Choose a valid month."))
    start, end = month_bounds(year, month)
    return (query.filter(Incident.created_at >= start, Incident.created_at < end)
            .order_by(Incident.created_at, Incident.id).all())


def _account_compromised(account: AppUser, session: Session, description: str) -> Incident:
    """The owner lost control of ``account``: the report the admins handle (Điều 4.2.b)."""
    return open_incident(
        session, reporter=account, kind="account_compromise",
        title=_("Lost control of account %(name)s", name=account.username),
        description=description or _("Reported from the account menu."),
    )


def init_app(app: Flask) -> None:
    """A compromised account reported by its owner opens an incident."""
    account_compromised.connect(_account_compromised)
