"""Vietnamese names of permissions and of what they apply to, on the security screens.

FAB names a permission by its identifiers ("can_read on Search", "menu access on List
Users"): on the role screens (lists, forms, filters) they would read in English. One table
here names each resource (FAB's view menu) with the area it belongs to and one line on
what it gives, and each permission (FAB's action) with what it allows; a feature adds its
own through ``app.core.registry.add_security_labels``. Menu entries are named by the menu
itself, in the area of their category. Outside a request (logs, commands) the identifiers
are kept. tests/security/test_role_labels.py fails on a resource or permission of the
database that none of these name."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from typing import Any

from flask import current_app, has_request_context
from flask_appbuilder.security.sqla.models import Permission, PermissionView, Role, ViewMenu
from flask_appbuilder.security.views import (
    PermissionModelView,
    PermissionViewModelView,
    ViewMenuModelView,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from app.core.audit import ACTION_LABELS
from app.core.registry import PermissionLabel, ResourceLabel, contributions

# The areas of the role editor, in the order of the menu.
AREAS: dict[str, Any] = {
    "incoming": _l("Incoming documents"),
    "outgoing": _l("Outgoing documents"),
    "registers": _l("Registers and reports"),
    "records": _l("Work files"),
    "search": _l("Search (Tra cứu)"),
    "admin": _l("Administration"),
    "security": _l("Security"),
    "support": _l("Support"),
    "self": _l("Own account"),
    "system": _l("System and API"),
}

# The menu's categories (app/web/menu.py, FAB's "Security") and their area.
MENU_AREAS = {
    "Incoming": "incoming", "Outgoing": "outgoing", "Registers": "registers", "Records": "records",
    "Administration": "admin", "Security": "security", "Support": "support",
}

PERMISSIONS: dict[str, PermissionLabel] = {
    "can_add": PermissionLabel(_l("add"), _l("Create a new record.")),
    "can_assign": PermissionLabel(_l("direct and assign"),
                                  _l("Write the direction; choose who leads and who helps.")),
    "can_delete": PermissionLabel(_l("delete"), _l("Delete a record.")),
    "can_download": PermissionLabel(_l("download files"),
                                    _l("Open and download the attached files.")),
    "can_draft": PermissionLabel(_l("draft and route"),
                                 _l("Write drafts and send them for approval.")),
    "can_edit": PermissionLabel(_l("edit"), _l("Change a record.")),
    "can_get": PermissionLabel(_l("read (API)"), _l("Read through the API.")),
    "can_handle": PermissionLabel(_l("handle"), _l("Answer and close what others reported.")),
    "can_info": PermissionLabel(_l("describe (API)"),
                                _l("Read the API's description of its fields.")),
    "can_intake": PermissionLabel(
        _l("receive and register"),
        _l("Receive paper and electronic documents, register them, refuse or cancel them.")),
    "can_issue": PermissionLabel(
        _l("number and issue"),
        _l("Give the number, attach the signed file, issue and recall.")),
    "can_list": PermissionLabel(_l("see the list"), _l("See the list.")),
    "can_lock": PermissionLabel(_l("lock and unlock"),
                                _l("Lock and unlock; set a new password.")),
    "can_post": PermissionLabel(_l("create (API)"), _l("Create through the API.")),
    "can_process": PermissionLabel(
        _l("process"), _l("Work on what one is assigned: notes, result, completion.")),
    "can_put": PermissionLabel(_l("change (API)"), _l("Change through the API.")),
    "can_read": PermissionLabel(_l("read"), _l("See the lists and the details.")),
    "can_report_compromise": PermissionLabel(
        _l("report a compromised account"),
        _l("Lock one's own account when it is out of one's control.")),
    "can_show": PermissionLabel(_l("see the details"), _l("See one record in full.")),
    "can_sign": PermissionLabel(_l("approve and sign"),
                                _l("Approve a draft and sign it, or send it back.")),
    "can_this_form_get": PermissionLabel(_l("open the form"), _l("Open the form.")),
    "can_this_form_post": PermissionLabel(_l("send the form"), _l("Send the form.")),
    "can_userinfo": PermissionLabel(_l("see own account"), _l("See one's own account.")),
    "can_write": PermissionLabel(_l("write"), _l("Add, change and delete.")),
    "copyrole": PermissionLabel(_l("copy a role"),
                                _l("Make a new role from the permissions of another.")),
    "lock": PermissionLabel(_l("lock"), _l("Lock an account.")),
    "menu_access": PermissionLabel(_l("menu access"), _l("See this entry in the menu.")),
    "resetmypassword": PermissionLabel(_l("change own password"),
                                       _l("Change one's own password.")),
    "resetpasswords": PermissionLabel(_l("reset passwords"),
                                      _l("Set a new password for an account.")),
    "unlock": PermissionLabel(_l("unlock"), _l("Unlock an account.")),
    "userinfoedit": PermissionLabel(_l("edit own information"),
                                    _l("Change one's own name and e-mail.")),
}

_SIGN_IN_API = ResourceLabel("system", _l("Sign-in (API)"),
                             _l("Sign in through the API to get a token."))
_ROLES = ResourceLabel("security", _l("Roles"),
                       _l("Create roles and choose their permissions."))

RESOURCES: dict[str, ResourceLabel] = {
    # Văn bản đến
    "IncomingDocument": ResourceLabel(
        "incoming", _l("Incoming documents"),
        _l("The unit's incoming documents; each permission is one step of their handling.")),
    "IncomingRejection": ResourceLabel("incoming", _l("Refused documents"),
                                       _l("See the documents refused at reception and why.")),
    "IncomingReaderGrant": ResourceLabel(
        "incoming", _l("Who sees all incoming documents"),
        _l("Let named people read every incoming document of the unit.")),
    # Văn bản đi
    "OutgoingDocument": ResourceLabel(
        "outgoing", _l("Outgoing documents"),
        _l("The unit's outgoing documents; each permission is one step from draft to issue.")),
    "NumberSeries": ResourceLabel("outgoing", _l("Numbering series"),
                                  _l("Set the series outgoing documents are numbered in.")),
    # Sổ đăng ký và báo cáo
    "Register": ResourceLabel("registers", _l("Registers (sổ đăng ký)"),
                              _l("Open and print the registers of incoming and outgoing "
                                 "documents.")),
    "Report": ResourceLabel("registers", _l("Reports"),
                            _l("See the statistics of the unit's documents.")),
    "UsageEvaluation": ResourceLabel("registers", _l("Use of the system by unit"),
                                     _l("See how each unit uses the system.")),
    "RegisterColumn": ResourceLabel(
        "registers", _l("Register columns"),
        _l("Choose the columns of the printed registers, their order and headings.")),
    # Tra cứu
    "Search": ResourceLabel("search", _l("Search (Tra cứu)"),
                            _l("Search the documents one may read; keep one's searches.")),
    # Quản trị
    "Unit": ResourceLabel("admin", _l("Units"),
                          _l("The tree of units, their names, codes and signs.")),
    "DocumentType": ResourceLabel("admin", _l("Document types"),
                                  _l("The kinds of documents and their abbreviations.")),
    "Term": ResourceLabel("admin", _l("Terms"),
                          _l("The terms of office that registers and numbers follow.")),
    "Calendar": ResourceLabel("admin", _l("Working-day calendar"),
                              _l("The days off that deadlines skip.")),
    "BackgroundJob": ResourceLabel("admin", _l("Background jobs"),
                                   _l("Follow and retry the work done in the background.")),
    "Quarantine": ResourceLabel(
        "admin", _l("Withheld documents"),
        _l("Release a document withheld for a secrecy marking, or destroy its files.")),
    "ExchangePeer": ResourceLabel(
        "admin", _l("Exchange (Liên thông)"),
        _l("The systems documents are exchanged with, and their keys.")),
    # Bảo mật
    "UserDBModelView": ResourceLabel(
        "security", _l("Accounts of every unit"),
        _l("Create and change the accounts of every unit, lock them, give roles.")),
    "AppRoleModelView": _ROLES,
    "RoleModelView": _ROLES,
    "UserGroupModelView": ResourceLabel("security", _l("Groups of accounts"),
                                        _l("Gather accounts into groups that share roles.")),
    "PermissionModelView": ResourceLabel(
        "security", _l("Base Permissions"),
        _l("See the actions a permission may name.")),
    "ViewMenuModelView": ResourceLabel(
        "security", _l("Screens and menu entries"),
        _l("See the screens and menu entries permissions apply to.")),
    "PermissionViewModelView": ResourceLabel(
        "security", _l("Permissions on screens"),
        _l("See every permission as an action on a screen.")),
    "ResetPasswordView": ResourceLabel("security", _l("Reset a password"),
                                       _l("Set a new password for another account.")),
    "UnitAccount": ResourceLabel(
        "security", _l("Accounts of my unit"),
        _l("Create and change the accounts of one's own unit, lock them, set passwords.")),
    "LoginLock": ResourceLabel("security", _l("Sign-in locks"),
                               _l("See the time-limited sign-in locks and lift them.")),
    "AuditEvent": ResourceLabel("security", _l("Audit trail"),
                                _l("Read the record of every sign-in and change.")),
    "TrustAnchor": ResourceLabel(
        "security", _l("Trust roots and CRLs"),
        _l("Load the root certificates and revocation lists signatures are checked against.")),
    # Hỗ trợ
    "Incident": ResourceLabel("support", _l("Incidents and requests"),
                              _l("Report a problem or a request and follow its answer.")),
    "Notification": ResourceLabel(
        "support", _l("Notifications"),
        _l("Read one's own notifications, mark them read, delete them.")),
    # Tài khoản của mình
    "Account": ResourceLabel("self", _l("Account"),
                             _l("Report that one's own account is out of one's control.")),
    "UserInfoEditView": ResourceLabel("self", _l("Edit own information"),
                                      _l("Change one's own name and e-mail.")),
    "ResetMyPasswordView": ResourceLabel("self", _l("Change own password"),
                                         _l("Change one's own password.")),
    "MyJob": ResourceLabel(
        "self", _l("Own background work"),
        _l("Follow the progress of the work one asked for and take its result.")),
    # Hệ thống và API
    "IndexView": ResourceLabel("system", _l("Home page"),
                               _l("Open the home page and its counters.")),
    "UtilView": ResourceLabel("system", _l("Back button"),
                              _l("Go back to the previous screen.")),
    "LocaleView": ResourceLabel("system", _l("Language choice"),
                                _l("Switch the screens between Vietnamese and English.")),
    "AppAuthDBView": ResourceLabel("system", _l("Sign-in screen"),
                                   _l("Sign in with user name and password.")),
    "AuthDBView": ResourceLabel("system", _l("Sign-in screen"),
                                _l("Sign in with user name and password.")),
    "AppSecurityApi": _SIGN_IN_API,
    "SecurityApi": _SIGN_IN_API,
    "OpenApi": ResourceLabel("system", _l("API description"),
                             _l("Read the machine description of the API.")),
    "SwaggerView": ResourceLabel("system", _l("API documentation"),
                                 _l("Read the page that documents the API.")),
    "MenuApi": ResourceLabel("system", _l("Menu (API)"),
                             _l("Read the menu through the API.")),
}

MENU_ENTRY_ALLOWS = _l("An entry of the menu.")

# FAB gives everyone's own-account permissions on the admin's user screen: on the role
# screens they go with the owner's account.
OWN_ACCOUNT = ResourceLabel(
    "self", _l("Own account"),
    _l("See one's own account, change one's own password and information."))
_OWN_ACCOUNT_PERMISSIONS = {"can_userinfo", "resetmypassword", "userinfoedit"}

# The order of the permissions within a group: reading first, then the steps of the work.
_PERMISSION_ORDER = ["can_read", "can_list", "can_show", "can_get", "can_info",
                     "can_download", "can_intake", "can_assign", "can_process", "can_draft",
                     "can_sign", "can_issue", "can_handle", "can_write", "can_add",
                     "can_post", "can_edit", "can_put", "can_delete", "can_lock", "lock",
                     "unlock", "menu_access"]


def sort_key(text: str) -> str:
    """Vietnamese order, near enough for a list of names: letters without their marks."""
    folded = unicodedata.normalize("NFD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(c for c in folded if not unicodedata.combining(c)).casefold()


def _permission_rank(name: str) -> tuple[int, str]:
    rank = _PERMISSION_ORDER.index(name) if name in _PERMISSION_ORDER else len(
        _PERMISSION_ORDER)
    return rank, name


def _permission_table() -> dict[str, PermissionLabel]:
    return {**PERMISSIONS, **contributions(current_app).permission_labels}


def _menu_labels(appbuilder: Any) -> dict[str, ResourceLabel]:
    """Menu entries and categories by name: their label in the menu, the area of their
    category (top-level entries take the area of the resource behind them)."""
    labels = getattr(appbuilder, "_qlvb_menu_labels", None)
    if labels is not None:
        return labels
    labels = {}
    for category in appbuilder.menu.menu:
        if category.childs:
            area = MENU_AREAS.get(category.name, "system")
            labels[category.name] = ResourceLabel(area, category.label, MENU_ENTRY_ALLOWS)
            entries = category.childs
        else:
            resource = getattr(category.baseview, "class_permission_name", None)
            known = RESOURCES.get(resource or "")
            area = known.area if known else "system"
            entries = [category]
        for item in entries:
            if item.name != "-":
                labels[item.name] = ResourceLabel(area, item.label, MENU_ENTRY_ALLOWS)
    appbuilder._qlvb_menu_labels = labels
    return labels


def resource_info(name: str) -> ResourceLabel | None:
    """How the role screens name the resource ``name``; None when nothing names it."""
    known = contributions(current_app).resource_labels.get(name) or RESOURCES.get(name)
    if known is not None:
        return known
    return _menu_labels(current_app.appbuilder).get(name)  # type: ignore[attr-defined]


def permission_info(name: str) -> PermissionLabel | None:
    return _permission_table().get(name)


def permission_label(name: str) -> str:
    info = permission_info(name)
    return str(info.label) if info is not None else name.replace("_", " ")


def resource_label(name: str) -> str:
    info = resource_info(name)
    return str(info.label) if info is not None else _(name)


def is_menu_entry(name: str) -> bool:
    return name not in RESOURCES and name not in contributions(current_app).resource_labels


def _group_of(pv: Any) -> tuple[str, str]:
    """(area, group key) of a permission on a resource: "" groups the menu entries."""
    name = pv.view_menu.name
    if pv.permission.name in _OWN_ACCOUNT_PERMISSIONS:
        return OWN_ACCOUNT.area, "~own"
    info = resource_info(name)
    area = info.area if info is not None else "system"
    return area, "" if is_menu_entry(name) else name


def grouped(permission_views: list[Any]) -> list[tuple[str, list[tuple[str, str, list[Any]]]]]:
    """``permission_views`` by area (in the order of ``AREAS``), then by resource: [(area
    label, [(resource label, what it gives, [permission view, …]), …]), …]; the menu
    entries of an area come after its resources, in one group."""
    areas: dict[str, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for pv in permission_views:
        area, key = _group_of(pv)
        areas[area][key].append(pv)
    order = list(AREAS) + sorted(set(areas) - set(AREAS))
    result = []
    for area in order:
        if area not in areas:
            continue
        groups = []
        for key, pvs in areas[area].items():
            if not key:
                continue
            pvs.sort(key=lambda pv: _permission_rank(pv.permission.name))
            info = OWN_ACCOUNT if key == "~own" else resource_info(key)
            label = str(info.label) if info is not None else key
            groups.append((label, str(info.allows) if info is not None else "", pvs))
        groups.sort(key=lambda g: sort_key(g[0]))
        if "" in areas[area]:
            entries = sorted(areas[area][""], key=lambda pv: sort_key(pv_choice_label(pv)))
            groups.append((_("Menu entries"), str(MENU_ENTRY_ALLOWS), entries))
        result.append((str(AREAS.get(area, area)), groups))
    return result


def pv_choice_label(pv: Any) -> str:
    """A permission's label in the editor: the permission alone within its resource's
    group, the entry's name within the menu entries."""
    if is_menu_entry(pv.view_menu.name):
        return resource_label(pv.view_menu.name)
    return permission_label(pv.permission.name)


