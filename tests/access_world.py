"""The objects the access matrix (tests/test_access_matrix.py) reaches its routes with: one
of each kind in the unit VPHU, made through the real services (documents in every state
of every list, files, an incident with a file, a notification, a saved search, a reader
grant, a rejection, a number series, a register column, a trust root and the background
job it queued, a calendar day …),
and how a route's URL is filled in with them."""

import io
from datetime import date, timedelta

# Which incoming / outgoing document (by state, see the scope tests) each screen shows.
INCOMING_KIND = {
    "IncomingView": "work", "IncomingInboxView": "pending", "IncomingToAssignView": "reg",
    "IncomingInProgressView": "work", "IncomingNearDueView": "work",
    "IncomingOverdueView": "overdue", "IncomingDoneOnTimeView": "done",
    "IncomingDoneLateView": "late", "IncomingTodoView": "work",
}
INCOMING_STEP_KIND = {
    "register": "pending", "refuse": "pending", "cancel": "reg", "assign": "reg",
}
OUTGOING_KIND = {
    "OutgoingView": "draft", "OutgoingDraftsView": "draft",
    "OutgoingWaitingForMeView": "review", "OutgoingReturnedToMeView": "returned",
    "OutgoingToNumberView": "signed", "OutgoingToIssueView": "numbered",
    "OutgoingIssuedView": "issued", "OutgoingLateView": "late",
    "OutgoingRefusedView": "refused", "OutgoingRecalledView": "recalled",
}
OUTGOING_STEP_KIND = {
    "version": "draft", "recipients": "draft", "submit": "draft", "return_draft": "review",
    "sign": "review", "number": "signed", "cancel_number": "numbered", "final": "numbered",
    "issue": "numbered", "recall": "issued",
}
# The object of the other model screens and APIs, by view class.
MODEL_OBJECT = {
    "AppRoleModelView": "role", "AppUserDBModelView": "user", "UnitAccountView": "user",
    "AuditEventView": "audit", "CalendarDayView": "calendar_day",
    "DocumentTypeView": "document_type", "IncidentView": "incident", "IncidentApi": "incident",
    "JobView": "job", "MyJobView": "my_job", "PeerView": "peer", "QuarantineView": "quarantine",
    "OutboxView": "outbox",
    "NotificationView": "notification", "NumberSeriesView": "series",
    "AppPermissionModelView": "permission", "LoginLockView": "login_lock",
    "PermissionViewModelView": "permission_view",
    "ReaderGrantView": "reader_grant", "RegisterColumnView": "register_column",
    "RejectionView": "rejection", "TermView": "term", "TrustAnchorView": "anchor",
    "UnitView": "unit", "UnitApi": "unit", "UserGroupModelView": "group",
    "AppViewMenuModelView": "view_menu",
    "WorkFileView": "work_file", "FilePlanView": "file_plan", "RetentionView": "retention_rule",
    "TransferView": "transfer",
}
# The user whose notification and saved search the matrix reaches (the others' are not
# theirs: refused as not found).
OWNER = "chuyenvien.vphu"


def build(app, world):
    """Make every object; returns their ids (``objects[kind]``) and the users made."""
    from tests.incoming.conftest import IncomingKit
    from tests.incoming.test_scope import KINDS
    from tests.incoming.test_scope import _add_documents as add_incoming
    from tests.outgoing.test_lifecycle import OutgoingKit
    from tests.outgoing.test_scope import BASIC, EXTRA
    from tests.outgoing.test_scope import _add_documents as add_outgoing

    incoming = IncomingKit(app, world)
    kit = OutgoingKit(app, world)  # the host unit's staff, a third unit, a term
    objects = {"incoming": {}, "outgoing": {}}
    add_incoming(app, world, incoming, objects["incoming"], "vphu", KINDS)
    add_outgoing(kit, objects["outgoing"], "vphu", BASIC + EXTRA)
    objects.update(_others(app, world, incoming))
    objects.update(_records(app, world))
    users = {k: v for k, v in world.ids.items() if "." in k}
    return objects, users


