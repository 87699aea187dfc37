"""Vietnamese names of permissions and of what they apply to, on the security screens.

FAB names a permission by its identifiers ("can_read on Search", "menu access on List
Users"): on the role screens (lists, forms, filters) they would read in English. Outside
a request (logs, commands) the identifiers are kept."""

from flask import current_app, has_request_context
from flask_appbuilder.security.sqla.models import Permission, PermissionView, ViewMenu
from flask_appbuilder.security.views import PermissionModelView, ViewMenuModelView
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

PERMISSION_LABELS = {
    "can_add": _l("add"),
    "can_assign": _l("direct and assign"),
    "can_delete": _l("delete"),
    "can_download": _l("download files"),
    "can_draft": _l("draft and route"),
    "can_edit": _l("edit"),
    "can_get": _l("read (API)"),
    "can_handle": _l("handle"),
    "can_info": _l("describe (API)"),
    "can_intake": _l("receive and register"),
    "can_issue": _l("number and issue"),
    "can_list": _l("see the list"),
    "can_lock": _l("lock and unlock"),
    "can_post": _l("create (API)"),
    "can_process": _l("process"),
    "can_put": _l("change (API)"),
    "can_read": _l("read"),
    "can_report_compromise": _l("report a compromised account"),
    "can_show": _l("see the details"),
    "can_sign": _l("approve and sign"),
    "can_this_form_get": _l("open the form"),
    "can_this_form_post": _l("send the form"),
    "can_userinfo": _l("see own account"),
    "can_write": _l("write"),
    "copyrole": _l("copy a role"),
    "lock": _l("lock"),
    "menu_access": _l("menu access"),
    "resetmypassword": _l("change own password"),
    "resetpasswords": _l("reset passwords"),
    "unlock": _l("unlock"),
    "userinfoedit": _l("edit own information"),
}

# Resources that no menu entry names.
RESOURCE_LABELS = {
    "Account": _l("Account"),
    "AppAuthDBView": _l("Sign-in screen"),
    "IndexView": _l("Home page"),
    "LocaleView": _l("Language choice"),
    "MenuApi": _l("Menu (API)"),
    "OpenApi": _l("API description"),
    "ResetMyPasswordView": _l("Change own password"),
    "ResetPasswordView": _l("Reset a password"),
    "SecurityApi": _l("Sign-in (API)"),
    "SwaggerView": _l("API documentation"),
    "UserInfoEditView": _l("Edit own information"),
    "UtilView": _l("Back button"),
    "IncidentsMonthly": _l("Monthly list of reports"),
}


def _menu_labels(appbuilder):
    """Resource name → label, read from the menu: a menu entry's own name, and the
    permission name of the screen behind it (the category's label when several entries of
    one category share it, e.g. the incoming lists)."""
    labels = getattr(appbuilder, "_qlvb_resource_labels", None)
    if labels is not None:
        return labels
    labels, by_resource = {}, {}
    for category in appbuilder.menu.menu:
        entries = category.childs or [category]
        if category.childs:
            labels.setdefault(category.name, category.label)
        for item in entries:
            if item.name == "-":
                continue
            labels[item.name] = item.label
            resource = getattr(item.baseview, "class_permission_name", None)
            if resource:
                by_resource.setdefault(resource, []).append((category, item))
    for resource, items in by_resource.items():
        if resource in labels:
            continue
        categories = {id(c) for c, _item in items}
        if len(items) > 1 and len(categories) == 1 and items[0][0].childs:
            labels[resource] = items[0][0].label
        else:
            labels[resource] = items[0][1].label
    appbuilder._qlvb_resource_labels = labels
    return labels


def permission_label(name):
    label = PERMISSION_LABELS.get(name)
    return str(label) if label is not None else name.replace("_", " ")


def resource_label(name):
    label = RESOURCE_LABELS.get(name)
    if label is None:
        label = _menu_labels(current_app.appbuilder).get(name)
    return str(label) if label is not None else _(name)


def _permission_repr(self):
    return permission_label(self.name) if has_request_context() else self.name


def _view_menu_repr(self):
    return resource_label(self.name) if has_request_context() else self.name


_fab_permission_view_repr = PermissionView.__repr__


def _permission_view_repr(self):
    if not has_request_context():
        return _fab_permission_view_repr(self)
    return _("%(permission)s on %(resource)s",
             permission=permission_label(self.permission.name),
             resource=resource_label(self.view_menu.name))


def install():
    """Name permissions in the user's language wherever FAB prints them."""
    Permission.__repr__ = _permission_repr
    ViewMenu.__repr__ = _view_menu_repr
    PermissionView.__repr__ = _permission_view_repr


class AppPermissionModelView(PermissionModelView):
    class_permission_name = "PermissionModelView"  # the permissions as FAB names them
    formatters_columns = {"name": permission_label}


class AppViewMenuModelView(ViewMenuModelView):
    class_permission_name = "ViewMenuModelView"
    formatters_columns = {"name": resource_label}
