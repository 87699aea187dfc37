"""Every feature's screens and APIs, registered on the AppBuilder with Vietnamese labels.

``name``/``category`` are stable ASCII (they are permission names); labels are translated."""

from flask_babel import lazy_gettext as _l

CATEGORY_ADMIN = "Administration"
CATEGORY_HELP = "Support"


def register_views(appbuilder):
    from app.core.audit_views import AuditEventView
    from app.incidents.api import IncidentApi
    from app.incidents.views import IncidentView
    from app.notifications.views import NotificationView
    from app.reference.views import CalendarDayView, DocumentTypeView, TermView
    from app.security.views import AccountView, UnitAccountView
    from app.units.api import UnitApi
    from app.units.views import UnitView

    add = appbuilder.add_view
    add(UnitView, "Units", label=_l("Units"), icon="fa-sitemap",
        category=CATEGORY_ADMIN, category_label=_l("Administration"), category_icon="fa-cogs")
    add(DocumentTypeView, "DocumentTypes", label=_l("Document types"), icon="fa-tags",
        category=CATEGORY_ADMIN)
    add(TermView, "Terms", label=_l("Terms"), icon="fa-calendar-check-o",
        category=CATEGORY_ADMIN)
    add(CalendarDayView, "Calendar", label=_l("Working-day calendar"), icon="fa-calendar",
        category=CATEGORY_ADMIN)
    add(UnitAccountView, "UnitAccounts", label=_l("Accounts of my unit"), icon="fa-users",
        category=CATEGORY_ADMIN)
    add(AuditEventView, "AuditTrail", label=_l("Audit trail"), icon="fa-history",
        category=CATEGORY_ADMIN)
    add(IncidentView, "Incidents", label=_l("Incidents and requests"), icon="fa-life-ring",
        category=CATEGORY_HELP, category_label=_l("Support"), category_icon="fa-life-ring")
    appbuilder.add_link("IncidentsMonthly", label=_l("Monthly list of reports"),
                        href="/incidentview/monthly/", icon="fa-list",
                        category=CATEGORY_HELP)
    add(NotificationView, "Notifications", label=_l("Notifications"), icon="fa-bell",
        category=CATEGORY_HELP)
    appbuilder.add_view_no_menu(AccountView)
    appbuilder.add_api(UnitApi)
    appbuilder.add_api(IncidentApi)
