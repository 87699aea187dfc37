"""Every feature's screens and APIs, registered on the AppBuilder with Vietnamese labels.

``name``/``category`` are stable ASCII (they are permission names); labels are translated."""

from flask_appbuilder import AppBuilder
from flask_babel import lazy_gettext as _l

from app.exchange.views import ImportView, OutboxView, PeerView
from app.incidents.api import IncidentApi
from app.incidents.views import IncidentView
from app.incoming import views as incoming
from app.incoming.api import IncomingApi
from app.jobs.views import JobView, MyJobView
from app.notifications.views import NotificationView
from app.ocr.views import PrefillView, QuarantineView
from app.outgoing import views as outgoing
from app.outgoing.api import OutgoingApi
from app.records import views as records
from app.reference.views import CalendarDayView, DocumentTypeView, TermView
from app.registers import views as registers
from app.search.api import SearchApi
from app.search.views import SearchView
from app.security.views import AccountView, LoginLockView, UnitAccountView
from app.trust.views import TrustAnchorView
from app.units.api import UnitApi
from app.units.views import UnitView
from app.web.audit import AuditEventView

CATEGORY_INCOMING = "Incoming"
CATEGORY_OUTGOING = "Outgoing"
CATEGORY_ADMIN = "Administration"
CATEGORY_HELP = "Support"
CATEGORY_REGISTERS = "Registers"
CATEGORY_RECORDS = "Records"


