"""Writes the built-in roles of ``permissions.py`` to the database (``flask qlvb sync-roles``)."""

import logging

from app.security import permissions as P

log = logging.getLogger(__name__)

# Menu links that are not views, with the permission that opens what they point at.
LINK_RESOURCES = {"IncidentsMonthly": (P.READ, P.INCIDENT)}


def _menu_requirements(appbuilder):
    """(menu item name, category name, (permission, resource)) for every menu entry."""
    out = []
    for category in appbuilder.menu.get_list():
        children = category.childs or [category]
        for item in children:
            if not item.name or item.name == "-":
                continue
            need = LINK_RESOURCES.get(item.name)
            if need is None and item.baseview is not None:
                view = item.baseview
                resource = view.class_permission_name
                methods = getattr(view, "method_permission_name", {}) or {}
                action = methods.get("list", "list")
                need = (f"can_{action}", resource)
            if need is not None:
                out.append((item.name, category.name if category.childs else None, need))
    return out


def sync_roles(appbuilder):
    """Create every permission of the registered views, then set each built-in role's
    permissions to exactly the list in code (the admin's role: all of them)."""
    sm = appbuilder.sm
    # FAB grants every new permission to the admin role: it must exist first.
    for role_name in P.ROLE_CONFIGS:
        if sm.find_role(role_name) is None:
            sm.add_role(role_name)
    appbuilder.add_permissions(update_perms=True)
    session = appbuilder.session
    all_pvms = session.query(sm.permissionview_model).all()
    menus = _menu_requirements(appbuilder)
    report = {}
    for role_name, grants in P.ROLE_CONFIGS.items():
        role = sm.find_role(role_name) or sm.add_role(role_name)
        if grants is None:
            wanted = list(all_pvms)
        else:
            wanted_pairs = set(grants)
            for item_name, category_name, need in menus:
                if need in wanted_pairs:
                    wanted_pairs.add(("menu_access", item_name))
                    if category_name:
                        wanted_pairs.add(("menu_access", category_name))
            wanted = []
            for perm_name, view_name in sorted(wanted_pairs):
                pvm = sm.find_permission_view_menu(perm_name, view_name)
                if pvm is None:
                    log.warning("sync-roles: %s has no permission %s on %s",
                                role_name, perm_name, view_name)
                    continue
                wanted.append(pvm)
        role.permissions = wanted
        report[role_name] = len(wanted)
    if sm.find_role(P.ROLE_PUBLIC) is None:
        sm.add_role(P.ROLE_PUBLIC)
    else:
        sm.find_role(P.ROLE_PUBLIC).permissions = []
    session.commit()
    return report
