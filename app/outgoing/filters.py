"""The row filters of outgoing documents: the request's user and the app's settings handed
to the rule of app/outgoing/policy.py (drafts are private to the drafting unit; the office
roles see all), and the lists of the outgoing screens."""

from typing import Any

from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import ColumnElement, and_, exists, or_

from app.core.scope import current_user, request_clause, scope_settings
from app.ocr import quarantine
from app.outgoing import policy
from app.outgoing.models import OutgoingDocument, Recipient


class OutgoingScopeFilter(BaseFilter):
    name = "Outgoing scope"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        held, clause = request_clause("out", lambda: (
            quarantine.visible_clause("out", OutgoingDocument.id),
            policy.visible_clause(current_user(), scope_settings())))
        query = query.filter(held)
        return query if clause is None else query.filter(clause)


def _mine() -> ColumnElement[bool]:
    user = current_user()
    return OutgoingDocument.holder_id == (user.id if user else None)


# The lists of the outgoing screens (issue "Lists"), as conditions on OutgoingDocument.
LISTS = {
    "drafts": lambda: OutgoingDocument.state.in_(("draft", "returned")),
    "waiting_for_me": lambda: and_(OutgoingDocument.state == "review", _mine()),
    "returned_to_me": lambda: and_(OutgoingDocument.state == "returned", _mine()),
    "to_number": lambda: OutgoingDocument.state == "signed",
    "to_issue": lambda: OutgoingDocument.state == "numbered",
    "issued": lambda: OutgoingDocument.state == "issued",
    "late": lambda: OutgoingDocument.late.is_(True),
    "refused": lambda: exists().where(Recipient.document_id == OutgoingDocument.id,
                                      Recipient.status == "02"),
    "recalled": lambda: or_(OutgoingDocument.state == "recalled",
                            OutgoingDocument.recall_requested_at.isnot(None)),
}


class OutgoingListFilter(BaseFilter):
    name = "Outgoing list"
    arg_name = None

    def apply(self, query: Any, value: Any) -> Any:
        return query.filter(LISTS[value]())
