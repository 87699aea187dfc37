"""Who sees which outgoing document: drafts are private to the drafting unit (every
member of it sees the unit's documents); the office roles see all."""

from flask_appbuilder.models.filters import BaseFilter
from sqlalchemy import and_, exists, false, or_

from app.core.scope import current_user, sees_all_units
from app.outgoing.models import OutgoingDocument, Recipient


class OutgoingScopeFilter(BaseFilter):
    name = "Outgoing scope"
    arg_name = None

    def apply(self, query, value):
        if sees_all_units():
            return query
        user = current_user()
        if user is None or user.unit_id is None:
            return query.filter(false())
        return query.filter(OutgoingDocument.unit_id == user.unit_id)


def _mine():
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

    def apply(self, query, value):
        return query.filter(LISTS[value]())
