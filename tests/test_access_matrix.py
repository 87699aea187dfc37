"""The access matrix: every route of the app's URL map × every role → the expected answer
(issue 12, "the proof in CI").

The routes come from ``app.url_map`` (screens, actions, downloads, the API); only the
static files are skipped (``SKIPPED``). The expected answers are the table ``MATRIX``
below, one line per endpoint, one cell per column of ``COLUMNS``:

    +  allowed: any answer but a refusal (401, 403, 404, a redirect to the sign-in page)
       and never a 5xx (a form may answer with its validation message)
    L  anonymous screen: 302 to the sign-in page
    U  anonymous API: 401
    F  the role lacks the permission: 403
    N  the object is outside the user's scope (another unit's, another user's): 404

The columns are the anonymous visitor, the system admin and the office (both in VPHU),
VPHU's clerk, head, official and unit IT officer, and the same four roles in BTCHU. Every
object the routes reach belongs to VPHU (tests/access_world.py). A route without a line
fails ``test_every_route_has_an_entry`` with its name; so does a line without a route.

``HIGHER`` adds the columns of the unit IT officer of VPHU against the accounts above
theirs in their own unit (the system admin, the office), on each route that changes an
account: the request, made with a form that would succeed, must change nothing (and not
crash).

Every request is sent with each method of its route (POST forms empty or, for the
account screens, valid); a refused request must change nothing in the database (checked
after the refusals of each route); the changes an allowed request makes are rolled back
before the next cell. The matrix runs once per run on one app and one set of objects,
signed-in clients reused; it prints the number of cells checked."""

import hashlib

import pytest

from tests import access_world
from tests.conftest import PASSWORD, _rows, api_token, client_for, fresh_app, replay

COLUMNS = ("anon", "admin", "office", "clerk", "head", "official", "unitadmin",
           "o.clerk", "o.head", "o.official", "o.unitadmin")
USERS = {
    "anon": None, "admin": "admin", "office": "vanphong", "clerk": "vanthu.vphu",
    "head": "lanhdao.vphu", "official": "chuyenvien.vphu", "unitadmin": "qtdv.vphu",
    "o.clerk": "vanthu.btchu", "o.head": "lanhdao.btchu", "o.official": "chuyenvien.btchu",
    "o.unitadmin": "qtdv.btchu",
}
HIGHER_TARGETS = ("admin", "vanphong")

# Static files only: nothing else is left out.
SKIPPED = {
    "static": "the app's static files (CSS, JS, fonts), public by design",
    "appbuilder.static": "FAB's static files, public by design",
}

