from flask import g
from flask_babel import gettext as _
from marshmallow import fields, post_load, validate

from app.core.errors import DomainError
from app.core.inputs import CleanSchema
from app.core.scope import UnitScopedMixin
from app.core.views import AppModelRestApi, AppSQLAInterface
from app.incidents import services
from app.incidents.models import INCIDENT_KINDS, Incident
from app.incidents.views import IncidentScopeFilter
from app.security import permissions as P


class IncidentWriteSchema(CleanSchema):
    kind = fields.String(required=True, validate=validate.OneOf(list(INCIDENT_KINDS)))
    title = fields.String(required=True, validate=validate.Length(min=1, max=255))
    description = fields.String(required=True, validate=validate.Length(min=1, max=20000))

    @post_load
    def make(self, data, **kwargs):
        return Incident(**data)


class IncidentApi(UnitScopedMixin, AppModelRestApi):
    resource_name = "incident"
    datamodel = AppSQLAInterface(Incident)
    class_permission_name = P.INCIDENT
    base_filters = [["unit_id", IncidentScopeFilter, None]]
    include_route_methods = {"get", "get_list", "post", "info"}
    # Same resource as the screens: list their permissions so that a sync keeps them.
    base_permissions = ["can_read", "can_write", "can_handle", "can_download"]
    list_columns = ["id", "created_at", "kind", "title", "status", "unit_id", "reporter_id"]
    show_columns = ["id", "created_at", "kind", "title", "description", "status", "response",
                    "unit_id", "reporter_id", "resolved_at", "file_name"]
    add_columns = ["kind", "title", "description"]
    search_columns = ["kind", "status", "title"]
    order_columns = ["created_at", "title"]
    add_model_schema = IncidentWriteSchema()

    def pre_add(self, item):
        user = g.user
        if user.unit_id is None:
            raise DomainError(_("Your account has no unit; ask the administrator to set it."))
        item.unit_id = user.unit_id
        item.reporter_id = user.id
        item.status = "new"
        services.check_incident(item)

    def post_add(self, item):
        services.announce_incident(self.datamodel.session, item)
        self.datamodel.session.commit()
