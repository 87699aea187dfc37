"""The checks every PDF goes through when it enters (incoming intake, electronic delivery,
the final outgoing PDF) and when asked again, as plain functions on a session (Quy chế
Điều 6.2, Điều 8: check origin, legality, integrity and information safety):

- the safety scan (``app.core.filecheck``);
- secrecy markings in the text (Điều 1: secret documents never enter the system);
- legacy Vietnamese fonts (TCVN3, VNI) flagged for the clerk;
- signatures, verified offline against the trust roots and CRLs the admin loaded."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from app.core import audit, storage
from app.core.errors import DomainError
from app.core.filecheck import FileCheck, check_main_pdf, scan_pdf
from app.core.timeutil import utcnow
from app.jobs import runner as jobs
from app.jobs.models import Job
from app.security.models import AppUser
from app.trust import secrecy, signatures, vnencoding
from app.trust.models import TrustAnchor, VerifiedFileMixin

log = logging.getLogger(__name__)

# A stored file row with a verdict (VerifiedFileMixin): an IncomingFile or an OutgoingFile,
# of the features above this one.
FileRow = Any


class SecretMarking(DomainError):
    """A file or a number and symbol carries a secrecy marking (Điều 1)."""

    def __init__(self, marking: str, name: str | None = None, field: str | None = None) -> None:
        if name:
            message = _("The file “%(name)s” carries the secrecy marking “%(marking)s”: secret "
                        "documents must never enter the system (Quy chế Điều 1). It was not "
                        "stored; handle it on paper.", name=name, marking=marking)
        else:
            message = _("The number and symbol carry the secrecy marking “%(marking)s”: secret "
                        "documents must never enter the system (Quy chế Điều 1). Handle it "
                        "on paper.", marking=marking)
        super().__init__(message, field=field)
        self.marking = marking


# -- trust roots and CRLs ------------------------------------------------------------------

def _config_anchor_files() -> list[str]:
    value = current_app.config.get("QLVB_TRUST_ROOTS") or ""
    if isinstance(value, str):
        value = [p for p in value.split(os.pathsep) if p.strip()]
    return value


def load_anchors(session: Session | None = None,
                 extra_files: Iterable[str] = ()) -> signatures.Anchors:
    """What verification trusts: the active roots, CA certificates and CRLs the admin
    loaded, plus the PEM files named in the configuration (``QLVB_TRUST_ROOTS``) and
    ``extra_files``."""
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509

    anchors = signatures.Anchors()
    if session is not None:
        rows = session.execute(select(TrustAnchor).where(TrustAnchor.active.is_(True))
                               ).scalars().all()
        for row in rows:
            if row.kind == "crl":
                anchors.crls.append(asn1_crl.CertificateList.load(row.data))
            elif row.kind == "root":
                anchors.roots.append(asn1_x509.Certificate.load(row.data))
            else:
                anchors.others.append(asn1_x509.Certificate.load(row.data))
    for path in list(_config_anchor_files()) + list(extra_files):
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            for cert in signatures.load_certificates(data):
                (anchors.roots if cert.self_signed else anchors.others).append(cert)
        except (ValueError, TypeError):
            anchors.crls.append(signatures.load_crl(data))
    return anchors


def _parse_anchor(data: bytes) -> list[tuple[str, str, bytes, datetime | None]]:
    """``[(kind, name, der, not_after)]`` of PEM or DER ``data``: certificates or a CRL."""
    try:
        certs = signatures.load_certificates(data)
    except Exception:
        certs = []
    if certs:
        return [("root" if c.self_signed else "ca", c.subject.human_friendly, c.dump(),
                 c["tbs_certificate"]["validity"]["not_after"].native) for c in certs]
    try:
        crl = signatures.load_crl(data)
    except Exception as exc:
        raise DomainError(_("The file is neither a certificate nor a revocation list (PEM or "
                            "DER)."), field="file") from exc
    next_update = crl["tbs_cert_list"]["next_update"].native
    return [("crl", crl.issuer.human_friendly, crl.dump(), next_update)]


def add_anchor(session: Session, user: AppUser | None, data: bytes) -> list[TrustAnchor]:
    """The admin loads a root certificate (e.g. of Ban Cơ yếu Chính phủ), an intermediate
    or a CRL (docs/domain.md §8: verification works offline against configured roots)."""
    if not data:
        raise DomainError(_("The file is empty."), field="file")
    added = []
    for kind, name, der, not_after in _parse_anchor(data):
        fingerprint = hashlib.sha256(der).hexdigest()
        with session.no_autoflush:
            existing = session.execute(select(TrustAnchor).where(
                TrustAnchor.fingerprint == fingerprint)).scalar_one_or_none()
        if existing is not None:
            if existing.active:
                raise DomainError(_("This certificate or list is already loaded: %(name)s.",
                                    name=existing.name), field="file")
            existing.active = True
            row = existing
        else:
            row = TrustAnchor(kind=kind, name=name[:500], fingerprint=fingerprint, data=der,
                              not_after=not_after.replace(tzinfo=None) if not_after else None,
                              added_by_id=getattr(user, "id", None))
            session.add(row)
        session.flush()
        audit.record(session, "trust_anchor_added", row, user=user,
                     details={"kind": kind, "name": row.name, "sha256": fingerprint})
        added.append(row)
    queue_reverify(session)
    return added


def disable_anchor(session: Session, user: AppUser | None, anchor: TrustAnchor) -> None:
    """The admin stops trusting a root or drops a CRL; it stays listed, inactive."""
    anchor.active = False
    audit.record(session, "trust_anchor_disabled", anchor, user=user,
                 details={"name": anchor.name, "sha256": anchor.fingerprint})
    queue_reverify(session)


# -- the stored files' verdicts after the trust roots change ---------------------------------

REVERIFY_JOB = "trust.reverify"
# The verdicts a change of roots or CRLs can turn (not "modified", "unsigned": the bytes'
# own facts).
_ROOT_DEPENDENT = ("valid", "revoked", "untrusted", "unverifiable")


def queue_reverify(session: Session) -> Job:
    """After the admin changed the roots or CRLs, verify the stored files again in a
    background job (docs/domain.md §8), once per set of active roots: the job of a set
    already queued is that set's job."""
    session.flush()
    fingerprints = sorted(session.scalars(select(TrustAnchor.fingerprint).where(
        TrustAnchor.active.is_(True))))
    roots = hashlib.sha256("\n".join(fingerprints).encode()).hexdigest()
    return jobs.enqueue(session, REVERIFY_JOB, {"roots": roots},
                        dedupe_key=f"{REVERIFY_JOB}:{roots}")


