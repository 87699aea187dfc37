"""The incoming screens: the tracking lists, the document page, and the clerk's, head's
and assignee's forms. Views are thin: each form becomes one service call."""

import logging

from flask import Flask, abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.models.sqla.filters import FilterEqualFunction
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import func, select

from app.core import audit, registry, workflow
from app.core.docviews import DocumentStepsMixin, LazyForm, document_history, subject
from app.core.downloads import send_named
from app.core.errors import DomainError
from app.core.fab import related_views, show_widgets
from app.core.filecheck import check_attachment
from app.core.lists import NextStep
from app.core.scope import (
    UnitScopedMixin,
    current_unit_id,
    current_user,
    scope_settings,
    sees_all_units,
)
from app.core.timeutil import local_now, local_today
from app.core.views import AppModelView, AppSQLAInterface
from app.core.workflow import INCOMING
from app.incoming import forms, policy, services
from app.incoming.filters import (
    IncomingScopeFilter,
    RejectionScopeFilter,
    TodoFilter,
    TrackingFilter,
)
from app.incoming.models import (
    STATES,
    URGENCY,
    ExchangeStatus,
    IncomingDocument,
    IncomingFile,
    ReaderGrant,
    Rejection,
)
from app.security import permissions as P
from app.trust.services import intake_check
from app.trust.views import RecheckFileMixin

log = logging.getLogger(__name__)



# The columns a list's row reads: those it shows, and those its cells are made from
# (``number_label``, ``deadline_cell``, ``signature_cell``, ``state_label``).
LIST_READS = ("id", "unit_id", "state", "arrival_year", "arrival_number", "arrival_date",
              "author_name", "symbol", "summary", "urgency", "deadline", "completed_late",
              "trust_reason", "received_at")


def main_signature_expression():
    """The signature status of a document's main file, as one value of its row: "" for a
    main file without a status, NULL for a document without a main file."""
    return (select(func.coalesce(IncomingFile.signature_status, ""))
            .where(IncomingFile.document_id == IncomingDocument.id,
                   IncomingFile.role == "main")
            .order_by(IncomingFile.id).limit(1).correlate(IncomingDocument)
            .scalar_subquery())


class IncomingInterface(AppSQLAInterface):
    """Lists sort urgent documents first (docs/domain.md §4), then by ``tail``, unless the user
    chose a column. ``with_files`` (the list screens): a page of rows is read as values, the
    columns the lists show with each main file's signature verdict (the signature column),
    in one statement."""

    def __init__(self, obj, tail=None, with_files=False, **kwargs):
        super().__init__(obj, **kwargs)
        self.tail = tail or [IncomingDocument.received_at.desc(), IncomingDocument.id.desc()]
        self.with_files = with_files
        if with_files:
            # A row of the lists is read as values: the columns the lists show and their
            # cells read, and its main file's signature status; no object, no relation.
            self.list_reads = LIST_READS
            self.list_expressions = (("list_main_signature", main_signature_expression()),)

    def query(self, *args, **kwargs):
        count, rows = super().query(*args, **kwargs)
        if self.with_files:
            for row in rows:
                if not isinstance(row, IncomingDocument):
                    signature = row.__dict__.pop("list_main_signature", None)
                    row._list_main_status = (signature is not None, signature or None)
        return count, rows

    def get_related_interface(self, col_name):
        return AppSQLAInterface(self.get_related_model(col_name), self.session)

    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if not order_column and self.obj is IncomingDocument:
            return query.order_by(IncomingDocument.urgency.desc(), *self.tail)
        return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)


def urgency_badge(value):
    """The urgency as a badge with its word (not colour alone); the list writes it once per
    level and page."""
    level = value if isinstance(value, int) else 0
    css = {0: "default", 1: "warning", 2: "warning", 3: "danger", 4: "danger"}.get(level,
                                                                                   "default")
    return Markup('<span class="label label-{} qlvb-urgency-{}">{}</span>').format(
        css, level, URGENCY.get(level, level))


