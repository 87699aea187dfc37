"""The outgoing screens: the lists, the document page with its route and recipients, and
the drafter's, head's and clerk's forms, each one service call."""

import logging
from collections.abc import Callable

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.core import registry, workflow
from app.core.docviews import (
    DocumentStepsMixin,
    LazyForm,
    document_history,
    short_summary,
    subject,
)
from app.core.errors import DomainError
from app.core.fab import related_views, show_widgets
from app.core.filecheck import check_attachment
from app.core.lists import NextStep
from app.core.scope import UnitScopedMixin, scope_settings
from app.core.timeutil import fmt_date, local_today
from app.core.views import AppModelView, AppSQLAInterface
from app.core.workflow import OUTGOING
from app.incoming.forms import unit_choices
from app.incoming.services import Uploads, store_upload
from app.incoming.views import NOT_ROUTED, IncomingInterface, urgency_badge
from app.outgoing import forms, policy, services
from app.outgoing.filters import OutgoingListFilter, OutgoingScopeFilter
from app.outgoing.models import (
    SERIES_SCOPES,
    STATES,
    NumberSeries,
    OutgoingDocument,
    OutgoingFile,
)
from app.security import permissions as P
from app.trust import agency
from app.trust.services import intake_check
from app.trust.views import RecheckFileMixin

log = logging.getLogger(__name__)


class OutgoingInterface(IncomingInterface):
    """Urgent first, then the most recently changed."""

    def __init__(self, obj, **kwargs):
        super().__init__(obj, **kwargs)
        self.tail = [OutgoingDocument.updated_at.desc(), OutgoingDocument.id.desc()]

    def apply_order_by(self, query, order_column, order_direction, *args, **kwargs):
        if not order_column and self.obj is OutgoingDocument:
            return query.order_by(OutgoingDocument.urgency.desc(), *self.tail)
        return super().apply_order_by(query, order_column, order_direction, *args, **kwargs)


DRAFT_STEP = NextStep("OutgoingView.draft", _l("New outgoing document"), "fa-plus", P.DRAFT,
                      P.OUTGOING)