MATRIX = {
    # Cells by COLUMNS:                     anon admin office clerk head official unitadmin
    #                                       | BTCHU's clerk head official unitadmin
    # An "Endpoint METHOD" line, where the methods of a route differ, stands for that method.
    # Anonymous requests to scoped action routes answer 404 (the row check runs first).
    "AccountView.report_compromise":        "L + + + + + + + + + +",

    "AppAuthDBView.login":                  "+ + + + + + + + + + +",
    "AppAuthDBView.logout":                 "+ + + + + + + + + + +",

    "AppRoleModelView.action":              "N N N N N N N N N N N",
    "AppRoleModelView.action_post":         "L + F F F F F F F F F",
    "AppRoleModelView.add":                 "L + F F F F F F F F F",
    "AppRoleModelView.delete":              "L + F F F F F F F F F",
    "AppRoleModelView.edit":                "L + F F F F F F F F F",
    "AppRoleModelView.list":                "L + F F F F F F F F F",
    "AppRoleModelView.show":                "L + F F F F F F F F F",

    "AppUserDBModelView.action":            "L + F F F F F F F F F",
    "AppUserDBModelView.action_post":       "L + F F F F F F F F F",
    "AppUserDBModelView.add":               "L + F F F F F F F F F",
    "AppUserDBModelView.delete":            "L + F F F F F F F F F",
    "AppUserDBModelView.edit":              "L + F F F F F F F F F",
    "AppUserDBModelView.list":              "L + F F F F F F F F F",
    "AppUserDBModelView.show":              "L + F F F F F F F F F",
    "AppUserDBModelView.userinfo":          "L + + + + + + + + + +",

    "AuditEventView.action":                "N N N N N N N N N N N",
    "AuditEventView.action_post":           "N N N N N N N N N N N",
    "AuditEventView.add":                   "L F F F F F F F F F F",
    "AuditEventView.delete":                "L F F F F F F F F F F",
    "AuditEventView.edit":                  "L F F F F F F F F F F",
    "AuditEventView.list":                  "L + + F F F F F F F F",
    "AuditEventView.show":                  "L + + F F F F F F F F",

    "CalendarDayView.action":               "N N N N N N N N N N N",
    "CalendarDayView.action_post":          "N N N N N N N N N N N",
    "CalendarDayView.add":                  "L + F F F F F F F F F",
    "CalendarDayView.delete":               "L + F F F F F F F F F",
    "CalendarDayView.edit":                 "L + F F F F F F F F F",
    "CalendarDayView.list":                 "L + + + + + + + + + +",
    "CalendarDayView.show":                 "L + + + + + + + + + +",

    "DocumentTypeView.action":              "N N N N N N N N N N N",
    "DocumentTypeView.action_post":         "N N N N N N N N N N N",
    "DocumentTypeView.add":                 "L + F F F F F F F F F",
    "DocumentTypeView.delete":              "L + F F F F F F F F F",
    "DocumentTypeView.edit":                "L + F F F F F F F F F",
    "DocumentTypeView.list":                "L + + + + + + + + + +",
    "DocumentTypeView.show":                "L + + + + + + + + + +",

    "ImportView.index":                     "L + F F F F F F F F F",
    "ImportView.upload":                    "L + F F F F F F F F F",
    "IncidentApi.get":                      "U + + N N + + N N N N",
    "IncidentApi.get_list":                 "U + + + + + + + + + +",
    "IncidentApi.info":                     "U + + + + + + + + + +",
    "IncidentApi.post":                     "U + + + + + + + + + +",

    "IncidentView.action":                  "N + + N N F + N N N N",
    "IncidentView.action_post":             "N + + N N F + N N N N",
    "IncidentView.add":                     "L + + + + + + + + + +",
    "IncidentView.delete GET":              "L + + + + + + + + + +",
    "IncidentView.delete POST":             "L + + N N + + N N N N",
    "IncidentView.edit":                    "L + + F F F + F F F N",
    "IncidentView.file":                    "L + + N N + + N N N N",
    "IncidentView.list":                    "L + + + + + + + + + +",
    "IncidentView.monthly":                 "L + + + + + + + + + +",
    "IncidentView.show":                    "L + + N N + + N N N N",

    "IncomingApi.assign":                   "U + F F + F F F N F F",
    "IncomingApi.files":                    "U + + + + + F N N N F",
    "IncomingApi.get":                      "U + + + + + F N N N F",
    "IncomingApi.get_list":                 "U + + + + + F + + + F",
    "IncomingApi.info":                     "U + + + + + F + + + F",
    "IncomingApi.intake":                   "U + F + F F F + F F F",
    "IncomingApi.recheck":                  "U + F + F F F N F F F",
    "IncomingApi.refuse":                   "U + F + F F F N F F F",
    "IncomingApi.register":                 "U + F + F F F N F F F",

    "IncomingDoneLateView.action_post":     "N N N N N N N N N N N",
    "IncomingDoneLateView.file":            "L + + + + + F N N N F",
    "IncomingDoneLateView.list":            "L + + + + + F + + + F",
    "IncomingDoneLateView.preview":         "L + + + + + F N N N F",
    "IncomingDoneLateView.recheck":         "L + F + F F F N F F F",
    "IncomingDoneLateView.show":            "L + + + + + F N N N F",
    "IncomingDoneLateView.slip":            "L + + + + + F N N N F",
    "IncomingDoneLateView.slip_pdf":        "L + + + + + F N N N F",

    "IncomingDoneOnTimeView.action_post":   "N N N N N N N N N N N",
    "IncomingDoneOnTimeView.file":          "L + + + + + F N N N F",
    "IncomingDoneOnTimeView.list":          "L + + + + + F + + + F",
    "IncomingDoneOnTimeView.preview":       "L + + + + + F N N N F",
    "IncomingDoneOnTimeView.recheck":       "L + F + F F F N F F F",
    "IncomingDoneOnTimeView.show":          "L + + + + + F N N N F",
    "IncomingDoneOnTimeView.slip":          "L + + + + + F N N N F",
    "IncomingDoneOnTimeView.slip_pdf":      "L + + + + + F N N N F",

    "IncomingInProgressView.action_post":   "N N N N N N N N N N N",
    "IncomingInProgressView.file":          "L + + + + + F N N N F",
    "IncomingInProgressView.list":          "L + + + + + F + + + F",
    "IncomingInProgressView.preview":       "L + + + + + F N N N F",
    "IncomingInProgressView.recheck":       "L + F + F F F N F F F",
    "IncomingInProgressView.show":          "L + + + + + F N N N F",
    "IncomingInProgressView.slip":          "L + + + + + F N N N F",
    "IncomingInProgressView.slip_pdf":      "L + + + + + F N N N F",

    "IncomingInboxView.action_post":        "N N N N N N N N N N N",
    "IncomingInboxView.file":               "L + + + + N F N N N F",
    "IncomingInboxView.list":               "L + + + + + F + + + F",
    "IncomingInboxView.preview":            "L + + + + N F N N N F",
    "IncomingInboxView.recheck":            "L + F + F F F N F F F",
    "IncomingInboxView.show":               "L + + + + N F N N N F",
    "IncomingInboxView.slip":               "L + + + + N F N N N F",
    "IncomingInboxView.slip_pdf":           "L + + + + N F N N N F",

    "IncomingNearDueView.action_post":      "N N N N N N N N N N N",
    "IncomingNearDueView.file":             "L + + + + + F N N N F",
    "IncomingNearDueView.list":             "L + + + + + F + + + F",
    "IncomingNearDueView.preview":          "L + + + + + F N N N F",
    "IncomingNearDueView.recheck":          "L + F + F F F N F F F",
    "IncomingNearDueView.show":             "L + + + + + F N N N F",
    "IncomingNearDueView.slip":             "L + + + + + F N N N F",
    "IncomingNearDueView.slip_pdf":         "L + + + + + F N N N F",

    "IncomingOverdueView.action_post":      "N N N N N N N N N N N",
    "IncomingOverdueView.file":             "L + + + + + F N N N F",
    "IncomingOverdueView.list":             "L + + + + + F + + + F",
    "IncomingOverdueView.preview":          "L + + + + + F N N N F",
    "IncomingOverdueView.recheck":          "L + F + F F F N F F F",
    "IncomingOverdueView.show":             "L + + + + + F N N N F",
    "IncomingOverdueView.slip":             "L + + + + + F N N N F",
    "IncomingOverdueView.slip_pdf":         "L + + + + + F N N N F",

    "IncomingToAssignView.action_post":     "N N N N N N N N N N N",
    "IncomingToAssignView.file":            "L + + + + N F N N N F",
    "IncomingToAssignView.list":            "L + + + + + F + + + F",
    "IncomingToAssignView.preview":         "L + + + + N F N N N F",
    "IncomingToAssignView.recheck":         "L + F + F F F N F F F",
    "IncomingToAssignView.show":            "L + + + + N F N N N F",
    "IncomingToAssignView.slip":            "L + + + + N F N N N F",
    "IncomingToAssignView.slip_pdf":        "L + + + + N F N N N F",

    "IncomingTodoView.action_post":         "N N N N N N N N N N N",
    "IncomingTodoView.file":                "L N N + N + F N N N F",
    "IncomingTodoView.list":                "L + + + + + F + + + F",
    "IncomingTodoView.preview":             "L N N + N + F N N N F",
    "IncomingTodoView.recheck":             "L N F + F F F N F F F",
    "IncomingTodoView.show":                "L N N + N + F N N N F",
    "IncomingTodoView.slip":                "L N N + N + F N N N F",
    "IncomingTodoView.slip_pdf":            "L N N + N + F N N N F",

    "IncomingView.action_post":             "N N N N N N N N N N N",
    "IncomingView.assign":                  "L + F F + F F F N F F",
    "IncomingView.cancel":                  "L + F + F F F N F F F",
    "IncomingView.complete":                "L + F + + + F N N N F",
    "IncomingView.file":                    "L + + + + + F N N N F",
    "IncomingView.intake":                  "L + F + F F F + F F F",
    "IncomingView.list":                    "L + + + + + F + + + F",
    "IncomingView.mark_read":               "L + F + + + F N N N F",
    "IncomingView.note":                    "L + F + + + F N N N F",
    "IncomingView.preview":                 "L + + + + + F N N N F",
    "IncomingView.recall_answer":           "L + F + F F F N F F F",
    "IncomingView.recheck":                 "L + F + F F F N F F F",
    "IncomingView.refuse":                  "L + F + F F F N F F F",
    "IncomingView.register":                "L + F + F F F N F F F",
    "IncomingView.show":                    "L + + + + + F N N N F",
    "IncomingView.slip":                    "L + + + + + F N N N F",
    "IncomingView.slip_pdf":                "L + + + + + F N N N F",
    "IncomingView.subassign":               "L + F F + F F F N F F",

    "IndexView.index":                      "+ + + + + + + + + + +",

    "JobView.action":                       "L + F F F F F F F F F",
    "JobView.action_post":                  "L + F F F F F F F F F",
    "JobView.list":                         "L + F F F F F F F F F",
    "JobView.show":                         "L + F F F F F F F F F",

    # A job the user asked for on a page: the owner's only (the official's here).
    "MyJobView.show":                       "L N N N N + N N N N N",
    "MyJobView.result":                     "L N N N N + N N N N N",

    "LocaleView.index":                     "+ + + + + + + + + + +",

    "MenuApi.get_menu_data":                "U + + + + + + + + + +",

    # The official's own lock is in the rows an official's filter reaches; the action then
    # refuses them for want of the permission (FAB's redirect to the sign-in page).
    "LoginLockView.action":                 "N + N N N L + N N N N",
    "LoginLockView.action_post":            "N + N N N L + N N N N",
    "LoginLockView.list":                   "L + F F F F + F F F +",
    "LoginLockView.show":                   "L + F F F F + F F F N",

    "NotificationView.action":              "N N N N N + N N N N N",
    "NotificationView.action_post":         "N N N N N + N N N N N",
    "NotificationView.list":                "L + + + + + + + + + +",
    # Marks the user's own notifications only: allowed to every signed-in user.
    "NotificationView.mark_all_read":       "L + + + + + + + + + +",
    "NotificationView.open":                "L + + + + + + + + + +",
    "NotificationView.show":                "L N N N N + N N N N N",

    "NumberSeriesView.action":              "N N N N N N N N N N N",
    "NumberSeriesView.action_post":         "N N N N N N N N N N N",
    "NumberSeriesView.add":                 "L + F + F F F + F F F",
    "NumberSeriesView.delete GET":          "L + F + F F F + F F F",
    "NumberSeriesView.delete POST":         "L + F + F F F N F F F",
    "NumberSeriesView.edit":                "L + F + F F F N F F F",
    "NumberSeriesView.list":                "L + F + F F F + F F F",
    "NumberSeriesView.show":                "L + F + F F F N F F F",

    "OpenApi.get":                          "U + F F F F F F F F F",

    "OutboxView.action":                    "L + F F F F F F F F F",
    "OutboxView.action_post":               "L + F F F F F F F F F",
    "OutboxView.list":                      "L + F F F F F F F F F",
    "OutboxView.show":                      "L + F F F F F F F F F",
    "OutgoingApi.draft":                    "U + F + + + F + + + F",
    "OutgoingApi.files":                    "U + + + + + F N N N F",
    "OutgoingApi.final":                    "U + F + F F F N F F F",
    "OutgoingApi.get":                      "U + + + + + F N N N F",
    "OutgoingApi.get_list":                 "U + + + + + F + + + F",
    "OutgoingApi.info":                     "U + + + + + F + + + F",
    "OutgoingApi.issue":                    "U + F + F F F N F F F",
    "OutgoingApi.number":                   "U + F + F F F N F F F",
    "OutgoingApi.recall":                   "U + F + F F F N F F F",
    "OutgoingApi.recheck":                  "U + F + F F F N F F F",
    "OutgoingApi.recipients":               "U + + + + + F N N N F",
    "OutgoingApi.return_draft":             "U + F + + + F N N N F",
    "OutgoingApi.route":                    "U + + + + + F N N N F",
    "OutgoingApi.sign":                     "U + F F + F F F N F F",
    "OutgoingApi.submit":                   "U + F + + + F N N N F",

    "OutgoingDraftsView.action_post":       "N N N N N N N N N N N",
    "OutgoingDraftsView.file":              "L + + + + + F N N N F",
    "OutgoingDraftsView.list":              "L + + + + + F + + + F",
    "OutgoingDraftsView.preview":           "L N N N N N F N N N F",
    "OutgoingDraftsView.recheck":           "L + F + F F F N F F F",
    "OutgoingDraftsView.show":              "L + + + + + F N N N F",

    "OutgoingIssuedView.action_post":       "N N N N N N N N N N N",
    "OutgoingIssuedView.file":              "L + + + + + F N N N F",
    "OutgoingIssuedView.list":              "L + + + + + F + + + F",
    "OutgoingIssuedView.preview":           "L + + + + + F N N N F",
    "OutgoingIssuedView.recheck":           "L + F + F F F N F F F",
    "OutgoingIssuedView.show":              "L + + + + + F N N N F",

    "OutgoingLateView.action_post":         "N N N N N N N N N N N",
    "OutgoingLateView.file":                "L + + + + + F N N N F",
    "OutgoingLateView.list":                "L + + + + + F + + + F",
    "OutgoingLateView.preview":             "L + + + + + F N N N F",
    "OutgoingLateView.recheck":             "L + F + F F F N F F F",
    "OutgoingLateView.show":                "L + + + + + F N N N F",

    "OutgoingRecalledView.action_post":     "N N N N N N N N N N N",
    "OutgoingRecalledView.file":            "L + + + + + F N N N F",
    "OutgoingRecalledView.list":            "L + + + + + F + + + F",
    "OutgoingRecalledView.preview":         "L + + + + + F N N N F",
    "OutgoingRecalledView.recheck":         "L + F + F F F N F F F",
    "OutgoingRecalledView.show":            "L + + + + + F N N N F",

    "OutgoingRefusedView.action_post":      "N N N N N N N N N N N",
    "OutgoingRefusedView.file":             "L + + + + + F N N N F",
    "OutgoingRefusedView.list":             "L + + + + + F + + + F",
    "OutgoingRefusedView.preview":          "L + + + + + F N N N F",
    "OutgoingRefusedView.recheck":          "L + F + F F F N F F F",
    "OutgoingRefusedView.show":             "L + + + + + F N N N F",

    "OutgoingReturnedToMeView.action_post": "N N N N N N N N N N N",
    "OutgoingReturnedToMeView.file":        "L N N N N + F N N N F",
    "OutgoingReturnedToMeView.list":        "L + + + + + F + + + F",
    "OutgoingReturnedToMeView.preview":     "L N N N N N F N N N F",
    "OutgoingReturnedToMeView.recheck":     "L N F N F F F N F F F",
    "OutgoingReturnedToMeView.show":        "L N N N N + F N N N F",

    "OutgoingToIssueView.action_post":      "N N N N N N N N N N N",
    "OutgoingToIssueView.file":             "L + + + + + F N N N F",
    "OutgoingToIssueView.list":             "L + + + + + F + + + F",
    "OutgoingToIssueView.preview":          "L + + + + + F N N N F",
    "OutgoingToIssueView.recheck":          "L + F + F F F N F F F",
    "OutgoingToIssueView.show":             "L + + + + + F N N N F",

    "OutgoingToNumberView.action_post":     "N N N N N N N N N N N",
    "OutgoingToNumberView.file":            "L + + + + + F N N N F",
    "OutgoingToNumberView.list":            "L + + + + + F + + + F",
    "OutgoingToNumberView.preview":         "L N N N N N F N N N F",
    "OutgoingToNumberView.recheck":         "L + F + F F F N F F F",
    "OutgoingToNumberView.show":            "L + + + + + F N N N F",

    "OutgoingView.action_post":             "N N N N N N N N N N N",
    "OutgoingView.cancel_number":           "L + F + F F F N F F F",
    "OutgoingView.draft":                   "L + F + + + F + + + F",
    "OutgoingView.file":                    "L + + + + + F N N N F",
    "OutgoingView.final":                   "L + F + F F F N F F F",
    "OutgoingView.issue":                   "L + F + F F F N F F F",
    "OutgoingView.list":                    "L + + + + + F + + + F",
    "OutgoingView.number":                  "L + F + F F F N F F F",
    "OutgoingView.preview":                 "L N N N N N F N N N F",
    "OutgoingView.recall":                  "L + F + F F F N F F F",
    "OutgoingView.recheck":                 "L + F + F F F N F F F",
    "OutgoingView.recipients":              "L + F + + + F N N N F",
    "OutgoingView.return_draft":            "L + F + + + F N N N F",
    "OutgoingView.show":                    "L + + + + + F N N N F",
    "OutgoingView.sign":                    "L + F F + F F F N F F",
    "OutgoingView.submit":                  "L + F + + + F N N N F",
    "OutgoingView.version":                 "L + F + + + F N N N F",

    "OutgoingWaitingForMeView.action_post": "N N N N N N N N N N N",
    "OutgoingWaitingForMeView.file":        "L N N N + N F N N N F",
    "OutgoingWaitingForMeView.list":        "L + + + + + F + + + F",
    "OutgoingWaitingForMeView.preview":     "L N N N N N F N N N F",
    "OutgoingWaitingForMeView.recheck":     "L N F N F F F N F F F",
    "OutgoingWaitingForMeView.show":        "L N N N + N F N N N F",

    "AppPermissionModelView.action":        "N N N N N N N N N N N",
    "AppPermissionModelView.action_post":   "N N N N N N N N N N N",
    "AppPermissionModelView.add":           "L F F F F F F F F F F",
    "AppPermissionModelView.delete":        "L F F F F F F F F F F",
    "AppPermissionModelView.edit":          "L F F F F F F F F F F",
    "AppPermissionModelView.list":          "L + F F F F F F F F F",
    "AppPermissionModelView.show":          "L F F F F F F F F F F",

    "PermissionViewModelView.action":       "N N N N N N N N N N N",
    "PermissionViewModelView.action_post":  "N N N N N N N N N N N",
    "PermissionViewModelView.add":          "L F F F F F F F F F F",
    "PermissionViewModelView.delete":       "L F F F F F F F F F F",
    "PermissionViewModelView.edit":         "L F F F F F F F F F F",
    "PermissionViewModelView.list":         "L + F F F F F F F F F",
    "PermissionViewModelView.show":         "L F F F F F F F F F F",

    "PeerView.action":                      "N N N N N N N N N N N",
    "PeerView.action_post":                 "N N N N N N N N N N N",
    "PeerView.add":                         "L + F F F F F F F F F",
    "PeerView.delete":                      "L + F F F F F F F F F",
    "PeerView.edit":                        "L + F F F F F F F F F",
    "PeerView.list":                        "L + F F F F F F F F F",
    "PeerView.show":                        "L + F F F F F F F F F",
    "PrefillView.prefill":                  "L + F + F F F + F F F",
    "PrefillView.prefill_state":            "L N F + F F F N F F F",
    "QuarantineView.decide":                "L + + F F F F F F F F",
    "QuarantineView.list":                  "L + + F F F F F F F F",
    "QuarantineView.show":                  "L + + F F F F F F F F",
    "ReaderGrantView.action":               "N N N N N N N N N N N",
    "ReaderGrantView.action_post":          "N N N N N N N N N N N",
    "ReaderGrantView.add":                  "L + F F + F F F + F F",
    "ReaderGrantView.delete GET":           "L + F F + F F F + F F",
    "ReaderGrantView.delete POST":          "L + F F + F F F N F F",
    "ReaderGrantView.list":                 "L + F F + F F F + F F",
    "ReaderGrantView.show":                 "L + F F + F F F N F F",

    "RegisterColumnView.action":            "N N N N N N N N N N N",
    "RegisterColumnView.action_post":       "N N N N N N N N N N N",
    "RegisterColumnView.add":               "L + F F F F F F F F F",
    "RegisterColumnView.delete":            "L + F F F F F F F F F",
    "RegisterColumnView.edit":              "L + F F F F F F F F F",
    "RegisterColumnView.list":              "L + F F F F F F F F F",
    "RegisterColumnView.show":              "L + F F F F F F F F F",

    "RegisterView.bundle":                  "L + + + + F F N N F F",
    "RegisterView.download":                "L + + + + F F N N F F",
    "RegisterView.index":                   "L + + + + F F + + F F",

    "RejectionView.list":                   "L + + + + F F + + F F",
    "RejectionView.show":                   "L + + + + F F N N F F",

    "ReportView.index":                     "L + + + + F F + + F F",
    "ReportView.show":                      "L + + + + F F N N F F",

    "ResetMyPasswordView.this_form_get":    "L + + + + + + + + + +",
    "ResetMyPasswordView.this_form_post":   "L + + + + + + + + + +",

    # Without the account to reset (?pk=), the form names no one: not found, even for the admin.
    "AppResetPasswordView.this_form_get":   "L N F F F F F F F F F",
    "AppResetPasswordView.this_form_post":  "L N F F F F F F F F F",

    "SearchApi.query":                      "U + + + + + F + + + F",

    "SearchView.delete_saved":              "L N N N N + F N N N F",
    "SearchView.export":                    "L + + + + + F + + + F",
    "SearchView.index":                     "L + + + + + F + + + F",
    "SearchView.save":                      "L + + + + + F + + + F",

    "AppSecurityApi.login":                 "+ + + + + + + + + + +",
    "AppSecurityApi.refresh":               "U U U U U U U U U U U",

    "SwaggerView.show":                     "L + F F F F F F F F F",

    "TermView.action":                      "N N N N N N N N N N N",
    "TermView.action_post":                 "N N N N N N N N N N N",
    "TermView.add":                         "L + F F F F F F F F F",
    "TermView.delete":                      "L + F F F F F F F F F",
    "TermView.edit":                        "L + F F F F F F F F F",
    "TermView.list":                        "L + + + + + + + + + +",
    "TermView.show":                        "L + + + + + + + + + +",

    "TrustAnchorView.disable":              "L + F F F F F F F F F",
    "TrustAnchorView.list":                 "L + F F F F F F F F F",
    "TrustAnchorView.show":                 "L + F F F F F F F F F",
    "TrustAnchorView.upload":               "L + F F F F F F F F F",

    # An account the user may not manage is not found (404) before the permission is asked:
    # the official's own account is one they "may manage", then refused the action (403).
    "UnitAccountView.action":               "N + N N N F + N N N N",
    "UnitAccountView.action_post":          "N + N N N F + N N N N",
    "UnitAccountView.add":                  "L + F F F F + F F F +",
    "UnitAccountView.delete GET":           "L + F F F F + F F F N",
    "UnitAccountView.delete POST":          "L + F F F F + F F F N",
    "UnitAccountView.edit":                 "L + F F F F + F F F N",
    "UnitAccountView.list":                 "L + F F F F + F F F +",
    "UnitAccountView.reset_password":       "L + F F F F + F F F N",
    "UnitAccountView.show":                 "L + F F F F + F F F N",

    "UnitApi.delete":                       "U + F F F F F F F F F",
    "UnitApi.get":                          "U + + + + + + + + + +",
    "UnitApi.get_list":                     "U + + + + + + + + + +",
    "UnitApi.info":                         "U + + + + + + + + + +",
    "UnitApi.post":                         "U + F F F F F F F F F",
    "UnitApi.put":                          "U + F F F F F F F F F",

    "UnitView.action":                      "N N N N N N N N N N N",
    "UnitView.action_post":                 "N N N N N N N N N N N",
    "UnitView.add":                         "L + F F F F F F F F F",
    "UnitView.delete":                      "L + F F F F F F F F F",
    "UnitView.edit":                        "L + F F F F F F F F F",
    "UnitView.list":                        "L + + + + + + + + + +",
    "UnitView.show":                        "L + + + + + + + + + +",

    "UsageView.index":                      "L + + F F F F F F F F",

    "UserGroupModelView.action":            "N N N N N N N N N N N",
    "UserGroupModelView.action_post":       "N N N N N N N N N N N",
    "UserGroupModelView.add":               "L + F F F F F F F F F",
    "UserGroupModelView.delete":            "L + F F F F F F F F F",
    "UserGroupModelView.edit":              "L + F F F F F F F F F",
    "UserGroupModelView.list":              "L + F F F F F F F F F",
    "UserGroupModelView.show":              "L + F F F F F F F F F",

    "UserInfoEditView.this_form_get":       "L + + + + + + + + + +",
    "UserInfoEditView.this_form_post":      "L + + + + + + + + + +",

    "UtilView.back":                        "+ + + + + + + + + + +",

    "AppViewMenuModelView.action":          "N N N N N N N N N N N",
    "AppViewMenuModelView.action_post":     "N N N N N N N N N N N",
    "AppViewMenuModelView.add":             "L F F F F F F F F F F",
    "AppViewMenuModelView.delete":          "L F F F F F F F F F F",
    "AppViewMenuModelView.edit":            "L F F F F F F F F F F",
    "AppViewMenuModelView.list":            "L + F F F F F F F F F",
    "AppViewMenuModelView.show":            "L F F F F F F F F F F",

    # Hồ sơ công việc. The plan is the agency's: every member reads it; only its unit's clerks
    # and heads prepare it (403 to another unit's), only its heads approve it. A work file is
    # its owner's (the official) and the unit's heads'; the clerk and another unit's users do
    # not find it. Transfers: the unit's clerk and head; the archive role checks (here the
    # system admin, who holds it: the empty form names no line).
    "FilePlanView.approve":                 "L + F F + F F F F F F",
    "FilePlanView.copy":                    "L + F + + F F F F F F",
    "FilePlanView.create":                  "L + F + + F F + + F F",
    "FilePlanView.delete_entry":            "L + F + + F F F F F F",
    "FilePlanView.delete_heading":          "L + F + + F F F F F F",
    "FilePlanView.download":                "L + + + + + F + + + F",
    "FilePlanView.edit_entry":              "L + F + + F F F F F F",
    "FilePlanView.edit_heading":            "L + F + + F F F F F F",
    "FilePlanView.entry":                   "L + F + + F F F F F F",
    "FilePlanView.heading":                 "L + F + + F F F F F F",
    "FilePlanView.index":                   "L + + + + + F + + + F",
    "FilePlanView.show":                    "L + + + + + F + + + F",
    "RetentionView.add":                    "L + F F F F F F F F F",
    "RetentionView.delete":                 "L + F F F F F F F F F",
    "RetentionView.index":                  "L + + + + + F + + + F",
    "TransferView.check":                   "L N F F F F F F F F F",
    "TransferView.create":                  "L + F + + F F + + F F",
    "TransferView.download":                "L + + + + F F N N F F",
    "TransferView.index":                   "L + + + + F F + + F F",
    "TransferView.show":                    "L + + + + F F N N F F",
    "WorkFileView.add":                     "L + F N + + F N N N F",
    "WorkFileView.close":                   "L + F N + + F N N N F",
    "WorkFileView.delete":                  "L + F N + + F N N N F",
    "WorkFileView.download":                "L + + N + + F N N N F",
    "WorkFileView.file_document":           "L + F + + + F N N N F",
    "WorkFileView.due":                     "L + + + + + F + + + F",
    "WorkFileView.edit":                    "L + F N + + F N N N F",
    "WorkFileView.event":                   "L + F N + + F N N N F",
    "WorkFileView.index":                   "L + + + + + F + + + F",
    "WorkFileView.keep_back":               "L + F N + + F N N N F",
    "WorkFileView.leave_out":               "L + F N N N F N N N F",
    "WorkFileView.open":                    "L + F + + + F + + + F",
    "WorkFileView.remove":                  "L + F N N N F N N N F",
    "WorkFileView.reopen":                  "L + F F F F F F F F F",
    "WorkFileView.show":                    "L + + N + + F N N N F",
    "WorkFileView.upload":                  "L + F N + + F N N N F",

    # Liên thông: a peer signs its request (HMAC headers); no session reaches it.
    "exchange_api.edoc":                    "U U U U U U U U U U U",
    "exchange_api.get_edoc":                "U U U U U U U U U U U",
    "exchange_api.received":                "U U U U U U U U U U U",
    "exchange_api.status":                  "U U U U U U U U U U U",
    "exchange_api.update_status":           "U U U U U U U U U U U",
}