INTAKE_STEP = NextStep("IncomingView.intake", _l("Receive a paper or outside document"),
                       "fa-plus", P.INTAKE, P.INCOMING)
INBOX_STEP = NextStep("IncomingInboxView.list", _l("Waiting to be received (Chờ tiếp nhận)"),
                      "fa-inbox", P.READ, P.INCOMING, primary=False)
ALL_STEP = NextStep("IncomingView.list", _l("All incoming documents"), "fa-list", P.READ,
                    P.INCOMING, primary=False)


NOT_ROUTED = {"download", "add", "edit", "delete", "api", "api_read", "api_get", "api_create",
              "api_update", "api_delete", "api_column_add", "api_column_edit",
              "api_readvalues"}


class IncomingListBase(RecheckFileMixin, DocumentStepsMixin, UnitScopedMixin, AppModelView):
    """A list of incoming documents the user may see, and the document page."""

    file_model = IncomingFile
    datamodel = IncomingInterface(IncomingDocument, with_files=True)
    class_permission_name = P.INCOMING
    method_permission_name = {
        **AppModelView.method_permission_name,
        "intake": "intake", "register": "intake", "refuse": "intake", "cancel": "intake",
        "assign": "assign", "subassign": "assign", "note": "process", "mark_read": "process",
        "complete": "process", "file": "download", "preview": "download", "slip": "read",
        "slip_pdf": "read",
        "recall_answer": "intake", "recheck": "intake",
    }
    base_permissions = [P.READ, P.INTAKE, P.ASSIGN, P.PROCESS, P.DOWNLOAD]
    base_filters = [["id", IncomingScopeFilter, None]]
    # The lists' multi-select actions come from the features above
    # (app.core.registry.add_list_action); no action runs on one row.
    exclude_route_methods = NOT_ROUTED | {"action"}
    show_template = "incoming/show.html"
    list_template = "incoming/list.html"
    list_title = _l("Incoming documents")
    show_title = _l("Incoming document")
    list_columns = ["urgency", "number_label", "arrival_date", "author_name", "symbol",
                    "summary", "state_label", "deadline_cell", "signature_cell"]
    show_columns = ["number_label", "state_label", "channel_label", "arrival_date",
                    "arrival_time", "author_name", "symbol", "document_date", "document_type",
                    "summary", "urgency", "page_count", "signer_name", "reply_deadline",
                    "secrecy", "notes", "duplicate_note", "trust_mark", "unit", "direction",
                    "deadline",
                    "completed_at", "result_summary", "cancel_reason"]
    search_columns = ["summary", "symbol", "author_name", "arrival_date", "arrival_number",
                      "document_date", "urgency", "state", "document_type", "deadline"]
    order_columns = ["number_label", "arrival_number", "arrival_date", "author_name", "symbol",
                     "deadline_cell", "urgency"]
    label_columns = {
        "urgency": _l("Urgency"),
        "number_label": _l("Arrival number"),
        "arrival_number": _l("Arrival number"),
        "arrival_date": _l("Arrival date"),
        "arrival_time": _l("Arrival time"),
        "author_name": _l("Author"),
        "symbol": _l("Number and symbol"),
        "document_date": _l("Document date"),
        "document_type": _l("Document type"),
        "summary": _l("Summary (trích yếu)"),
        "state": _l("Status"),
        "state_label": _l("Status"),
        "channel_label": _l("How it arrived"),
        "page_count": _l("Number of pages"),
        "signer_name": _l("Signed by"),
        "reply_deadline": _l("Reply deadline"),
        "secrecy": _l("Secrecy"),
        "notes": _l("Notes"),
        "duplicate_note": _l("Possible duplicate"),
        "trust_mark": _l("Without a valid signature"),
        "signature_cell": _l("Digital signature"),
        "trust_reason": _l("Without a valid signature"),
        "unit": _l("Receiving unit"),
        "direction": _l("Direction (ý kiến chỉ đạo)"),
        "deadline": _l("Deadline"),
        "deadline_cell": _l("Deadline"),
        "completed_at": _l("Completed at"),
        "result_summary": _l("Result"),
        "cancel_reason": _l("Reason for the cancellation"),
    }
    formatters_columns = {"urgency": urgency_badge}
    list_labels = {"state_label": ("state", STATES)}
    card_first = ("number_label", "arrival_date", "summary", "state_label", "deadline_cell")
    list_empty = _l("The documents the unit receives appear here. A paper document is "
                    "received with the button below; electronic ones arrive first in "
                    "“Waiting to be received”.")
    list_next_steps: tuple[NextStep, ...] = (INTAKE_STEP, INBOX_STEP)
    # Documents change only through the forms below: FAB's add/edit are not routed.
    add_columns = edit_columns = ["summary"]
    page_size = 25

    # -- the document page ------------------------------------------------------------
    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.scoped_get_or_404(pk)
        widgets = show_widgets(self, item)
        session = self.datamodel.session
        services.read_page_parts(session, item)
        history = document_history(session, "IncomingDocument", item.id)
        # A status is sent back with the document's latest code (services.send_status):
        # a document without one has none to show.
        statuses = [] if item.exchange_status is None else session.execute(
            select(ExchangeStatus).where(ExchangeStatus.document_id == item.id)
            .order_by(ExchangeStatus.id)).scalars().all()
        user = g.user
        settings, held = scope_settings(), self.appbuilder.sm.permission_set(user)
        can = {action: policy.can(user, action, item, settings, held)
               for action in ("intake", "assign", "process", "complete", "download")}
        mine = services.my_assignments(item, user) if can["process"] else []
        return self.render_template(
            self.show_template, pk=item.id, title=self.show_title, widgets=widgets,
            related_views=related_views(self), item=item, history=history,
            allows=workflow.allows,
            statuses=statuses, can=can, mine=mine,
            can_complete=can["complete"],
            sub_assignable=[a for a in mine if a.unit_id is not None
                            and workflow.allows(item, "sub_assign")],
            days_overdue=services.days_overdue(item), assignment_rows=assignment_rows(item),
            main=item.main_file(), note_form=LazyForm(forms.NoteForm),
            cancel_form=LazyForm(forms.CancelForm))

    @expose("/slip/<int:pk>")
    @has_access
    @permission_name("slip")
    def slip(self, pk):
        """Phiếu giải quyết văn bản đến, to print."""
        item = self.scoped_get_or_404(pk)
        return self.render_template("incoming/slip.html", item=item,
                                    printed_at=local_now(), printed_by=g.user)

    @expose("/slip/<int:pk>/pdf")
    @has_access
    @permission_name("slip")
    def slip_pdf(self, pk):
        """The same slip as PDF, marked with who printed it and when (built by the
        registers, ``app.registers.slip.slip_pdf``)."""
        item = self.scoped_get_or_404(pk)
        out = registry.service("incoming_slip_pdf")(self.datamodel.session, item, g.user,
                                                     local_now())
        self.datamodel.session.commit()
        return send_named(out, f"phiếu giải quyết văn bản đến {item.number_label() or item.id}"
                               ".pdf", "application/pdf")


