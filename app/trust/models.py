"""What verification trusts (the roots, CA certificates and CRLs the admin loaded) and the
evidence kept with each file: its signature verdict and the full report."""

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import relationship

from app.core.audit import ACTION_LABELS
from app.core.timeutil import utcnow

ANCHOR_KINDS = {
    "root": _l("Root certificate"),
    "ca": _l("Intermediate CA certificate"),
    "crl": _l("Revocation list (CRL)"),
}

# The verdicts a clerk sees (badge text, Bootstrap colour).
SIGNATURE_STATUSES = {
    "valid": (_l("Valid (Hợp lệ)"), "success"),
    "modified": (_l("Not intact: changed after signing (Không toàn vẹn)"), "danger"),
    "revoked": (_l("Certificate revoked (Chứng thư đã bị thu hồi)"), "danger"),
    "unverifiable": (_l("Signature cannot be verified (Chữ ký không kiểm tra được)"),
                     "warning"),
    "untrusted": (_l("Not trusted (Không tin cậy)"), "warning"),
    "unsigned": (_l("No digital signature (Không có chữ ký số)"), "default"),
}

# The same verdicts in one word for a list row (the full verdict is the badge's title and
# the document page's): valid, a warning, not valid, not signed.
SIGNATURE_SHORT = {
    "valid": (_l("signature valid"), "success"),
    "warning": (_l("signature warning"), "warning"),
    "invalid": (_l("signature not valid"), "danger"),
    "unsigned": (_l("not signed"), "default"),
}
SHORT_VERDICT = {"valid": "valid", "modified": "invalid", "revoked": "invalid",
                 "unverifiable": "warning", "untrusted": "warning", "unsigned": "unsigned"}

PROBLEMS = {
    "unknown_ca": _l("the certificate was not issued by a trusted authority"),
    "expired": _l("the certificate has expired"),
    "weak_algorithm": _l("a weak algorithm is used (SHA-1 or an RSA key under 2048 bits)"),
    "revoked": _l("the certificate was revoked"),
    "modified_after_signing": _l("the file was changed after it was signed"),
    "malformed": _l("the signature is damaged"),
    "damaged": _l("the file is damaged, its signatures cannot be read"),
    "unsupported_format": _l("an old signature format that cannot be verified"),
}

REVOCATION = {
    "unknown": _l("unknown (no revocation list loaded)"),
    "good": _l("not revoked"),
    "revoked": _l("revoked"),
}


def status_label(status):
    return str(SIGNATURE_STATUSES.get(status, (status or "", ""))[0])


def status_badge(status):
    if not status:
        return ""
    label, css = SIGNATURE_STATUSES.get(status, (status, "default"))
    return Markup('<span class="label label-{} qlvb-signature qlvb-signature-{}">{}</span>'
                  ).format(css, status, label)


def short_badge(status: str | None, details: str = "") -> Markup | str:
    """The one-word badge of a list row; ``details`` (else the full verdict) is its title.
    The word is on the badge, the colour only repeats it."""
    if not status:
        return ""
    verdict = SHORT_VERDICT.get(status, "warning")
    word, css = SIGNATURE_SHORT[verdict]
    return Markup('<span class="label label-{} qlvb-signature-short qlvb-signature-short-{}" '
                  'title="{}">{}</span>').format(css, verdict, details or status_label(status),
                                                 word)


class TrustAnchor(Model):
    """A root certificate, an intermediate CA certificate or a CRL the admin loaded; only
    active ones are used."""

    __tablename__ = "trust_anchor"
    id = Column(Integer, primary_key=True)
    kind = Column(String(10), nullable=False)
    name = Column(String(500), nullable=False)
    fingerprint = Column(String(64), nullable=False)
    data = Column(LargeBinary, nullable=False)  # DER
    not_after = Column(DateTime)
    active = Column(Boolean, nullable=False, default=True)
    added_at = Column(DateTime, nullable=False, default=utcnow)
    added_by_id = Column(Integer, ForeignKey("ab_user.id", name="fk_trust_anchor_added_by"))
    added_by = relationship("AppUser")

    __table_args__ = (UniqueConstraint("fingerprint", name="uq_trust_anchor_fingerprint"),)

    def kind_label(self):
        return str(ANCHOR_KINDS.get(self.kind, self.kind))

    def __repr__(self):
        return self.name


class VerifiedFileMixin:
    """The columns a stored file keeps for its signature verdict and report."""

    signature_status = Column(String(20))
    trust_report = Column(JSON)
    verified_at = Column(DateTime)

    def signature_label(self):
        return status_label(self.signature_status)

    def signature_badge(self):
        return status_badge(self.signature_status)

    def legacy_fonts(self):
        return (self.trust_report or {}).get("legacy_fonts") or []

    def signatures(self):
        return (self.trust_report or {}).get("signatures") or []


AUDIT_ACTIONS = {
    "signature_verified": _l("Signatures verified"),
    "signature_rechecked": _l("Signatures checked again"),
    "secrecy_refused": _l("Refused: secrecy marking (Điều 1)"),
    "trust_anchor_added": _l("Trust root or CRL added"),
    "trust_anchor_disabled": _l("Trust root or CRL disabled"),
    "outgoing_agency_signed": _l("Agency signature applied"),
}


def _register():
    ACTION_LABELS.update(AUDIT_ACTIONS)


_register()