# The unit IT officer's routes that change an account: each is also sent against the
# accounts above theirs (``HIGHER_TARGETS``) with a form that would succeed.
HIGHER = ("UnitAccountView.action", "UnitAccountView.action_post",
          "UnitAccountView.delete", "UnitAccountView.edit", "UnitAccountView.reset_password")
NEW_PASSWORD = "Moi@2026matkhau!"


def account_form(endpoint, pk, objects):
    """A form of the unit account screens that would change the account ``pk``."""
    if endpoint == "UnitAccountView.reset_password":
        return {"password": NEW_PASSWORD, "conf_password": NEW_PASSWORD}
    if endpoint == "UnitAccountView.edit":  # a clerk, locked out (active unchecked)
        return {"first_name": "Đổi", "last_name": "Tên", "email": f"doi.{pk}@test.local",
                "position": "Văn thư", "phone": "", "kind": "person",
                "roles": str(objects["role"])}
    return {}


def _codes(line):
    cells = line.split()
    assert len(cells) == len(COLUMNS), line
    return dict(zip(COLUMNS, cells, strict=True))


# -- the world --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def matrix_app(database, tmp_path_factory):
    """One app for the whole matrix (its sign-in limits raised: it signs in every role
    twice, and again after a route that signs its user out)."""
    tmp = tmp_path_factory.mktemp("matrix")
    with fresh_app(database, tmp, LOGIN_RATE_LIMIT="1000 per minute",
                   LOGIN_RATE_LIMIT_PER_ADDRESS="1000 per minute") as app:
        yield app