def _others(app, world, incoming):
    from flask_appbuilder.security.sqla.models import Group, Permission, PermissionView, ViewMenu
    from sqlalchemy import select

    from app.core import storage
    from app.core.audit import AuditEvent
    from app.core.calendar import CalendarDay
    from app.core.timeutil import utcnow
    from app.exchange.models import ExchangeMessage, ExchangePeer
    from app.extensions import db
    from app.incidents import services as incidents
    from app.incoming import services as inc
    from app.incoming.models import IncomingDocument, ReaderGrant, Rejection
    from app.jobs import runner
    from app.jobs.models import Job
    from app.notifications.models import Notification
    from app.ocr import quarantine
    from app.ocr import services as ocr_services
    from app.outgoing.models import NumberSeries
    from app.reference.models import Term
    from app.registers.models import RegisterColumn
    from app.search import services as search
    from app.security import permissions as P
    from app.security.models import LoginGuard
    from app.trust import services as trust
    from app.trust.models import TrustAnchor
    from tests import pdfs, pki

    refused = incoming.deliver(to="vphu", sender="btchu", symbol="46-BC/BTCHU",
                               text="Văn bản bị từ chối")
    out = {}
    with app.test_request_context():
        s = db.session
        owner = world.user(OWNER)
        sm = app.appbuilder.sm
        inc.refuse(s, s.get(IncomingDocument, refused), world.user("vanthu.vphu"),
                   "Không thuộc thẩm quyền")
        # A document withheld for a secrecy marking (of no document the matrix reaches),
        # and the intake form's pre-fill job of VPHU's clerk.
        scanned = storage.store(io.BytesIO(pdfs.clean_pdf("Bản quét")), "bản quét.pdf")
        withheld = quarantine.hold(s, "in", 10**6, world.ids["vphu"], "Văn bản tạm giữ",
                                   "MẬT", scanned.sha256, [scanned.sha256])
        prefill = runner.enqueue(s, ocr_services.PREFILL_JOB, {
            "sha256": scanned.sha256, "user_id": world.ids["vanthu.vphu"]})
        incident = incidents.open_incident(
            s, owner, "software_error", "Lỗi in sổ", "Không in được",
            storage.store(io.BytesIO(pdfs.clean_pdf("Ảnh lỗi")), "lỗi.pdf"))
        saved = search.save_search(s, owner, "Của tôi", "hội nghị", search.Filters())
        s.add(ReaderGrant(unit_id=world.ids["vphu"], user_id=world.ids["vanthu.vphu"],
                          granted_by_id=world.ids["lanhdao.vphu"]))
        s.add(NumberSeries(unit_id=world.ids["vphu"], document_type_id=incoming.type_id,
                           scope="term"))
        s.add(RegisterColumn(kind="incoming", key="notes", label="Ghi chú", position=9))
        s.add(CalendarDay(day=date(2026, 9, 2), kind="holiday", name="Quốc khánh"))
        s.add(Group(name="Nhóm thử", label="Nhóm thử"))
        s.add(ExchangePeer(name="tinh-uy", base_url="http://127.0.0.1:9",
                           organ_ids="000.00.00.H31", secret="s" * 32, active=True))
        s.add(ExchangeMessage(direction="out", kind="document", document_id="x",
                              from_organ="000.00.01.H31", to_organ="000.01.10.A47",
                              sha256="0" * 64, state="pending", package=b"<edXML/>"))
        # A sign-in lock of the owner's account from an address no test client uses.
        s.add(LoginGuard(user_id=owner.id, address="203.0.113.5", failures=5, level=1,
                         last_failure_at=utcnow(),
                         locked_until=utcnow() + timedelta(days=3650)))
        result = storage.store(io.BytesIO(b"PK\x03\x04 ket qua"), "kết quả.zip")
        s.add(Job(kind="registers.year_bundle", arguments={}, state="done", attempts=1,
                  created_at=utcnow(), user_id=owner.id, result_sha256=result.sha256,
                  result_name="kết quả.zip", result_mime="application/zip"))
        s.commit()
        trust.add_anchor(s, None, pki.pki().root_pem())
        s.commit()
        out.update(
            incident=incident.id, saved_search=saved.id,
            notification=s.scalars(select(Notification.id).where(
                Notification.user_id == owner.id).order_by(Notification.id)).first(),
            rejection=s.scalars(select(Rejection.id)).first(),
            reader_grant=s.scalars(select(ReaderGrant.id)).first(),
            series=s.scalars(select(NumberSeries.id)).first(),
            register_column=s.scalars(select(RegisterColumn.id)).first(),
            calendar_day=s.scalars(select(CalendarDay.id)).first(),
            term=s.scalars(select(Term.id)).first(),
            document_type=incoming.type_id,
            anchor=s.scalars(select(TrustAnchor.id)).first(),
            job=s.scalars(select(Job.id).where(Job.user_id.is_(None))).first(),  # the
            # re-verification the root queued
            my_job=s.scalars(select(Job.id).where(Job.user_id == owner.id)).first(),
            quarantine=withheld.id, prefill_job=prefill.id,
            peer=s.scalars(select(ExchangePeer.id)).first(),
            outbox=s.scalars(select(ExchangeMessage.id)).first(),
            audit=s.scalars(select(AuditEvent.id)).first(),
            group=s.scalars(select(Group.id)).first(),
            login_lock=s.scalars(select(LoginGuard.id)).first(),
            role=sm.find_role(P.ROLE_CLERK).id,
            permission=s.scalars(select(Permission.id).order_by(Permission.id)).first(),
            view_menu=s.scalars(select(ViewMenu.id).order_by(ViewMenu.id)).first(),
            permission_view=s.scalars(select(PermissionView.id)
                                      .order_by(PermissionView.id)).first(),
            unit=world.ids["vphu"], user=world.ids[OWNER],
        )
        s.commit()
        s.remove()
    assert all(out.values()), out
    return out


