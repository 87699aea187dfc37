from flask_babel import gettext as _
from marshmallow import fields, post_load, validate

from app.core.api import Id
from app.core.errors import DomainError
from app.core.fab import base_filters
from app.core.inputs import CleanSchema
from app.core.views import AppModelRestApi, AppSQLAInterface
from app.extensions import db
from app.security import permissions as P
from app.units.models import UNIT_KINDS, Unit
from app.units.services import check_unit


class UnitWriteSchema(CleanSchema):
    """Writes take the parent as an id checked against the table (FAB's default related
    field would create a row for an unknown id)."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    abbreviation = fields.String(required=True, validate=validate.Length(min=1, max=20))
    code = fields.String(allow_none=True, load_default=None, validate=validate.Length(max=35))
    kind = fields.String(required=True, validate=validate.OneOf(list(UNIT_KINDS)))
    parent_id = Id(allow_none=True, load_default=None)
    active = fields.Boolean(load_default=True)
    address = fields.String(allow_none=True, validate=validate.Length(max=255))
    phone = fields.String(allow_none=True, validate=validate.Length(max=32))
    email = fields.String(allow_none=True, validate=validate.Length(max=255))

    def __init__(self, *args, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance

    @post_load
    def make(self, data, **kwargs):
        unit = self.instance or Unit()
        for key, value in data.items():
            setattr(unit, key, value)
        if "parent_id" in data:
            parent_id = data["parent_id"]
            unit.parent = db.session.get(Unit, parent_id) if parent_id else None
            if parent_id and unit.parent is None:
                raise DomainError(_("The parent unit does not exist."), field="parent")
        return unit


class UnitApi(AppModelRestApi):
    resource_name = "unit"
    class_permission_name = P.UNIT
    datamodel = AppSQLAInterface(Unit)
    list_columns = ["id", "name", "abbreviation", "code", "kind", "parent_id", "active"]
    show_columns = ["id", "name", "abbreviation", "code", "kind", "parent_id", "active",
                    "address", "phone", "email"]
    add_columns = edit_columns = ["name", "abbreviation", "code", "kind", "parent_id",
                                  "active", "address", "phone", "email"]
    search_columns = ["name", "abbreviation", "code", "kind", "active"]
    order_columns = ["name", "abbreviation", "code"]
    add_model_schema = UnitWriteSchema()

    def check(self, item):
        check_unit(self.datamodel.session, item)

    def put_headless(self, pk):
        # Load onto the stored row so that partial updates keep the other fields.
        from flask import request
        from marshmallow import ValidationError

        item = self.datamodel.get(pk, base_filters(self))
        if item is None:
            return self.response_404()
        if not request.is_json:
            return self.response_400(message="Request is not JSON")
        try:
            item = UnitWriteSchema(instance=item, partial=True).load(request.json)
            self.check(item)
            self.datamodel.edit(item)
        except ValidationError as err:
            self.datamodel.session.rollback()
            return self.response_422(message=err.messages)
        except DomainError as err:
            self.datamodel.session.rollback()
            return self.response_422(message=str(err))
        except Exception:  # a unique constraint raced past the check
            self.datamodel.session.rollback()
            return self.response_422(message=_("The data conflicts with an existing record."))
        return self.response(200, result=self.show_model_schema.dump(item))