# A refusal is recorded in the audit trail (e.g. ``account_action_refused``): events
# appended there are the record of the request, not a change it made.
TRAIL = {"audit_event", "audit_chain_head"}


class Snapshot:
    """Every row of every table (but Alembic's); compared and put back between cells."""

    def __init__(self, app):
        from app.extensions import db

        self.app = app
        self.tables = [t for t in db.metadata.sorted_tables if t.name != "alembic_version"]
        self.rows = self.take()
        self.digest = self.hash(self.rows)

    def take(self):
        from app.extensions import db

        with self.app.app_context():
            with db.engine.connect() as conn:
                return {t.name: _rows(conn, t) for t in self.tables}

    @staticmethod
    def hash(rows):
        return hashlib.sha256(repr(sorted(rows.items())).encode()).hexdigest()

    def changed(self):
        """The tables whose rows differ from the snapshot (none: unchanged)."""
        now = self.take()
        if self.hash(now) == self.digest:
            return []
        return [name for name in now if now[name] != self.rows[name]]


    def restore(self):
        from app.extensions import db
        from tests.conftest import _delete_all

        with self.app.app_context():
            with db.engine.begin() as conn:
                _delete_all(conn, self.tables)
                for t in self.tables:
                    if self.rows[t.name]:
                        conn.execute(t.insert(), self.rows[t.name])
            db.session.remove()