class OutgoingListBase(RecheckFileMixin, DocumentStepsMixin, UnitScopedMixin, AppModelView):
    datamodel = OutgoingInterface(OutgoingDocument)
    file_model = OutgoingFile
    class_permission_name = P.OUTGOING
    method_permission_name = {
        **AppModelView.method_permission_name,
        "draft": "draft", "version": "draft", "submit": "draft", "return_draft": "draft",
        "recipients": "draft", "sign": "sign", "number": "issue", "cancel_number": "issue",
        "final": "issue", "issue": "issue", "recall": "issue",
        "file": "download", "preview": "download", "recheck": "issue",
    }
    base_permissions = [P.READ, P.DRAFT, P.SIGN, P.ISSUE, P.DOWNLOAD]
    base_filters = [["id", OutgoingScopeFilter, None]]
    # The lists' multi-select actions come from the features above
    # (app.core.registry.add_list_action); no action runs on one row.
    exclude_route_methods = NOT_ROUTED | {"action"}
    show_template = "outgoing/show.html"
    list_template = "outgoing/list.html"
    list_title = _l("All outgoing documents")
    show_title = _l("Outgoing document")
    list_columns = ["urgency", "symbol", "document_date", "document_type", "summary",
                    "state_label", "holder", "unit"]
    show_columns = ["symbol", "state_label", "document_type", "summary", "urgency", "unit",
                    "created_by", "signer", "holder", "signing_form", "signed_by", "signed_at",
                    "document_date", "issued_at", "late", "late_reason", "sensitive",
                    "paper_copy_approved", "reply_to", "replaces", "recall_reason"]
    search_columns = ["summary", "symbol", "document_type", "state", "urgency",
                      "document_date", "late"]
    order_columns = ["symbol", "document_date", "urgency"]
    add_columns = edit_columns = ["summary"]
    label_columns = {
        "urgency": _l("Urgency"),
        "symbol": _l("Number and symbol"),
        "document_date": _l("Document date"),
        "document_type": _l("Document type"),
        "summary": _l("Summary (trích yếu)"),
        "state": _l("Status"),
        "state_label": _l("Status"),
        "holder": _l("With"),
        "unit": _l("Drafting unit"),
        "created_by": _l("Drafted by"),
        "signer": _l("Intended signer"),
        "signing_form": _l("Form of signature"),
        "signed_by": _l("Signed by"),
        "signed_at": _l("Signed at"),
        "issued_at": _l("Issued at"),
        "late": _l("Issued late"),
        "late_reason": _l("Reason for issuing late"),
        "sensitive": _l("Paper only (Điều 6.1)"),
        "paper_copy_approved": _l("Paper copy approved"),
        "reply_to": _l("In reply to"),
        "replaces": _l("Replaces"),
        "recall_reason": _l("Reason for the recall"),
    }
    formatters_columns = {"urgency": urgency_badge}
    list_labels = {"state_label": ("state", STATES)}
    card_first = ("symbol", "document_date", "summary", "state_label")
    list_empty = _l("The outgoing documents of the unit appear here, from the first draft to "
                    "the issued document.")
    list_next_steps: tuple[NextStep, ...] = (DRAFT_STEP,)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        item = self.scoped_get_or_404(pk)
        widgets = show_widgets(self, item)
        session = self.datamodel.session
        history = document_history(session, "OutgoingDocument", item.id)
        user = g.user
        settings, held = scope_settings(), self.appbuilder.sm.permission_set(user)
        can = {action: policy.can(user, action, item, settings, held)
               for action in ("draft", "sign", "issue", "download")}
        return self.render_template(
            self.show_template, pk=item.id, title=self.show_title, widgets=widgets,
            related_views=related_views(self), item=item, history=history,
            allows=workflow.allows, can=can,
            holder=item.holder_id == user.id,
            overdue=services.overdue_to_issue(session, item),
            deadline=services.issue_deadline(session, item),
            version_form=LazyForm(forms.VersionForm), reason_form=LazyForm(forms.ReasonForm),
            exchange_states=_exchange_states(session, item))


def _exchange_states(session, item) -> dict:
    """Where each recipient reached by liên thông stands in the exchange (its package's
    state, tries, last error), when the feature is there."""
    ids = [r.id for r in item.recipients if r.channel == "exchange"]
    if not ids:
        return {}
    try:
        states = registry.service("exchange_states")
    except LookupError:
        return {}
    return states(session, ids)


