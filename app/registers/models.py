"""The columns of the registers (sổ đăng ký), which the admin may reorder, rename and hide
(docs/domain.md §7: the Party form's columns were not found, so they are configuration)."""

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Column, Integer, String, UniqueConstraint

from app.core.audit import ACTION_LABELS

REGISTER_KINDS = {
    "incoming": _l("Register of incoming documents"),
    "outgoing": _l("Register of outgoing documents"),
    "tracking": _l("Register for tracking the handling of incoming documents"),
}

# The columns of each register, in the order of docs/domain.md §7 (NĐ 30/2020 forms). The key
# names a field of the rows the services build; the label is the default heading.
DEFAULT_COLUMNS = {
    "incoming": [
        ("arrival_date", _l("Arrival date"), True, 13),
        ("arrival_number", _l("Arrival number"), True, 6),
        ("author", _l("Author"), True, 22),
        ("symbol", _l("Number and symbol"), True, 20),
        ("document_date", _l("Date of the document"), True, 13),
        ("summary", _l("Type and summary of the content"), True, 48),
        ("recipients", _l("Receiving unit or person"), True, 24),
        ("transfer_date", _l("Date handed over"), True, 13),
        ("signature", _l("Signature of receipt"), True, 11),
        ("notes", _l("Notes"), True, 20),
        # The digital-signature check of the received file (Điều 6.2); blank for paper.
        ("e_signature", _l("Electronic signature"), True, 14),
    ],
    "outgoing": [
        ("symbol", _l("Number and symbol"), True, 20),
        ("document_date", _l("Date of the document"), True, 13),
        ("summary", _l("Type and summary of the content"), True, 46),
        ("signer", _l("Signed by"), True, 18),
        ("recipients", _l("Recipients"), True, 28),
        ("archive", _l("Unit or person keeping the file copy"), True, 16),
        ("copies", _l("Number of copies"), True, 7),
        ("transfer_date", _l("Date handed over"), True, 13),
        ("signature", _l("Signature of receipt"), True, 11),
        ("notes", _l("Notes"), True, 20),
    ],
    "tracking": [
        ("arrival_number", _l("Arrival number"), True, 8),
        ("document", _l("Document"), True, 50),
        ("recipients", _l("Receiving unit or person"), True, 26),
        ("deadline", _l("Deadline"), True, 13),
        ("progress", _l("Progress"), True, 34),
        ("replies", _l("Reply documents"), True, 18),
        ("notes", _l("Notes"), True, 18),
    ],
}


class RegisterColumn(Model):
    """The admin's setting of one column of one register: its place, heading and whether
    it is printed. Columns without a setting keep their default."""

    __tablename__ = "register_column"
    id = Column(Integer, primary_key=True)
    kind = Column(String(20), nullable=False)
    key = Column(String(40), nullable=False)
    label = Column(String(120), nullable=False, default="")
    position = Column(Integer, nullable=False, default=0)
    visible = Column(Boolean, nullable=False, default=True)

    __table_args__ = (
        UniqueConstraint("kind", "key", name="uq_register_column_kind_key"),
        CheckConstraint("kind IN ('incoming', 'outgoing', 'tracking')",
                        name="ck_register_column_kind"),
    )

    def kind_label(self):
        return str(REGISTER_KINDS.get(self.kind, self.kind))

    def default_label(self):
        for key, label, _visible, _width in DEFAULT_COLUMNS.get(self.kind, ()):
            if key == self.key:
                return str(label)
        return self.key

    def __repr__(self):
        return f"{self.kind}:{self.key}"


AUDIT_ACTIONS = {
    "register_printed": _l("Register printed"),
    "report_printed": _l("Report printed"),
    "slip_printed": _l("Processing slip printed"),
}


def _register():
    ACTION_LABELS.update(AUDIT_ACTIONS)


_register()