def _verified_models() -> list[Any]:
    """The file models keeping a verdict (of the features above this one)."""
    from flask_appbuilder import Model

    return sorted((m.class_ for m in Model.registry.mappers
                   if issubclass(m.class_, VerifiedFileMixin)), key=lambda c: c.__name__)


def reverify_stored(session: Session, roots: str | None = None) -> int:
    """The ``trust.reverify`` job: verify again, against the roots and CRLs active now,
    every stored PDF whose verdict depends on them; a verdict that changes is recorded in
    the audit trail. Running it twice changes nothing more. The number of changed
    verdicts."""
    anchors = load_anchors(session)
    changed = 0
    for model in _verified_models():
        for row in session.scalars(select(model).where(
                model.signature_status.in_(_ROOT_DEPENDENT)).order_by(model.id)):
            if not row.is_pdf() or not storage.exists(row.sha256):
                continue
            previous = row.signature_status
            report = verify_row(session, row, action=None, anchors=anchors)
            if report is None or report["status"] == previous:
                continue
            changed += 1
            audit.record(session, "signature_rechecked", row.document, details={
                "file": row.name, "sha256": row.sha256, "status": report["status"],
                "previous": previous, "reason": "trust_roots_changed",
                "signers": [s.get("signer") for s in report["signatures"]]})
    log.info("trust: %d verdict(s) changed after the trust roots changed", changed)
    return changed


