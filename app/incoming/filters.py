"""The row filters of incoming documents: the request's user and the app's settings handed
to the rule of app/incoming/policy.py (who sees which document, docs/domain.md §5). One scope
filter, reused by every list, page, action, download and the API."""

from typing import Any

from flask import current_app
from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import false

from app.core.scope import current_user, one_record, request_clause, scope_settings
from app.extensions import db
from app.incoming import policy, services
from app.incoming.models import IncomingDocument
from app.ocr import quarantine


class IncomingScopeFilter(BaseFilter):
    name = "Incoming scope"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        one = one_record()  # one document by id: its own assignments probed
        held, clause = request_clause("in-one" if one else "in", lambda: (
            quarantine.visible_clause("in", IncomingDocument.id),
            policy.visible_clause(db.session, current_user(), scope_settings(), one)))
        query = query.filter(held)
        return query if clause is None else query.filter(clause)


class TrackingFilter(BaseFilter):
    """One of the tracking lists; ``value`` names it (see services.TRACKING)."""

    name = "Tracking list"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        days = current_app.config["INCOMING_NEAR_DUE_DAYS"]
        return query.filter(services.tracking_clause(db.session, value, days=days))


class TodoFilter(BaseFilter):
    """Việc cần xử lý: open documents with an assignment waiting for the user."""

    name = "My work"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        user = current_user()
        if user is None:
            return query.filter(false())
        return query.filter(policy.todo_clause(user),
                            IncomingDocument.state.in_(("assigned", "in_progress")))


class RejectionScopeFilter(BaseFilter):
    """Refusals made by the user's unit, and those of documents it sent; all for the office."""

    name = "Refusal scope"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        clause = policy.rejection_clause(current_user(), scope_settings())
        return query if clause is None else query.filter(clause)
