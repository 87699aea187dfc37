"""The forms of the incoming screens; each turns into a service call's arguments."""

from flask_appbuilder.fieldwidgets import Select2ManyWidget, Select2Widget
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, MultipleFileField
from sqlalchemy import select
from wtforms import (
    BooleanField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import TimeField
from wtforms.validators import NumberRange, Optional

from app.core.inputs import CleanForm
from app.core.views import VNDateField, VNDatePickerWidget
from app.incoming.models import CHANNELS, URGENCY
from app.incoming.services import Entry, Party
from app.reference.models import DocumentType
from app.security import permissions as P
from app.security.services import unit_users_who_can
from app.units.models import Unit

OUTSIDE = ""


def unit_choices(session, exclude=None, blank=None):
    rows = session.execute(select(Unit.id, Unit.name, Unit.abbreviation)
                           .where(Unit.active.is_(True)).order_by(Unit.name)).all()
    choices = [(str(i), f"{n} ({a})") for i, n, a in rows if i != exclude]
    return ([(OUTSIDE, blank)] if blank is not None else []) + choices


def type_choices(session):
    rows = session.execute(select(DocumentType.id, DocumentType.name, DocumentType.abbreviation)
                           .where(DocumentType.active.is_(True))
                           .order_by(DocumentType.name)).all()
    return [("", _l("— choose —"))] + [(str(i), f"{n} ({a})") for i, n, a in rows]


def _date(label, **kw):
    return VNDateField(label, validators=[Optional()], widget=VNDatePickerWidget(), **kw)


class EntryForm(CleanForm):
    """The register fields (vào sổ)."""

    arrival_date = _date(_l("Arrival date"))
    arrival_time = TimeField(_l("Arrival time"), validators=[Optional()],
                             description=_l("Required for very urgent and express "
                                            "documents (hh:mm)."))
    sender_unit_id = SelectField(_l("Author (unit of the system)"), choices=[],
                                 validate_choice=False)
    author_name = StringField(_l("Author (outside body)"),
                              description=_l("Leave the unit empty and write the name of "
                                             "the outside body."))
    symbol = StringField(_l("Number and symbol"), description=_l("e.g. 19-QC/HU, 12/QĐ-UBND"))
    document_date = _date(_l("Document date"))
    document_type_id = SelectField(_l("Document type"), choices=[], validate_choice=False)
    summary = TextAreaField(_l("Summary (trích yếu)"), render_kw={"rows": 3})
    urgency = SelectField(_l("Urgency"), choices=[(str(k), v) for k, v in URGENCY.items()],
                          default="0")
    page_count = IntegerField(_l("Number of pages"),
                              validators=[Optional(), NumberRange(min=1, max=100000)])
    signer_name = StringField(_l("Signed by"))
    reply_deadline = _date(_l("Reply deadline"))
    notes = TextAreaField(_l("Notes"), render_kw={"rows": 2})
    secrecy_confirmed = BooleanField(_l("I confirm the document is not secret (\"Không mật\")"))
    allow_duplicate = BooleanField(_l("Register anyway (I checked the possible duplicate)"))
    trust_reason = TextAreaField(
        _l("Reason for registering without a valid digital signature"), render_kw={"rows": 2},
        description=_l("Required for an e-document whose signature is missing, not trusted or "
                       "not intact: such a document has no legal value (Điều 8)."))

    def fill_choices(self, session):
        self.sender_unit_id.choices = unit_choices(session, blank=_l("— outside the system —"))
        self.document_type_id.choices = type_choices(session)

    def entry(self):
        def as_int(value):
            try:
                return int(value)
            except (TypeError, ValueError):
                return None

        return Entry(
            arrival_date=self.arrival_date.data, arrival_time=self.arrival_time.data,
            sender_unit_id=as_int(self.sender_unit_id.data),
            author_name=self.author_name.data or "", symbol=self.symbol.data or "",
            document_date=self.document_date.data,
            document_type_id=as_int(self.document_type_id.data),
            summary=self.summary.data or "", urgency=as_int(self.urgency.data) or 0,
            page_count=self.page_count.data, signer_name=self.signer_name.data or "",
            reply_deadline=self.reply_deadline.data, notes=self.notes.data or "",
            secrecy_confirmed=bool(self.secrecy_confirmed.data),
            allow_duplicate=bool(self.allow_duplicate.data),
            trust_reason=self.trust_reason.data or "")

    def load(self, entry):
        self.arrival_date.data = entry.arrival_date
        self.arrival_time.data = entry.arrival_time
        self.sender_unit_id.data = str(entry.sender_unit_id) if entry.sender_unit_id else ""
        self.author_name.data = entry.author_name
        self.symbol.data = entry.symbol
        self.document_date.data = entry.document_date
        self.document_type_id.data = str(entry.document_type_id or "")
        self.summary.data = entry.summary
        self.urgency.data = str(entry.urgency or 0)
        self.page_count.data = entry.page_count
        self.signer_name.data = entry.signer_name
        self.reply_deadline.data = entry.reply_deadline
        self.notes.data = entry.notes


class IntakeForm(EntryForm):
    """Paper (scanned) or outside e-document: the file and the register fields at once."""

    channel = SelectField(_l("How it arrived"),
                          choices=[(k, v) for k, v in CHANNELS.items() if k != "electronic"])
    main_file = FileField(_l("Document (PDF)"))
    attachments = MultipleFileField(_l("Attachments (PDF, Word, Excel, images)"))



class RefuseForm(CleanForm):
    reason = TextAreaField(_l("Reason for the refusal"), render_kw={"rows": 4})


class CancelForm(CleanForm):
    reason = TextAreaField(_l("Reason for the cancellation"), render_kw={"rows": 3})


def _party_value(kind, pk):
    return f"{kind}:{pk}"


def parse_party(value):
    """'unit:3' or 'user:7' → (unit_id, user_id)."""
    kind, _, pk = (value or "").partition(":")
    try:
        pk = int(pk)
    except ValueError:
        return None, None
    if kind == "unit":
        return pk, None
    if kind == "user":
        return None, pk
    return None, None


def party_choices(session, unit_id, with_units=True):
    people = unit_users_who_can(session, unit_id, P.PROCESS, P.INCOMING)
    choices = [(_party_value("user", u.id), f"{u.get_full_name()} — {u.position or ''}".rstrip(
        " —")) for u in sorted(people, key=lambda u: u.get_full_name())]
    if with_units:
        choices += [(_party_value("unit", pk), label)
                    for pk, label in unit_choices(session, exclude=unit_id)]
    return choices


class AssignForm(CleanForm):
    direction = TextAreaField(_l("Direction (ý kiến chỉ đạo)"), render_kw={"rows": 3})
    lead = SelectField(_l("Lead (chủ trì)"), choices=[], validate_choice=False,
                       widget=Select2Widget())
    lead_deadline = _date(_l("Lead's deadline"))
    cooperate = SelectMultipleField(_l("Cooperating (phối hợp)"), choices=[],
                                    validate_choice=False, widget=Select2ManyWidget(),
                                    description=_l("Type a name to find it; choose several "
                                                   "if needed."))
    cooperate_deadline = _date(_l("Cooperating parties' deadline"))
    inform = SelectMultipleField(_l("For information (để biết)"), choices=[],
                                 validate_choice=False, widget=Select2ManyWidget(),
                                 description=_l("Type a name to find it; choose several "
                                                "if needed."))

    def parties(self):
        out = []
        unit_id, user_id = parse_party(self.lead.data)
        out.append(Party("lead", unit_id, user_id, self.lead_deadline.data))
        for value in self.cooperate.data or []:
            unit_id, user_id = parse_party(value)
            out.append(Party("cooperate", unit_id, user_id, self.cooperate_deadline.data))
        for value in self.inform.data or []:
            unit_id, user_id = parse_party(value)
            out.append(Party("inform", unit_id, user_id))
        return out


class SubAssignForm(AssignForm):
    pass


class NoteForm(CleanForm):
    text = TextAreaField(_l("Progress or opinion"), render_kw={"rows": 3})
    files = MultipleFileField(_l("Result files"))


class CompleteForm(CleanForm):
    result = TextAreaField(_l("Result of the processing"), render_kw={"rows": 4})
    files = MultipleFileField(_l("Result files"))