@pytest.fixture(scope="module")
def matrix(matrix_app, database):
    from tests.conftest import World, _make_world

    app = matrix_app
    world = World(app)
    world.ids.update(replay(database, app, "world", lambda: _make_world(app)))
    objects, users = replay(database, app, "access matrix: objects",
                            lambda: access_world.build(app, world))
    world.ids.update(users)
    return app, world, objects


class Clients:
    """A signed-in screen client and API headers per column, remade on demand."""

    def __init__(self, app):
        self.app = app
        self.screen, self.headers = {}, {}
        self.api = app.test_client()

    def get(self, column, api):
        user = USERS.get(column, column)
        if api:
            if user not in self.headers:
                self.headers[user] = api_token(self.api, user) if user else {}
            return self.api, self.headers[user]
        if user not in self.screen:
            self.screen[user] = client_for(self.app, user, PASSWORD) if user else \
                self.app.test_client()
        return self.screen[user], {}

    def forget(self, column):
        self.screen.pop(USERS.get(column, column), None)


# -- the run ----------------------------------------------------------------------------

# Routes after which their user is signed out (signed in again for the next route).
SIGNS_OUT = {"AppAuthDBView.logout", "AccountView.report_compromise"}


def routes(app):
    """(endpoint, rule, methods) of every route but the skipped ones, in a stable order;
    the routes that sign their user out come last."""
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED:
            continue
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        out.append((rule.endpoint, rule, methods))
    return sorted(out, key=lambda r: (r[0] in SIGNS_OUT, r[0], r[1].rule))


