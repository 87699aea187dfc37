from flask import flash, g, redirect, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.hooks import before_request
from flask_appbuilder.models.sqla.filters import FilterEqualFunction
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core.fab import base_filters
from app.core.timeutil import utcnow
from app.core.views import AppModelView, AppSQLAInterface
from app.notifications import services
from app.notifications.models import Notification
from app.security import permissions as P


def _current_user_id():
    return getattr(g.user, "id", None)


class NotificationView(AppModelView):
    datamodel = AppSQLAInterface(Notification)
    class_permission_name = P.NOTIFICATION
    method_permission_name = {**AppModelView.method_permission_name,
                              "mark_read": "write", "open": "read", "remove": "write",
                              "mark_all_read": "write"}
    base_permissions = ["can_read", "can_write"]
    # The system writes notifications; a user reads them, marks them read, one by one or
    # all at once, and deletes their own (can_write is those), never adds or edits one.
    include_route_methods = {"list", "show", "action", "action_post", "open",
                             "mark_all_read"}
    list_template = "notifications/list.html"
    base_filters = [["user_id", FilterEqualFunction, _current_user_id]]
    list_title = _l("Notifications")
    show_title = _l("Notification")
    list_columns = ["created_at", "text", "urgent", "read_at"]
    show_columns = list_columns
    search_columns = ["message", "urgent", "created_at"]
    base_order = ("created_at", "desc")
    label_columns = {
        "created_at": _l("Time"),
        "message": _l("Message"),
        "text": _l("Message"),
        "urgent": _l("Urgent"),
        "read_at": _l("Read at"),
    }

    @before_request(only=["action", "action_post"])
    def _own_rows_only(self):
        # FAB runs actions without base_filters: refuse rows of other users.
        from flask import abort, request

        pks = [request.view_args["pk"]] if request.view_args and "pk" in request.view_args \
            else request.form.getlist("rowid")
        for pk in pks:
            if self.datamodel.get(pk, base_filters(self)) is None:
                abort(404)

    @action("mark_read", _l("Mark as read"), "", "fa-check", multiple=True, single=True)
    def mark_read(self, items):
        items = items if isinstance(items, list) else [items]
        services.mark_read(self.datamodel.session, g.user.id, [item.id for item in items])
        self.datamodel.session.commit()
        return redirect(self.get_redirect())

    @action("remove", _l("Delete"), _l("Delete the selected notifications?"), "fa-trash",
            multiple=True, single=True)
    def remove(self, items):
        items = items if isinstance(items, list) else [items]
        n = services.delete_own(self.datamodel.session, g.user.id, [item.id for item in items])
        self.datamodel.session.commit()
        flash(_("%(n)d notification(s) deleted.", n=n), "success")
        return redirect(url_for(".list"))

    @expose("/mark_all_read", methods=["POST"])
    @has_access
    @permission_name("mark_all_read")
    def mark_all_read(self):
        n = services.mark_read(self.datamodel.session, g.user.id)
        self.datamodel.session.commit()
        flash(_("%(n)d notification(s) marked as read.", n=n), "success")
        return redirect(url_for(".list"))

    @expose("/open/<int:pk>")
    @has_access
    @permission_name("open")
    def open(self, pk):
        item = self.datamodel.get(pk, base_filters(self))
        if item is None:
            return redirect(self.get_redirect())
        if item.read_at is None:
            item.read_at = utcnow()
            self.datamodel.session.commit()
        link = item.link if (item.link or "").startswith("/") else "/"
        return redirect(link)
