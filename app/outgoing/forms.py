"""The forms of the outgoing screens."""

from flask_appbuilder.fieldwidgets import Select2ManyWidget, Select2Widget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from wtforms import (
    BooleanField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)

from app.core.errors import DomainError
from app.core.inputs import CleanForm
from app.core.views import VNDateField, VNDatePickerWidget
from app.incoming.forms import type_choices, unit_choices
from app.incoming.models import URGENCY
from app.outgoing.models import CHANNELS, SIGNING_FORMS
from app.outgoing.services import RecipientSpec
from app.security import permissions as P
from app.security.services import unit_users_who_can


def colleague_choices(session, unit_id, exclude_id=None, permission=None):
    people = unit_users_who_can(session, unit_id, permission, P.OUTGOING) if permission else (
        unit_users_who_can(session, unit_id, P.DRAFT, P.OUTGOING)
        + unit_users_who_can(session, unit_id, P.SIGN, P.OUTGOING))
    seen, out = set(), []
    for u in sorted(people, key=lambda u: u.get_full_name()):
        if u.id in seen or u.id == exclude_id:
            continue
        seen.add(u.id)
        out.append((str(u.id), f"{u.get_full_name()} — {u.position or ''}".rstrip(" —")))
    return out


class RecipientsMixin:
    units = SelectMultipleField(_l("Units of the system (electronic)"), choices=[],
                                validate_choice=False, widget=Select2ManyWidget(),
                                description=_l("Type a name to find it; choose several "
                                               "if needed."))
    outside = TextAreaField(_l("Outside recipients"), render_kw={"rows": 3},
                            description=_l("One per line: name; paper, email or both. "
                                           "E.g. \"Tỉnh ủy Hưng Yên; paper\". By liên "
                                           "thông: name; exchange; mã định danh."))

    def recipient_specs(self):
        specs = [RecipientSpec(unit_id=int(v)) for v in self.units.data or [] if v.isdigit()]
        channels = {"paper": "paper", "email": "email", "both": "paper_email",
                    "paper_email": "paper_email", "e-mail": "email",
                    "giấy": "paper", "thư điện tử": "email", "cả hai": "paper_email",
                    "exchange": "exchange", "liên thông": "exchange"}
        for line in (self.outside.data or "").splitlines():
            if not line.strip():
                continue
            name, _sep, rest = line.partition(";")
            channel, _sep, organ_id = rest.partition(";")
            channel = channel.strip().lower() or "paper"
            if not name.strip() or channel not in channels:
                raise DomainError(_("Write each outside recipient as \"name; paper\", "
                                    "\"name; email\" or \"name; both\": %(line)s",
                                    line=line.strip()), field="outside")
            specs.append(RecipientSpec(name=name.strip(), channel=channels[channel],
                                       organ_id=organ_id.strip()))
        return specs


class DraftForm(RecipientsMixin, CleanForm):
    document_type_id = SelectField(_l("Document type"), choices=[], validate_choice=False)
    summary = TextAreaField(_l("Summary (trích yếu)"), render_kw={"rows": 3})
    urgency = SelectField(_l("Urgency"), choices=[(str(k), v) for k, v in URGENCY.items()],
                          default="0")
    signer_id = SelectField(_l("Signer"), choices=[], validate_choice=False,
                            widget=Select2Widget())
    draft_file = FileField(_l("Draft file"))
    attachments = MultipleFileField(_l("Attachments (PDF, Word, Excel, images)"))
    reply_to_id = StringField(_l("In reply to incoming document (id)"))
    replaces_id = HiddenField()

    def fill_choices(self, session, unit_id):
        self.document_type_id.choices = type_choices(session)
        self.signer_id.choices = [("", _l("— choose —"))] + colleague_choices(
            session, unit_id, permission=P.SIGN)
        self.units.choices = unit_choices(session, exclude=unit_id)


class RecipientsForm(RecipientsMixin, CleanForm):
    pass


class SubmitForm(CleanForm):
    to_user_id = SelectField(_l("Send to"), choices=[], validate_choice=False,
                             widget=Select2Widget())
    comment = TextAreaField(_l("Comment"), render_kw={"rows": 3})


class ReturnForm(CleanForm):
    comment = TextAreaField(_l("Why is it returned?"), render_kw={"rows": 3})


class VersionForm(CleanForm):
    draft_file = FileField(_l("New version of the draft"))


class SignForm(CleanForm):
    signing_form = SelectField(_l("Form of signature"),
                               choices=[(k, v) for k, v in SIGNING_FORMS.items()])
    sensitive = BooleanField(_l("Not to be sent through the software (Điều 6.1): paper only"))
    paper_copy = BooleanField(_l("Send a paper copy as well to the units that receive it "
                                 "electronically (Điều 6.2)"))


class NumberForm(CleanForm):
    document_date = VNDateField(_l("Document date"), widget=VNDatePickerWidget())


class ReasonForm(CleanForm):
    reason = TextAreaField(_l("Reason"), render_kw={"rows": 3})


class FinalFileForm(CleanForm):
    final_file = FileField(_l("Final signed PDF"))


class IssueForm(CleanForm):
    agency_sign = BooleanField(_l("Apply the agency's digital signature (with a visible "
                                  "stamp) to the PDF the recipients receive"))
    late_reason = TextAreaField(_l("Reason for issuing late"), render_kw={"rows": 2},
                                description=_l("Required when the document goes out later "
                                               "than the rule allows (Điều 6.4–6.5)."))


CHANNEL_CHOICES = list(CHANNELS.items())