def pv_allows(pv: Any) -> str:
    if is_menu_entry(pv.view_menu.name):
        return ""
    info = permission_info(pv.permission.name)
    return str(info.allows) if info is not None else ""


def grouped_html(permission_views: list[Any]) -> Markup:
    """The permissions of a role, read-only, grouped as in the editor (the role's page)."""
    parts = [Markup('<div class="qlvb-perm-summary">')]
    for area, groups in grouped(list(permission_views or [])):
        parts.append(Markup("<h4>{}</h4><ul>").format(area))
        for label, _allows, pvs in groups:
            names = ", ".join(pv_choice_label(pv) for pv in pvs)
            parts.append(Markup("<li><strong>{}</strong>: {}</li>").format(label, names))
        parts.append(Markup("</ul>"))
    if not permission_views:
        parts.append(Markup("<p>{}</p>").format(_("No permission.")))
    parts.append(Markup("</div>"))
    return Markup("").join(parts)


def _permission_repr(self: Any) -> str:
    return permission_label(self.name) if has_request_context() else self.name


def _view_menu_repr(self: Any) -> str:
    return resource_label(self.name) if has_request_context() else self.name


_fab_permission_view_repr = PermissionView.__repr__


def _permission_view_repr(self: Any) -> str:
    if not has_request_context():
        return _fab_permission_view_repr(self)
    return _("%(permission)s on %(resource)s",
             permission=permission_label(self.permission.name),
             resource=resource_label(self.view_menu.name))