def actions_of(app):
    """The first action of each view that has some (what /action/<name>/<pk> and
    action_post are called with)."""
    return {type(v).__name__: sorted(v.actions)[0]
            for v in app.appbuilder.baseviews if getattr(v, "actions", None)}


def classify(resp):
    code = resp.status_code
    if code >= 500:
        return str(code)
    if code in (301, 302, 303, 307) and "/login/" in resp.headers.get("Location", ""):
        return "L"
    return {401: "U", 403: "F", 404: "N"}.get(code, "+")


def form_for(endpoint, pk, action, objects):
    """What a POST carries: empty, but for the action routes (the action and the row) and
    the account screens (a form that would succeed)."""
    if endpoint.endswith(".action_post"):
        return {"action": action, "rowid": str(pk)}
    return account_form(endpoint, pk, objects)


def send(client, headers, method, path, data, api):
    kwargs = {"headers": headers}
    if method in ("POST", "PUT"):
        kwargs["json" if api else "data"] = data
    return client.open(path, method=method, **kwargs)


class Run:
    def __init__(self, app, world, objects, expected):
        self.app, self.world, self.objects = app, world, objects
        self.expected = expected
        self.clients = Clients(app)
        self.actions = actions_of(app)
        self.failures, self.observed = [], {}
        self.cells = self.requests = self.higher = 0
        self.snapshot = Snapshot(app)

    def url(self, rule, pk=None):
        with self.app.test_request_context():
            from flask import url_for

            return url_for(rule.endpoint, **access_world.url_args(
                rule, self.objects, self.actions, pk),
                **access_world.query_args(rule.endpoint, self.objects))

    def ensure_clients(self, api):
        """Sign in every column's user before a route (a new sign-in is a change)."""
        before = (len(self.clients.screen), len(self.clients.headers))
        for column in COLUMNS:
            self.clients.get(column, api)
        if (len(self.clients.screen), len(self.clients.headers)) != before:
            self.snapshot = Snapshot(self.app)

    def roll_back(self, label):
        changed = self.snapshot.changed()
        if changed:
            self.snapshot.restore()
        return [name for name in changed if name not in TRAIL]

    def cell(self, endpoint, rule, method, column, api, path, pk=None):
        client, headers = self.clients.get(column, api)
        if pk is None:
            pk, _file_id = access_world.object_of(endpoint, self.objects)
        data = form_for(endpoint, pk, self.actions.get(endpoint.rpartition(".")[0], "none"),
                        self.objects)
        self.requests += 1
        try:
            resp = send(client, headers, method, path, data, api)
        except Exception as error:  # noqa: BLE001 - a crash is a failure of the cell
            self.failures.append(f"{endpoint} {method} {path} as {column}: raised "
                                 f"{type(error).__name__}: {str(error)[:200]}")
            return "500"
        got = classify(resp)
        if got == "L" and endpoint in SIGNS_OUT and column != "anon":
            got = "+"  # signed out by the route itself (the account locked)
        if got.isdigit():
            self.failures.append(f"{endpoint} {method} {path} as {column}: {got}")
        return got

    def route(self, endpoint, rule, methods):
        api = rule.rule.startswith("/api/")
        path = self.url(rule)
        for method in methods:
            expected = self.expected.get(f"{endpoint} {method}", self.expected.get(endpoint))
            self.ensure_clients(api)
            cells = _codes(expected) if expected else {c: "?" for c in COLUMNS}
            denied = [c for c in COLUMNS if cells[c] not in "+?"]
            allowed = [c for c in COLUMNS if cells[c] in "+?"]
            got = {}
            for column in denied:
                got[column] = self.cell(endpoint, rule, method, column, api, path)
            changed = self.roll_back(endpoint)
            if changed:
                self.failures.append(f"{endpoint} {method}: a refused request changed "
                                     f"{', '.join(changed)}")
            for column in allowed:
                got[column] = self.cell(endpoint, rule, method, column, api, path)
                if method != "GET" or endpoint in SIGNS_OUT:
                    self.roll_back(endpoint)
                if endpoint in SIGNS_OUT and column != "anon":
                    self.clients.forget(column)
                    self.ensure_clients(api)
            self.roll_back(endpoint)
            self.cells += len(COLUMNS)
            self.observed[(endpoint, method)] = got
            for column in COLUMNS:
                want = cells[column]
                if want != "?" and got[column] != want and not got[column].isdigit():
                    self.failures.append(f"{endpoint} {method} {path} as {column} "
                                         f"({USERS[column] or 'anonymous'}): got "
                                         f"{got[column]}, expected {want}")
            if endpoint in HIGHER and method != "GET":
                self.higher_accounts(endpoint, rule, method)

    def higher_accounts(self, endpoint, rule, method):
        """The unit IT officer against the admin's and the office's accounts: a form that
        would succeed must change nothing."""
        for target in HIGHER_TARGETS:
            pk = self.world.ids[target]
            path = self.url(rule, pk)
            got = self.cell(endpoint, rule, method, "unitadmin", False, path, pk=pk)
            self.higher += 1
            changed = self.roll_back(endpoint)
            if changed and not got.isdigit():
                self.failures.append(
                    f"{endpoint} {method} {path}: the unit IT officer changed the account "
                    f"{target} ({', '.join(changed)}; answer {got})")
            self.clients.forget("unitadmin")
            self.ensure_clients(False)