# -- what a PDF carries --------------------------------------------------------------------

def legacy_fonts(path: str) -> list[dict[str, str]]:
    """The TCVN3 (``.Vn*``) and VNI (``VNI-*``) fonts the PDF's pages use."""
    from pypdf import PdfReader

    found = {}
    try:
        pages = PdfReader(path, strict=False).pages[:200]
    except Exception:
        log.debug("trust: fonts of %s not read", path, exc_info=True)
        return []
    for number, page in enumerate(pages, start=1):
        try:
            # A page without fonts (a scanned page) has no /Font: the next pages are read.
            resources = page.get("/Resources")
            fonts = resources.get_object().get("/Font") if resources is not None else None
            for ref in (fonts.get_object() if fonts is not None else {}).values():
                base = str(ref.get_object().get("/BaseFont", ""))
                kind = vnencoding.legacy_font_kind(base)
                if kind:
                    found[base.lstrip("/")] = kind
        except Exception:
            log.debug("trust: fonts of page %d of %s not read", number, path, exc_info=True)
    return [{"font": name, "encoding": kind} for name, kind in sorted(found.items())]


def report_for(path: str, anchors: signatures.Anchors | None) -> dict[str, Any]:
    """The evidence kept with a PDF: its signature report and its legacy fonts."""
    with open(path, "rb") as fh:
        data = fh.read()
    report = signatures.verify(data, anchors)
    report["legacy_fonts"] = legacy_fonts(path)
    report["checked_at"] = utcnow().isoformat(timespec="seconds")
    return report


@dataclass
class Inspection:
    """Everything intake checks of one file, for the command line."""

    file: str
    accepted: bool
    problems: list = field(default_factory=list)
    secrecy: str | None = None
    report: dict = field(default_factory=dict)
    safety: dict = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        sig = self.report
        return {"file": self.file, "accepted": self.accepted, "problems": self.problems,
                "secrecy_marking": self.secrecy, "safety": self.safety,
                "signature_status": sig.get("status"),
                "signatures": sig.get("signatures", []),
                "legacy_fonts": sig.get("legacy_fonts", [])}


def inspect(path: str, anchors: signatures.Anchors | None) -> Inspection:
    """The checks intake runs on ``path``, without storing anything: accepted or why not
    (safety findings, secrecy marking), the signature verdicts, legacy fonts."""
    check = scan_pdf(path)
    result = Inspection(file=path, accepted=check.ok, problems=list(check.messages()),
                        safety=check.as_dict())
    if check.ok:
        result.secrecy = secrecy.find_marking(check.text)
        if result.secrecy:
            result.accepted = False
            result.problems.append(str(SecretMarking(result.secrecy, os.path.basename(path))))
    result.report = report_for(path, anchors)
    return result


def intake_check(session: Session) -> Callable[[str, str | None], FileCheck]:
    """The check of the main PDF of a record (for ``storage.store(check=...)``): the safety
    scan, then secrecy markings (refused, Điều 1), then the signatures and legacy fonts,
    kept on the result as ``trust``."""
    anchors = load_anchors(session)

    def check(path: str, name: str | None = None) -> FileCheck:
        result = check_main_pdf(path, name)
        marking = secrecy.find_marking(result.text)
        if marking:
            raise SecretMarking(marking, name=name, field="main_file")
        # Carried to the file row by apply_check.
        result.trust = report_for(path, anchors)  # type: ignore[attr-defined]
        return result

    return check


def refusal_action(error: Exception) -> str:
    """The audit action of a refused file: secrecy refusals are listed on their own."""
    return "secrecy_refused" if isinstance(error, SecretMarking) else "file_refused"