def register_views(appbuilder: AppBuilder) -> None:
    add = appbuilder.add_view
    # The menu in the order of the day's work: the documents, search, the registers, then
    # the settings and support (FAB keeps the order in which categories are first made).
    menu = appbuilder.menu
    menu.add_category(CATEGORY_INCOMING, icon="fa-inbox", label=_l("Incoming documents"))
    menu.add_category(CATEGORY_OUTGOING, icon="fa-paper-plane", label=_l("Outgoing documents"))
    add(SearchView, "Search", label=_l("Search (Tra cứu)"), icon="fa-search")
    appbuilder.add_api(SearchApi)
    menu.add_category(CATEGORY_RECORDS, icon="fa-folder-open", label=_l("Work files"))
    menu.add_category(CATEGORY_REGISTERS, icon="fa-bar-chart",
                      label=_l("Registers and reports"))
    menu.add_category(CATEGORY_ADMIN, icon="fa-cogs", label=_l("Administration"))
    menu.add_category(CATEGORY_HELP, icon="fa-life-ring", label=_l("Support"))
    # FAB's own security screens (made before ours) go with the other settings.
    security = next((item for item in menu.menu if item.name == "Security"), None)
    if security is not None:
        menu.menu.remove(security)
        menu.menu.insert(menu.menu.index(menu.find(CATEGORY_ADMIN)), security)
    add(incoming.IncomingTodoView, "IncomingTodo", label=_l("My work (Việc cần xử lý)"),
        icon="fa-tasks", category=CATEGORY_INCOMING, category_label=_l("Incoming documents"),
        category_icon="fa-inbox")
    for view, name, label, icon in (
        (incoming.IncomingInboxView, "IncomingInbox", _l("Waiting to be received"),
         "fa-inbox"),
        (incoming.IncomingToAssignView, "IncomingToAssign", _l("Waiting for assignment"),
         "fa-share"),
        (incoming.IncomingInProgressView, "IncomingInProgress", _l("Being processed"),
         "fa-spinner"),
        (incoming.IncomingNearDueView, "IncomingNearDue", _l("Due soon"), "fa-clock-o"),
        (incoming.IncomingOverdueView, "IncomingOverdue", _l("Overdue"),
         "fa-exclamation-triangle"),
        (incoming.IncomingDoneOnTimeView, "IncomingDoneOnTime", _l("Completed on time"),
         "fa-check"),
        (incoming.IncomingDoneLateView, "IncomingDoneLate", _l("Completed late"),
         "fa-hourglass-end"),
        (incoming.IncomingView, "IncomingAll", _l("All incoming documents"), "fa-list"),
        (incoming.RejectionView, "IncomingRejections", _l("Refused documents"), "fa-ban"),
        (incoming.ReaderGrantView, "IncomingReaders", _l("Who sees all incoming documents"),
         "fa-eye"),
    ):
        add(view, name, label=label, icon=icon, category=CATEGORY_INCOMING)
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
    add(LoginLockView, "LoginLocks", label=_l("Sign-in locks"), icon="fa-lock",
        category=CATEGORY_ADMIN)
    add(AuditEventView, "AuditTrail", label=_l("Audit trail"), icon="fa-history",
        category=CATEGORY_ADMIN)
    add(JobView, "BackgroundJobs", label=_l("Background jobs"), icon="fa-gears",
        category=CATEGORY_ADMIN)
    add(QuarantineView, "Quarantine", label=_l("Withheld documents"), icon="fa-eye-slash",
        category=CATEGORY_ADMIN)
    add(PeerView, "ExchangePeers", label=_l("Exchange (Liên thông)"), icon="fa-exchange",
        category=CATEGORY_ADMIN)
    add(OutboxView, "ExchangeOutbox", label=_l("Exchange outbox"), icon="fa-paper-plane",
        category=CATEGORY_ADMIN)
    add(ImportView, "ExchangeImport", label=_l("Import edXML packages"), icon="fa-upload",
        category=CATEGORY_ADMIN)
    add(IncidentView, "Incidents", label=_l("Incidents and requests"), icon="fa-life-ring",
        category=CATEGORY_HELP, category_label=_l("Support"), category_icon="fa-life-ring")
    appbuilder.add_link("IncidentsMonthly", label=_l("Monthly list of reports"),
                        href="/incidentview/monthly/", icon="fa-list",
                        category=CATEGORY_HELP)
    add(NotificationView, "Notifications", label=_l("Notifications"), icon="fa-bell",
        category=CATEGORY_HELP)
    add(outgoing.OutgoingView, "OutgoingAll", label=_l("All outgoing documents"),
        icon="fa-list", category=CATEGORY_OUTGOING, category_label=_l("Outgoing documents"),
        category_icon="fa-paper-plane")
    for name, view, label, icon in outgoing.OUTGOING_LISTS:
        add(view, f"Outgoing_{name}", label=label, icon=icon, category=CATEGORY_OUTGOING)
    add(outgoing.NumberSeriesView, "NumberSeries", label=_l("Numbering series"),
        icon="fa-hashtag", category=CATEGORY_ADMIN)
    add(TrustAnchorView, "TrustAnchors", label=_l("Trust roots and CRLs"),
        icon="fa-certificate", category=CATEGORY_ADMIN)
    add(registers.RegisterView, "Registers", label=_l("Registers (sổ đăng ký)"),
        icon="fa-book", category=CATEGORY_REGISTERS, category_label=_l("Registers and reports"),
        category_icon="fa-bar-chart")
    add(registers.ReportView, "Reports", label=_l("Reports"), icon="fa-table",
        category=CATEGORY_REGISTERS)
    add(registers.UsageView, "UsageEvaluation", label=_l("Use of the system by unit"),
        icon="fa-line-chart", category=CATEGORY_REGISTERS)
    add(registers.RegisterColumnView, "RegisterColumns", label=_l("Register columns"),
        icon="fa-columns", category=CATEGORY_ADMIN)
    for view, name, label, icon in (
        (records.WorkFileView, "WorkFiles", _l("Work files"), "fa-folder-open"),
        (records.FilePlanView, "FilePlans", _l("File plans"), "fa-sitemap"),
        (records.TransferView, "Transfers", _l("Transfers to the archive"), "fa-archive"),
        (records.RetentionView, "RetentionRules", _l("Retention schedule"),
         "fa-hourglass-half"),
    ):
        add(view, name, label=label, icon=icon, category=CATEGORY_RECORDS,
            category_label=_l("Work files"), category_icon="fa-folder-open")
    appbuilder.add_view_no_menu(AccountView)
    appbuilder.add_view_no_menu(MyJobView)
    appbuilder.add_view_no_menu(PrefillView)
    appbuilder.add_api(UnitApi)
    appbuilder.add_api(IncidentApi)
    appbuilder.add_api(IncomingApi)
    appbuilder.add_api(OutgoingApi)