def test_every_route_has_an_entry(matrix_app):
    entries = {(endpoint, method) for endpoint, _rule, methods in routes(matrix_app)
               for method in methods}
    missing = sorted(f"{endpoint} {method}" for endpoint, method in entries
                     if endpoint not in MATRIX and f"{endpoint} {method}" not in MATRIX)
    known = {e for e, _m in entries} | {f"{e} {m}" for e, m in entries}
    stale = sorted(set(MATRIX) - known)
    assert not missing, ("routes without a line in tests/test_access_matrix.py MATRIX: "
                         + ", ".join(missing))
    assert not stale, "MATRIX lines of routes that no longer exist: " + ", ".join(stale)
    for line in MATRIX.values():
        _codes(line)


def test_access_matrix(matrix, capsys):
    import os

    app, world, objects = matrix
    run = Run(app, world, objects, MATRIX)
    only = os.environ.get("MATRIX_ONLY", "")  # while working on a screen: its endpoints
    for endpoint, rule, methods in routes(app):
        if endpoint.startswith(only):
            run.route(endpoint, rule, methods)
    record = os.environ.get("MATRIX_RECORD")  # a file to write the answers seen to
    if record:
        _write_observed(record, run.observed)
    endpoints = len({e for e, _m in run.observed})
    with capsys.disabled():
        print(f"\naccess matrix: {endpoints} routes ({len(run.observed)} route × method) × "
              f"{len(COLUMNS)} roles = {run.cells} cells, {run.higher} higher-account checks, "
              f"{run.requests} requests")
    assert not run.failures, f"{len(run.failures)} wrong cells:\n" + "\n".join(run.failures)


def _write_observed(path, observed):
    by_endpoint = {}
    for (endpoint, method), got in observed.items():
        by_endpoint.setdefault(endpoint, {})[method] = " ".join(got[c] for c in COLUMNS)
    with open(path, "w") as fh:
        for endpoint in sorted(by_endpoint):
            lines = by_endpoint[endpoint]
            if len(set(lines.values())) == 1:
                fh.write(f"{endpoint}\t{next(iter(lines.values()))}\n")
            else:
                for method, line in sorted(lines.items()):
                    fh.write(f"{endpoint} {method}\t{line}\n")