def _tracking(name):
    return [["id", IncomingScopeFilter, None], ["id", TrackingFilter, name]]


class IncomingView(IncomingListBase):
    """All incoming documents the user may see, with the clerk's, head's and assignee's
    actions."""

    list_title = _l("All incoming documents")

    # -- intake ------------------------------------------------------------------------
    INTAKE_FIELDS = ["channel", "main_file", "attachments", "arrival_date", "arrival_time",
                     "sender_unit_id", "author_name", "symbol", "document_date",
                     "document_type_id", "summary", "urgency", "page_count", "signer_name",
                     "reply_deadline", "notes", "secrecy_confirmed", "allow_duplicate",
                     "trust_reason"]

    @expose("/intake", methods=["GET", "POST"])
    @has_access
    @permission_name("intake")
    def intake(self):
        session = self.datamodel.session
        form = forms.IntakeForm()
        form.fill_choices(session)
        files = None
        if request.method == "GET":
            form.arrival_date.data = local_today()
            form.arrival_time.data = services.now_local_time()
        else:
            valid = form.validate_on_submit()
            files = self._file_fields(lambda up, check: services.store_upload(session, up,
                                                                              check))
            taken = self._take_files(form, files, [("main_file", intake_check(session)),
                                                   ("attachments", check_attachment)])
            if valid and taken is not None:
                try:
                    mains = taken["main_file"]
                    doc = services.intake(session, g.user, form.channel.data, form.entry(),
                                          mains[0] if mains else None, taken["attachments"])
                    files.release()
                    session.commit()
                except DomainError as error:
                    self._refused(error, form)
                else:
                    flash(_("The document %(doc)s was registered with arrival number %(n)s.",
                            doc=subject(doc), n=doc.number_label()), "success")
                    return redirect(url_for(".show", pk=doc.id))
            elif not valid:
                flash(_("Check the fields marked in red."), "danger")
        return self._form_page(form, _("Receive a paper or outside document"),
                               self.INTAKE_FIELDS, _("Enter in the register"), multipart=True,
                               files=files)

    ENTRY_FIELDS = INTAKE_FIELDS[3:]

    @expose("/register/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("register")
    def register(self, pk):
        item = self._editable(pk, workflow.sources(INCOMING, "register"))
        session = self.datamodel.session
        form = forms.EntryForm()
        form.fill_choices(session)
        if request.method == "GET":
            entry = services.Entry.from_document(item)
            entry.arrival_date = entry.arrival_date or local_today()
            entry.arrival_time = entry.arrival_time or services.now_local_time()
            form.load(entry)
        elif form.validate_on_submit():
            try:
                services.register(session, item, g.user, form.entry())
                session.commit()
            except DomainError as error:
                self._refused(error, form)
            else:
                flash(_("The document %(doc)s was registered with arrival number %(n)s.",
                        doc=subject(item), n=item.number_label()), "success")
                return redirect(url_for(".show", pk=item.id))
        else:
            flash(_("Check the fields marked in red."), "danger")
        return self._form_page(form, _("Register the document"), self.ENTRY_FIELDS,
                               _("Enter in the register"), item=item)

    @expose("/refuse/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("refuse")
    def refuse(self, pk):
        item = self._editable(pk, workflow.sources(INCOMING, "refuse"))
        form = forms.RefuseForm()
        if request.method == "POST" and form.validate_on_submit():
            session = self.datamodel.session
            try:
                services.refuse(session, item, g.user, form.reason.data)
                session.commit()
            except DomainError as error:
                self._refused(error, form)
            else:
                flash(_("The document %(doc)s was refused; the sender sees the reason.",
                        doc=subject(item)), "warning")
                return redirect(url_for("IncomingInboxView.list"))
        return self._form_page(form, _("Refuse the document"), ["reason"], _("Refuse"),
                               item=item, danger=True)

    @expose("/cancel/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("cancel")
    def cancel(self, pk):
        item = self._editable(pk)
        form = forms.CancelForm()
        session = self.datamodel.session
        number = item.number_label()
        try:
            form.validate_on_submit()
            services.cancel(session, item, g.user, form.reason.data)
            session.commit()
            flash(_("The registration of %(doc)s was cancelled; its arrival number %(n)s "
                    "stays in the register.", doc=subject(item), n=number), "warning")
        except DomainError as error:
            self._refused(error)
        return redirect(url_for(".show", pk=item.id))

    # -- direction ---------------------------------------------------------------------
    ASSIGN_FIELDS = ["direction", "lead", "lead_deadline", "cooperate", "cooperate_deadline",
                     "inform"]

    @expose("/assign/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("assign")
    def assign(self, pk):
        item = self._editable(pk, workflow.sources(INCOMING, "assign"))
        session = self.datamodel.session
        form = forms.AssignForm()
        choices = forms.party_choices(session, item.unit_id)
        form.lead.choices = [("", _l("— choose —"))] + choices
        form.cooperate.choices = form.inform.choices = choices
        if request.method == "GET":
            default = services.default_deadline(session, item)
            form.lead_deadline.data = item.deadline or default
            form.cooperate_deadline.data = item.deadline or default
            form.direction.data = item.direction
        elif form.validate_on_submit():
            try:
                services.assign(session, item, g.user, form.direction.data, form.parties())
                session.commit()
            except DomainError as error:
                self._refused(error, form)
            else:
                flash(_("The document %(doc)s was assigned.", doc=subject(item)), "success")
                return redirect(url_for(".show", pk=item.id))
        else:
            flash(_("Check the fields marked in red."), "danger")
        return self._form_page(form, _("Assign the document"), self.ASSIGN_FIELDS,
                               _("Assign"), item=item)

    @expose("/subassign/<int:pk>/<int:assignment_id>", methods=["GET", "POST"])
    @has_access
    @permission_name("subassign")
    def subassign(self, pk, assignment_id):
        item = self._editable(pk, workflow.sources(INCOMING, "sub_assign"))
        parent = next((a for a in item.assignments if a.id == assignment_id), None)
        if parent is None or parent.unit_id is None:
            abort(404)
        session = self.datamodel.session
        form = forms.SubAssignForm()
        choices = forms.party_choices(session, parent.unit_id, with_units=False)
        form.lead.choices = [("", _l("— choose —"))] + choices
        form.cooperate.choices = form.inform.choices = choices
        if request.method == "GET":
            form.lead_deadline.data = form.cooperate_deadline.data = parent.deadline
        elif form.validate_on_submit():
            try:
                services.sub_assign(session, parent, g.user, form.parties())
                session.commit()
            except DomainError as error:
                self._refused(error, form)
            else:
                flash(_("The document %(doc)s was assigned.", doc=subject(item)), "success")
                return redirect(url_for(".show", pk=item.id))
        return self._form_page(form, _("Sub-assign to officials of %(unit)s",
                                       unit=parent.unit.name), self.ASSIGN_FIELDS[1:],
                               _("Assign"), item=item)

    @expose("/recall_answer/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("recall_answer")
    def recall_answer(self, pk):
        """The sender asked for the document back: accept (15) or refuse (16) with a
        reason (the rule is the outgoing side's: ``app.outgoing.services.answer_recall``)."""
        answer_recall = registry.service("answer_recall")
        item = self._editable(pk)
        form = forms.CancelForm()
        form.validate_on_submit()
        accept = request.form.get("answer") == "accept"
        session = self.datamodel.session
        try:
            answer_recall(session, item, g.user, accept, form.reason.data)
            session.commit()
            flash(_("The recall of %(doc)s was accepted: the document left the active "
                    "lists.", doc=subject(item)) if accept
                  else _("The recall of %(doc)s was refused; the sender sees the reason.",
                         doc=subject(item)), "success")
        except DomainError as error:
            self._refused(error)
        return redirect(url_for(".show", pk=item.id))

    # -- processing ----------------------------------------------------------------------
    @expose("/note/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("note")
    def note(self, pk):
        item = self._editable(pk)
        form = forms.NoteForm()
        session = self.datamodel.session
        uploads = services.Uploads(session)
        try:
            form.validate_on_submit()
            files = [uploads.add(f, check_attachment) for f in self._uploads("files")]
            services.add_note(session, item, g.user, form.text.data, files)
            session.commit()
            flash(_("The note was added to %(doc)s.", doc=subject(item)), "success")
        except DomainError as error:
            self._refused(error, uploads=uploads)
        return redirect(url_for(".show", pk=item.id))

    @expose("/mark_read/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("mark_read")
    def mark_read(self, pk):
        item = self._editable(pk)
        session = self.datamodel.session
        try:
            services.mark_read(session, item, g.user)
            session.commit()
            flash(_("The document %(doc)s was marked as read.", doc=subject(item)), "success")
        except DomainError as error:
            self._refused(error)
        return redirect(url_for(".show", pk=item.id))

    @expose("/complete/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("complete")
    def complete(self, pk):
        item = self._editable(pk, workflow.sources(INCOMING, "complete"))
        form = forms.CompleteForm()
        if request.method == "POST" and form.validate_on_submit():
            session = self.datamodel.session
            uploads = services.Uploads(session)
            try:
                files = [uploads.add(f, check_attachment) for f in self._uploads("files")]
                services.complete(session, item, g.user, form.result.data, files)
                session.commit()
            except DomainError as error:
                self._refused(error, form, uploads)
            else:
                flash(_("The processing of %(doc)s was completed late.", doc=subject(item))
                      if item.completed_late
                      else _("The processing of %(doc)s was completed.", doc=subject(item)),
                      "warning" if item.completed_late else "success")
                return redirect(url_for(".show", pk=item.id))
        return self._form_page(form, _("Complete the processing"), ["result", "files"],
                               _("Complete"), item=item, multipart=True)


def _by_deadline():
    return IncomingInterface(IncomingDocument, with_files=True,
                             tail=[IncomingDocument.deadline.asc(), IncomingDocument.id.asc()])


class IncomingInboxView(IncomingListBase):
    list_title = _l("Waiting to be received (Chờ tiếp nhận)")
    base_filters = _tracking("inbox")
    list_empty = _l("No document is waiting to be received. Electronic documents sent to the "
                    "unit through the document exchange (liên thông) appear here; a paper "
                    "document is received with the button below.")
    list_next_steps = (INTAKE_STEP,)


class IncomingToAssignView(IncomingListBase):
    list_title = _l("Waiting for assignment")
    base_filters = _tracking("to_assign")
    list_empty = _l("No registered document is waiting for assignment. Documents appear here "
                    "once the clerk registers them.")
    list_next_steps = (ALL_STEP,)


class IncomingInProgressView(IncomingListBase):
    list_title = _l("Being processed")
    base_filters = _tracking("in_progress")
    list_empty = _l("No document is being processed. Documents appear here once they are "
                    "assigned.")
    list_next_steps = (ALL_STEP,)


class IncomingNearDueView(IncomingListBase):
    datamodel = _by_deadline()
    list_title = _l("Due soon")
    base_filters = _tracking("near_due")
    list_empty = _l("No open document is close to its deadline.")
    list_next_steps = (ALL_STEP,)


class IncomingOverdueView(IncomingListBase):
    datamodel = _by_deadline()
    list_title = _l("Overdue")
    base_filters = _tracking("overdue")
    list_empty = _l("No open document is past its deadline.")
    list_next_steps = (ALL_STEP,)


class IncomingDoneOnTimeView(IncomingListBase):
    list_title = _l("Completed on time")
    base_filters = _tracking("done_on_time")
    list_empty = _l("No document has been completed on time yet.")
    list_next_steps = (ALL_STEP,)


class IncomingDoneLateView(IncomingListBase):
    list_title = _l("Completed late")
    base_filters = _tracking("done_late")
    list_empty = _l("No document has been completed late.")
    list_next_steps = (ALL_STEP,)


class IncomingTodoView(IncomingListBase):
    """Việc cần xử lý: sorted by urgency, then deadline."""
    list_empty = _l("Nothing to process. Documents assigned to you or to your unit appear here "
                    "once the head assigns them.")
    list_next_steps = (ALL_STEP,)

    datamodel = _by_deadline()
    list_title = _l("My work (Việc cần xử lý)")
    base_filters = [["id", IncomingScopeFilter, None], ["id", TodoFilter, None]]


TRACKING_VIEWS = [IncomingInboxView, IncomingToAssignView, IncomingInProgressView,
                  IncomingNearDueView, IncomingOverdueView, IncomingDoneOnTimeView,
                  IncomingDoneLateView, IncomingTodoView]


class RejectionView(AppModelView):
    """Refusals, as records of their own (Điều 6.3): the office sees all of them."""

    datamodel = AppSQLAInterface(Rejection)
    class_permission_name = P.REJECTION
    base_permissions = [P.READ]
    base_filters = [["id", RejectionScopeFilter, None]]
    exclude_route_methods = NOT_ROUTED | {"action", "action_post"}
    list_title = _l("Refused documents")
    show_title = _l("Refused document")
    list_columns = ["created_at", "unit", "author_name", "symbol", "summary", "reason",
                    "created_by"]
    show_columns = list_columns
    search_columns = ["created_at", "author_name", "symbol", "summary", "reason"]
    base_order = ("created_at", "desc")
    label_columns = {
        "created_at": _l("Refused at"),
        "unit": _l("Refused by unit"),
        "author_name": _l("Author"),
        "symbol": _l("Number and symbol"),
        "summary": _l("Summary (trích yếu)"),
        "reason": _l("Reason"),
        "created_by": _l("Refused by"),
    }


def _my_unit_id():
    return current_unit_id()


class ReaderGrantView(UnitScopedMixin, AppModelView):
    """The head lets officials of the unit see all of the unit's incoming documents."""

    datamodel = AppSQLAInterface(ReaderGrant)
    class_permission_name = P.READER_GRANT
    base_permissions = [P.READ, P.WRITE]
    exclude_route_methods = NOT_ROUTED - {"add", "delete"}
    list_title = _l("Officials who see all incoming documents of the unit")
    add_title = _l("Let an official see all incoming documents")
    list_columns = ["user", "unit", "granted_at"]
    show_columns = list_columns
    add_columns = ["user"]
    label_columns = {"user": _l("Official"), "unit": _l("Unit"), "granted_at": _l("Since")}
    add_form_query_rel_fields = {"user": [["unit_id", FilterEqualFunction, _my_unit_id]]}

    def pre_add(self, item):
        user = current_user()
        if user is None or user.unit_id is None:
            raise DomainError(_("Your account has no unit; ask the administrator to set it."))
        if item.user is None or item.user.unit_id != user.unit_id:
            raise DomainError(_("Choose an official of your unit."), field="user")
        if not policy.can_grant_readers(user, scope_settings()):
            raise DomainError(_("Only a head of the unit can grant this."))
        item.unit_id = user.unit_id
        item.granted_by_id = user.id

    def post_add(self, item):
        audit.record(self.datamodel.session, "incoming_reader_granted", item,
                     details={"user": item.user_id})
        self.datamodel.session.commit()

    def post_delete(self, item):
        audit.record(self.datamodel.session, "incoming_reader_revoked", item,
                     details={"user": item.user_id})
        self.datamodel.session.commit()


def assignment_rows(item):
    """The document's assignments for the page, parents before their children."""
    active = [a for a in item.assignments if a.active]
    top = [a for a in active if a.parent_id is None]
    out = []
    for a in top:
        out.append((0, a))
        out.extend((1, c) for c in active if c.parent_id == a.id)
    return out


def init_app(app: Flask) -> None:
    """The user's incoming work in the top bar and on the landing page."""
    registry.add_top_bar(app, "work", lambda session, user: services.counts_for(
        session, user, sees_all_units(user)))
