from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from wtforms import SelectField

from app.core.calendar import DAY_KINDS, CalendarDay
from app.core.errors import DomainError
from app.core.views import AppModelView, AppSQLAInterface
from app.reference.models import DocumentType, Term
from app.reference.services import check_document_type, check_term
from app.security import permissions as P


class DocumentTypeView(AppModelView):
    datamodel = AppSQLAInterface(DocumentType)
    class_permission_name = P.DOCUMENT_TYPE
    list_title = _l("Document types")
    show_title = _l("Document type")
    add_title = _l("Add document type")
    edit_title = _l("Edit document type")
    list_columns = ["name", "abbreviation", "processing_days", "active"]
    add_columns = edit_columns = show_columns = list_columns
    search_columns = ["name", "abbreviation", "active"]
    base_order = ("name", "asc")
    label_columns = {
        "name": _l("Type name"),
        "abbreviation": _l("Abbreviation"),
        "processing_days": _l("Default processing days"),
        "active": _l("Active"),
    }
    description_columns = {
        "processing_days": _l("Working days allowed to process a document of this type, "
                              "used as the default deadline."),
    }

    def check(self, item):
        check_document_type(self.datamodel.session, item)


class TermView(AppModelView):
    datamodel = AppSQLAInterface(Term)
    class_permission_name = P.TERM
    list_title = _l("Terms")
    show_title = _l("Term")
    add_title = _l("Add term")
    edit_title = _l("Edit term")
    list_columns = ["name", "start_date", "end_date"]
    add_columns = edit_columns = show_columns = list_columns
    base_order = ("start_date", "desc")
    label_columns = {
        "name": _l("Term"),
        "start_date": _l("Start date"),
        "end_date": _l("End date"),
    }

    def check(self, item):
        check_term(self.datamodel.session, item)


def _day_kind_choices():
    return [(k, str(v)) for k, v in DAY_KINDS.items()]


class CalendarDayView(AppModelView):
    datamodel = AppSQLAInterface(CalendarDay)
    class_permission_name = P.CALENDAR
    list_title = _l("Working-day calendar")
    show_title = _l("Calendar day")
    add_title = _l("Add holiday or swapped working day")
    edit_title = _l("Edit calendar day")
    list_columns = ["day", "kind_label", "name"]
    show_columns = ["day", "kind_label", "name"]
    add_columns = edit_columns = ["day", "kind", "name"]
    search_columns = ["day", "name"]
    base_order = ("day", "desc")
    label_columns = {
        "day": _l("Date"),
        "kind": _l("Kind"),
        "kind_label": _l("Kind"),
        "name": _l("Reason"),
    }
    description_columns = {
        "kind": _l("Weekends are days off unless entered here as swapped working days; "
                   "enter Tết and other lunar holidays by their solar dates."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField(_l("Kind"), choices=_day_kind_choices),
    }

    def check(self, item):
        if not item.day:
            raise DomainError(_l("The date is required."), field="day")
        if not (item.name or "").strip():
            raise DomainError(_l("Give the reason, e.g. Tết Nguyên đán."), field="name")
        if item.kind not in DAY_KINDS:
            raise DomainError(_l("Choose the kind of day."), field="kind")
        session = self.datamodel.session
        with session.no_autoflush:
            query = select(func.count(CalendarDay.id)).where(CalendarDay.day == item.day)
            if item.id is not None:
                query = query.where(CalendarDay.id != item.id)
            if session.execute(query).scalar_one():
                raise DomainError(_l("This date is already in the calendar."), field="day")