def refuse_secret_symbol(session: Session, user: AppUser | None, symbol: str,
                         field: str = "symbol") -> None:
    """Refuse a number and symbol carrying a secrecy marking (Điều 1); the refusal is an
    audit event committed apart from the refused work."""
    marking = secrecy.symbol_marking(symbol)
    if not marking:
        return
    session.rollback()
    audit.record(session, "secrecy_refused", user=user,
                 details={"symbol": symbol, "marking": marking})
    session.commit()
    log.warning("trust: symbol %r refused: secrecy marking %s", symbol, marking)
    raise SecretMarking(marking, field=field)


# -- evidence on stored files ----------------------------------------------------------------

def apply_check(row: FileRow, check: object) -> bool:
    """Keep the verdict computed at intake with the file row."""
    report = getattr(check, "trust", None)
    if report is None:
        return False
    row.signature_status = report["status"]
    row.trust_report = report
    row.verified_at = utcnow()
    return True


def verify_row(session: Session, row: FileRow, user: AppUser | None = None,
               action: str | None = "signature_verified",
               anchors: signatures.Anchors | None = None) -> dict[str, Any] | None:
    """Verify the stored bytes of a file row again (after a new root or CRL, or for a file
    that arrived by electronic delivery) and record the verdict."""
    if not row.is_pdf():
        return None
    if not storage.exists(row.sha256):
        raise DomainError(_("The stored file is missing; report it to the administrator."))
    cache = session.info.setdefault("trust_reports", {})
    key = (row.sha256, action)
    if key not in cache or action == "signature_rechecked":
        anchors = anchors or load_anchors(session)
        cache[key] = report_for(storage.path_for(row.sha256), anchors)
    report = cache[key]
    previous = row.signature_status
    row.signature_status = report["status"]
    row.trust_report = dict(report)
    row.verified_at = utcnow()
    if action is None:
        return report
    audit.record(session, action, row.document, user=user, details={
        "file": row.name, "sha256": row.sha256, "status": report["status"],
        "previous": previous, "signers": [s.get("signer") for s in report["signatures"]]})
    return report


def record_verdict(session: Session, row: FileRow,
                   user: AppUser | None = None) -> None:
    """An audit event for the verdict kept on a new file row."""
    if row.signature_status is None:
        return
    audit.record(session, "signature_verified", row.document, user=user, details={
        "file": row.name, "sha256": row.sha256, "status": row.signature_status,
        "signers": [s.get("signer") for s in (row.trust_report or {}).get("signatures", [])]})


def recheck(session: Session, row: FileRow, user: AppUser | None) -> dict[str, Any]:
    """"Kiểm tra lại": verify a file's signatures again, e.g. after the admin loaded a new
    root or CRL (docs/domain.md §8); the new verdict replaces the old, both are in the trail."""
    if not row.is_pdf():
        raise DomainError(_("Only PDF files carry signatures to check."))
    report = verify_row(session, row, user=user, action="signature_rechecked")
    assert report is not None  # a PDF always gets a verdict
    return report


def needs_reason(doc: Any) -> str | None:
    """An e-document (electronic delivery or outside e-document) whose main file has no
    valid signature: it has no legal value as such (Điều 8), registering it needs a
    reason."""
    if doc.channel not in ("electronic", "external"):
        return None
    main = doc.main_file()
    if main is None or not main.is_pdf() or main.signature_status in (None, "valid"):
        return None
    return main.signature_status


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_reports(session: Session, *args: object) -> None:
    """Reports are shared within one piece of work only (one issue, many recipients)."""
    session.info.pop("trust_reports", None)


def stored_intact(sha256: str) -> bool:
    """Whether the stored bytes still hash to ``sha256`` (False if missing or altered)."""
    return storage.verify_file(sha256) == "ok"
