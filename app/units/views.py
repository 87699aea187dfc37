from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from app.core.views import AppModelView, AppSQLAInterface
from app.security import permissions as P
from app.units.models import UNIT_KINDS, Unit
from app.units.services import check_unit


def _kind_choices():
    return [(k, str(v)) for k, v in UNIT_KINDS.items()]


class UnitView(AppModelView):
    datamodel = AppSQLAInterface(Unit)
    class_permission_name = P.UNIT
    list_title = _l("Units")
    show_title = _l("Unit")
    add_title = _l("Add unit")
    edit_title = _l("Edit unit")
    list_columns = ["name", "abbreviation", "code", "kind_label", "parent", "active"]
    show_columns = ["name", "abbreviation", "code", "kind_label", "parent", "active",
                    "address", "phone", "email", "created_at"]
    add_columns = edit_columns = ["name", "abbreviation", "code", "kind", "parent", "active",
                                  "address", "phone", "email"]
    search_columns = ["name", "abbreviation", "code", "active"]
    order_columns = ["name", "abbreviation", "code"]
    base_order = ("name", "asc")
    label_columns = {
        "name": _l("Unit name"),
        "abbreviation": _l("Abbreviation"),
        "code": _l("Identifier code"),
        "kind": _l("Kind of unit"),
        "kind_label": _l("Kind of unit"),
        "parent": _l("Parent unit"),
        "active": _l("Active"),
        "address": _l("Address"),
        "phone": _l("Phone"),
        "email": _l("Email"),
        "created_at": _l("Created at"),
    }
    description_columns = {
        "abbreviation": _l("Used in document symbols, e.g. VPHU in 45-CV/VPHU."),
        "code": _l("Mã định danh: groups of digits and capital letters separated by dots, "
                   "at most 35 characters."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": SelectField(_l("Kind of unit"), choices=_kind_choices),
    }

    def check(self, item):
        check_unit(self.datamodel.session, item)