def _records(app, world):
    """Hồ sơ công việc of VPHU: a draft plan, an unused retention rule, the official's open
    file (holding nothing), and a closed file sent to the archive."""
    import io

    from app.core import storage
    from app.extensions import db
    from app.records import services
    from tests import pdfs

    with app.test_request_context():
        s = db.session
        admin, clerk = world.user("admin"), world.user("vanthu.vphu")
        official = world.user("chuyenvien.vphu")
        used = services.add_rule(s, admin, "20", "20 năm", "years", 20)
        unused = services.add_rule(s, admin, "3", "3 năm", "years", 3)
        plan = services.create_plan(s, clerk, world.ids["vphu"], 2026)
        heading = services.add_heading(s, clerk, plan, "Tổng hợp", "TH")
        entry = services.add_entry(s, clerk, plan, heading, "Hồ sơ tổng hợp", used)
        work = services.open_file(s, official, title="Hồ sơ đang làm", notation="01.TH",
                                  retention=used, start_date=date(2026, 1, 5))
        done = services.open_file(s, official, title="Hồ sơ đã xong", notation="02.TH",
                                  retention=used, start_date=date(2026, 1, 5))
        services.add_paper(s, official, done, storage.store(
            io.BytesIO(pdfs.clean_pdf("Tờ trình")), "tờ trình.pdf"), "Tờ trình",
            date(2026, 1, 6), pages=1)
        services.close_file(s, official, done)
        batch = services.create_transfer(s, clerk, [done])
        s.commit()
        out = {"work_file": work.id, "file_plan": plan.id, "retention_rule": unused.id,
               "transfer": batch.id, "plan_heading": heading.id, "plan_entry": entry.id}
        s.remove()
    return out


def view_and_method(endpoint):
    view, _, method = endpoint.rpartition(".")
    return view, method


def object_of(endpoint, objects):
    """(pk, file id) of the object a route of ``endpoint`` reaches."""
    view, method = view_and_method(endpoint)
    incoming, outgoing = objects["incoming"]["vphu"], objects["outgoing"]["vphu"]
    if view in INCOMING_KIND or view == "IncomingApi":
        kind = INCOMING_STEP_KIND.get(method, INCOMING_KIND.get(view, "work"))
        return incoming[kind], incoming["files"][kind][0]
    if view.startswith("Outgoing"):
        kind = OUTGOING_STEP_KIND.get(method, OUTGOING_KIND.get(view, "draft"))
        files = outgoing["pdfs"][kind] if method == "preview" else []
        return outgoing[kind], (files or outgoing["files"][kind])[0]
    key = MODEL_OBJECT.get(view)
    return (objects[key] if key else 1), None


def query_args(endpoint, objects):
    """The query of the screens that print a unit's registers or reports: VPHU's."""
    unit = {"unit": objects["unit"]}
    return {"RegisterView.download": {**unit, "kind": "incoming", "format": "xlsx"},
            "RegisterView.bundle": unit, "ReportView.show": unit,
            "WorkFileView.file_document": {
                "kind": "outgoing", "doc_id": objects["outgoing"]["vphu"]["draft"]},
            }.get(endpoint, {})


def url_args(rule, objects, actions, pk=None):
    """The values of ``rule``'s arguments: the object of its view (``pk`` for another
    one), its first action, a real report name …"""
    view, _method = view_and_method(rule.endpoint)
    own_pk, file_id = object_of(rule.endpoint, objects)
    pk = own_pk if pk is None else pk
    values = {}
    for arg in rule.arguments:
        values[arg] = {
            "pk": pk, "file_id": file_id, "name": actions.get(view, "none"),
            "filename": "export.csv",
            "assignment_id": objects["incoming"]["vphu"].get("unit_assignment"),
            "saved_id": objects["saved_search"], "version": "v1", "locale": "vi",
            "job_id": objects["prefill_job"] if view == "PrefillView" else pk,
            "fmt": "pdf", "form": "index", "message_id": objects["outbox"],
            "hid": objects["plan_heading"], "eid": objects["plan_entry"],
        }.get(arg)
        if arg == "name" and view == "ReportView":
            values[arg] = "documents"
        assert values[arg] is not None, (rule.endpoint, arg)
    return values