class OutgoingView(OutgoingListBase):
    """All outgoing documents of the unit, with every step's form."""

    def _run(self, item, form, action, success: Callable[[], str], uploads=None):
        """Run ``action``; once committed, flash ``success()`` (it names the document as
        the step left it, e.g. with its new number)."""
        session = self.datamodel.session
        try:
            action(session)
            session.commit()
        except DomainError as error:
            self._refused(error, form, uploads)
            return None
        flash(success(), "success")
        return redirect(url_for(".show", pk=item.id))

    # -- drafting ------------------------------------------------------------------------
    DRAFT_FIELDS = ["document_type_id", "summary", "urgency", "signer_id", "units", "outside",
                    "draft_file", "attachments", "reply_to_id"]

    @expose("/draft", methods=["GET", "POST"])
    @has_access
    @permission_name("draft")
    def draft(self):
        session = self.datamodel.session
        form = forms.DraftForm()
        form.fill_choices(session, g.user.unit_id)
        files = None
        if request.method == "GET" and request.args.get("reply_to", "").isdigit():
            form.reply_to_id.data = request.args["reply_to"]
        if request.method == "GET" and request.args.get("replaces", "").isdigit():
            # A corrected document replacing an issued one: start from the original.
            original = self.scoped_get(request.args["replaces"])
            if original is not None:
                form.replaces_id.data = str(original.id)
                form.document_type_id.data = str(original.document_type_id)
                form.summary.data = original.summary
                form.urgency.data = str(original.urgency)
                form.units.data = [str(r.unit_id) for r in original.recipients if r.unit_id]
        if request.method == "POST":
            valid = form.validate_on_submit()
            files = self._file_fields(lambda up, check: store_upload(session, up, check))
            taken = self._take_files(form, files, [("draft_file", check_attachment),
                                                   ("attachments", check_attachment)])
            if valid and taken is not None:
                try:
                    drafts = taken["draft_file"]
                    reply_to = (form.reply_to_id.data or "").strip()
                    replaces = (form.replaces_id.data or "").strip()
                    doc = services.create_draft(
                        session, g.user, _int(form.document_type_id.data), form.summary.data,
                        _int(form.urgency.data) or 0, drafts[0] if drafts else None,
                        recipients=form.recipient_specs(),
                        signer_id=_int(form.signer_id.data), attachments=taken["attachments"],
                        reply_to_id=int(reply_to) if reply_to.isdigit() else None,
                        replaces_id=int(replaces) if replaces.isdigit() else None)
                    files.release()
                    session.commit()
                except DomainError as error:
                    self._refused(error, form)
                else:
                    flash(_("The draft %(doc)s was saved.", doc=subject(doc)), "success")
                    return redirect(url_for(".show", pk=doc.id))
        return self._form_page(form, _("New outgoing document"), self.DRAFT_FIELDS,
                               _("Save the draft"), multipart=True, files=files)

    @expose("/version/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("version")
    def version(self, pk):
        item = self._editable(pk)
        session = self.datamodel.session
        uploads = Uploads(session)
        try:
            files = self._uploads("draft_file")
            if not files:
                raise DomainError(_("Attach the draft file."), field="draft_file")
            services.add_version(session, item, g.user, uploads.add(files[0], check_attachment))
            session.commit()
            flash(_("A new version of %(doc)s was saved; earlier versions are kept.",
                    doc=subject(item)), "success")
        except DomainError as error:
            self._refused(error, uploads=uploads)
        return redirect(url_for(".show", pk=item.id))

    @expose("/recipients/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("recipients")
    def recipients(self, pk):
        item = self._editable(pk, ("draft", "review", "returned", "signed", "numbered"))
        session = self.datamodel.session
        form = forms.RecipientsForm()

        form.units.choices = unit_choices(session, exclude=item.unit_id)
        if request.method == "GET":
            form.units.data = [str(r.unit_id) for r in item.recipients if r.unit_id]
            form.outside.data = "\n".join(
                f"{r.name}; {r.channel}" + (f"; {r.organ_id}" if r.organ_id else "")
                for r in item.recipients if r.unit_id is None)
        elif form.validate_on_submit():
            done = self._run(item, form, lambda s: services.set_recipients(
                s, item, g.user, form.recipient_specs()),
                lambda: _("The recipients of %(doc)s were saved.", doc=subject(item)))
            if done:
                return done
        return self._form_page(form, _("Recipients"), ["units", "outside"], _("Save"),
                               item=item)

    # -- the route -----------------------------------------------------------------------
    @expose("/submit/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("submit")
    def submit(self, pk):
        item = self._editable(pk, workflow.sources(OUTGOING, "submit"))
        session = self.datamodel.session
        form = forms.SubmitForm()
        form.to_user_id.choices = [("", _l("— choose —"))] + forms.colleague_choices(
            session, item.unit_id, exclude_id=g.user.id)
        if request.method == "GET" and item.signer_id:
            form.to_user_id.data = str(item.signer_id)
        if request.method == "POST" and form.validate_on_submit():
            done = self._run(item, form, lambda s: services.submit(
                s, item, g.user, _int(form.to_user_id.data), form.comment.data),
                lambda: _("The draft %(doc)s was sent for approval.", doc=subject(item)))
            if done:
                return done
        return self._form_page(form, _("Send for approval"), ["to_user_id", "comment"],
                               _("Send"), item=item)

    @expose("/return/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("return_draft")
    def return_draft(self, pk):
        item = self._editable(pk, workflow.sources(OUTGOING, "return"))
        form = forms.ReturnForm()
        if request.method == "POST" and form.validate_on_submit():
            done = self._run(item, form, lambda s: services.return_draft(
                s, item, g.user, form.comment.data),
                lambda: _("The draft %(doc)s was returned.", doc=subject(item)))
            if done:
                return done
        return self._form_page(form, _("Return the draft"), ["comment"], _("Return"),
                               item=item, danger=True)

    @expose("/sign/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("sign")
    def sign(self, pk):
        item = self._editable(pk, workflow.sources(OUTGOING, "sign"))
        form = forms.SignForm()
        if request.method == "GET":
            form.sensitive.data = item.sensitive
            form.paper_copy.data = item.paper_copy_approved
        elif form.validate_on_submit():
            def action(session):
                services.set_sensitive(session, item, g.user, form.sensitive.data,
                                       form.paper_copy.data)
                services.sign(session, item, g.user, form.signing_form.data)

            done = self._run(item, form, action, lambda: _("The draft %(doc)s was signed.",
                                                           doc=subject(item)))
            if done:
                return done
        return self._form_page(form, _("Approve and sign"),
                               ["signing_form", "sensitive", "paper_copy"], _("Sign"),
                               item=item)

    # -- the clerk -----------------------------------------------------------------------
    @expose("/number/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("number")
    def number(self, pk):
        item = self._editable(pk, workflow.sources(OUTGOING, "number"))
        form = forms.NumberForm()
        if request.method == "GET":
            form.document_date.data = local_today()
        elif form.validate_on_submit():
            done = self._run(item, form, lambda s: services.assign_number(
                s, item, g.user, form.document_date.data),
                lambda: _("Number %(number)s of %(date)s given to the draft «%(summary)s».",
                          number=item.symbol, date=fmt_date(item.document_date),
                          summary=short_summary(item.summary)))
            if done:
                return done
        return self._form_page(form, _("Give the number and register"), ["document_date"],
                               _("Give the number"), item=item)

    @expose("/cancel_number/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("cancel_number")
    def cancel_number(self, pk):
        item = self._editable(pk)
        form = forms.ReasonForm()
        form.validate_on_submit()
        number = item.symbol
        self._run(item, None, lambda s: services.cancel_number(s, item, g.user,
                                                               form.reason.data),
                  lambda: _("The number %(number)s of «%(summary)s» was cancelled; it "
                            "stays in the register.", number=number,
                            summary=short_summary(item.summary)))
        return redirect(url_for(".show", pk=item.id))

    @expose("/final/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("final")
    def final(self, pk):
        item = self._editable(pk, workflow.sources(OUTGOING, "final"))
        form = forms.FinalFileForm()
        if request.method == "POST" and form.validate_on_submit():
            session = self.datamodel.session
            uploads = Uploads(session)
            try:
                files = self._uploads("final_file")
                if not files:
                    raise DomainError(_("Attach the document as a PDF file."),
                                      field="final_file")
                services.attach_final(session, item, g.user,
                                      uploads.add(files[0], intake_check(session)))
                session.commit()
            except DomainError as error:
                self._refused(error, form, uploads)
            else:
                flash(_("The signed file of %(doc)s was attached.", doc=subject(item)),
                      "success")
                return redirect(url_for(".show", pk=item.id))
        return self._form_page(form, _("Attach the final signed PDF"), ["final_file"],
                               _("Attach"), item=item, multipart=True)

    @expose("/issue/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("issue")
    def issue(self, pk):
        item = self._editable(pk, workflow.sources(OUTGOING, "issue"))
        form = forms.IssueForm()
        if request.method == "POST" and form.validate_on_submit():
            done = self._run(item, form, lambda s: services.issue(
                s, item, g.user, form.late_reason.data, bool(form.agency_sign.data)),
                lambda: _("The document %(doc)s was issued.", doc=subject(item)))
            if done:
                return done
        fields = ["agency_sign", "late_reason"] if agency.configured() else ["late_reason"]
        return self._form_page(form, _("Issue the document"), fields, _("Issue"), item=item)

    @expose("/recall/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("recall")
    def recall(self, pk):
        item = self._editable(pk, workflow.sources(OUTGOING, "recall"))
        form = forms.ReasonForm()
        if request.method == "POST" and form.validate_on_submit():
            done = self._run(item, form, lambda s: services.request_recall(
                s, item, g.user, form.reason.data),
                lambda: _("The recipients of %(doc)s were asked to give it back.",
                          doc=subject(item)))
            if done:
                return done
        return self._form_page(form, _("Recall the document"), ["reason"], _("Recall"),
                               item=item, danger=True)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


ALL_STEP = NextStep("OutgoingView.list", _l("All outgoing documents"), "fa-list", P.READ,
                    P.OUTGOING, primary=False)
EMPTY = {
    "drafts": (_l("No draft. A new outgoing document starts as a draft."), (DRAFT_STEP,)),
    "waiting_for_me": (_l("Nothing is waiting for your approval or signature. Drafts "
                          "submitted to you appear here."), (ALL_STEP,)),
    "returned_to_me": (_l("No draft has been returned to you."), (ALL_STEP,)),
    "to_number": (_l("No signed document is waiting for a number. Documents appear here "
                     "once they are signed."), (ALL_STEP,)),
    "to_issue": (_l("No numbered document is waiting to be issued."), (ALL_STEP,)),
    "issued": (_l("No document has been issued yet."), (ALL_STEP,)),
    "late": (_l("No document was issued late."), (ALL_STEP,)),
    "refused": (_l("No recipient has refused a document of the unit."), (ALL_STEP,)),
    "recalled": (_l("No document has been recalled."), (ALL_STEP,)),
}


def _list(name, title):
    text, steps = EMPTY.get(name, (None, ()))
    return type(f"Outgoing{''.join(p.title() for p in name.split('_'))}View",
                (OutgoingListBase,),
                {"list_title": title, "list_empty": text, "list_next_steps": steps,
                 "base_filters": [["id", OutgoingScopeFilter, None],
                                  ["id", OutgoingListFilter, name]]})


LIST_VIEWS = [
    ("drafts", _l("Drafts"), "fa-pencil"),
    ("waiting_for_me", _l("Waiting for me"), "fa-hand-o-right"),
    ("returned_to_me", _l("Returned to me"), "fa-undo"),
    ("to_number", _l("Waiting for a number"), "fa-hashtag"),
    ("to_issue", _l("Waiting to be issued"), "fa-paper-plane-o"),
    ("issued", _l("Issued"), "fa-paper-plane"),
    ("late", _l("Issued late"), "fa-hourglass-end"),
    ("refused", _l("Refused by a recipient"), "fa-ban"),
    ("recalled", _l("Recalled"), "fa-reply"),
]
OUTGOING_LISTS = [(name, _list(name, title), title, icon) for name, title, icon in LIST_VIEWS]


class NumberSeriesView(UnitScopedMixin, AppModelView):
    """The numbering series of a unit (per type or shared; per term or per year)."""

    datamodel = AppSQLAInterface(NumberSeries)
    class_permission_name = P.NUMBER_SERIES
    base_permissions = [P.READ, P.WRITE]
    exclude_route_methods = NOT_ROUTED - {"add", "edit", "delete"}
    list_title = _l("Numbering series")
    add_title = _l("Add a numbering series")
    edit_title = _l("Edit the numbering series")
    list_columns = ["unit", "document_type", "scope_label", "active"]
    show_columns = list_columns
    add_columns = edit_columns = ["unit", "document_type", "scope", "active"]
    label_columns = {"unit": _l("Unit"), "document_type": _l("Document type (empty: all "
                                                              "other types)"),
                     "scope": _l("Counted"), "scope_label": _l("Counted"),
                     "active": _l("Active")}

    def _scope_field(self):
        from wtforms import SelectField

        return SelectField(_l("Counted"), choices=[(k, v) for k, v in SERIES_SCOPES.items()])

    def __init__(self, **kwargs):
        self.add_form_extra_fields = self.edit_form_extra_fields = {
            "scope": self._scope_field()}
        super().__init__(**kwargs)
