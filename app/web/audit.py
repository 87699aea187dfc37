from flask_babel import lazy_gettext as _l

from app.core.audit import AuditEvent, action_label
from app.core.views import AppModelView, AppSQLAInterface
from app.security import permissions as P


class AuditEventView(AppModelView):
    """The audit trail, read-only."""

    datamodel = AppSQLAInterface(AuditEvent)
    class_permission_name = P.AUDIT
    base_permissions = ["can_read"]
    list_title = _l("Audit trail")
    show_title = _l("Audit event")
    list_columns = ["created_at", "username", "action", "object_type", "object_id",
                    "ip_address"]
    show_columns = ["created_at", "username", "user_id", "unit_id", "action", "object_type",
                    "object_id", "details", "ip_address", "prev_hash", "hash"]
    search_columns = ["created_at", "username", "action", "object_type", "object_id"]
    order_columns = ["created_at"]
    base_order = ("id", "desc")
    formatters_columns = {"action": action_label}
    label_columns = {
        "created_at": _l("Time"),
        "username": _l("User"),
        "user_id": _l("User id"),
        "unit_id": _l("Unit id"),
        "action": _l("Action"),
        "object_type": _l("Object"),
        "object_id": _l("Object id"),
        "details": _l("Details"),
        "ip_address": _l("Address"),
        "prev_hash": _l("Previous hash"),
        "hash": _l("Hash"),
    }