def role_label(name: str) -> str:
    """A role's name as the screens show it: FAB's role of visitors who are not signed in
    (``AUTH_ROLE_PUBLIC``) is named in the user's language; the others as the admin named
    them."""
    if has_request_context() and name == current_app.config.get("AUTH_ROLE_PUBLIC"):
        return _("Visitors not signed in")
    return name


def _role_repr(self: Any) -> str:
    return role_label(self.name)


# The audit trail's events of sign-in and accounts (app/security/manager.py, lockout.py,
# services.py), named on the audit screen.
AUDIT_ACTIONS = {
    "login": _l("Signed in"),
    "logout": _l("Signed out"),
    "login_failed": _l("Sign-in refused: wrong password"),
    "login_refused_locked": _l("Sign-in refused: account locked"),
    "login_locked": _l("Sign-in locked for a while"),
    "login_lock_lifted": _l("Sign-in lock lifted"),
    "account_locked": _l("Account locked"),
    "account_unlocked": _l("Account unlocked"),
    "account_action_refused": _l("Action on an account refused"),
    "password_reset": _l("Password set"),
}


def install() -> None:
    """Name permissions in the user's language wherever FAB prints them."""
    ACTION_LABELS.update(AUDIT_ACTIONS)
    Permission.__repr__ = _permission_repr
    ViewMenu.__repr__ = _view_menu_repr
    PermissionView.__repr__ = _permission_view_repr
    Role.__repr__ = _role_repr


class AppPermissionModelView(PermissionModelView):
    class_permission_name = "PermissionModelView"  # the permissions as FAB names them
    formatters_columns = {"name": permission_label}


class AppViewMenuModelView(ViewMenuModelView):
    class_permission_name = "ViewMenuModelView"
    formatters_columns = {"name": resource_label}


class AppPermissionViewModelView(PermissionViewModelView):
    class_permission_name = "PermissionViewModelView"
    label_columns = {"permission": _l("Permission"), "view_menu": _l("Screen or menu entry"),
                     "role": _l("Roles")}
