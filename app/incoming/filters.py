"""Who sees which incoming document (docs/domain.md §5, issue "Who sees what"): the office roles
see every unit's; a unit's clerks and heads see all of their unit's and what is assigned
to their unit; an official sees what is assigned to them, and the unit's when a head
granted it. One filter, reused by every list, page, action, download and the API."""

from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import false, or_

from app.core.scope import current_user, sees_all_units
from app.extensions import db
from app.incoming import services
from app.incoming.models import IncomingDocument, Rejection


class IncomingScopeFilter(BaseFilter):
    name = "Incoming scope"
    arg_name = None

    def apply(self, query, value):
        if sees_all_units():
            return query
        user = current_user()
        if user is None:
            return query.filter(false())
        return query.filter(services.visible_clause(db.session, user))


class TrackingFilter(BaseFilter):
    """One of the tracking lists; ``value`` names it (see services.TRACKING)."""

    name = "Tracking list"
    arg_name = None

    def apply(self, query, value):
        from flask import current_app

        days = current_app.config["INCOMING_NEAR_DUE_DAYS"]
        return query.filter(services.tracking_clause(db.session, value, days=days))


class TodoFilter(BaseFilter):
    """Việc cần xử lý: open documents with an assignment waiting for the user."""

    name = "My work"
    arg_name = None

    def apply(self, query, value):
        user = current_user()
        if user is None:
            return query.filter(false())
        return query.filter(services.todo_clause(user),
                            IncomingDocument.state.in_(("assigned", "in_progress")))


class RejectionScopeFilter(BaseFilter):
    """Refusals made by the user's unit, and those of documents it sent; all for the office."""

    name = "Refusal scope"
    arg_name = None

    def apply(self, query, value):
        if sees_all_units():
            return query
        user = current_user()
        if user is None or user.unit_id is None:
            return query.filter(false())
        return query.filter(or_(Rejection.unit_id == user.unit_id,
                                Rejection.sender_unit_id == user.unit_id))
