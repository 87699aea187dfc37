"""Verification of the digital signatures of a PDF with pyHanko, fully offline (docs/domain.md §8):
against the trust roots and CRLs given (never the system's store, never fetched), for each
signature: signer, organisation, signing time and timestamp, intact or modified after
signing, trusted chain, certificate validity at signing time, weak algorithms, revocation.

Never raises on bad input: a damaged file or a malformed signature is a verdict. Signature
fields pyHanko cannot verify (e.g. ``adbe.pkcs7.sha1``) are reported as such, never as
"unsigned"."""

import io
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509

log = logging.getLogger(__name__)
# pyHanko logs ordinary "untrusted" or "modified" outcomes with tracebacks; the verdict is
# what we keep.
logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
logging.getLogger("pyhanko_certvalidator").setLevel(logging.CRITICAL)

# Overall verdicts, worst first; a document's verdict is that of its worst signature.
MODIFIED = "modified"
REVOKED = "revoked"
UNVERIFIABLE = "unverifiable"
UNTRUSTED = "untrusted"
VALID = "valid"
UNSIGNED = "unsigned"
SEVERITY = (MODIFIED, REVOKED, UNVERIFIABLE, UNTRUSTED, VALID)

WEAK_DIGESTS = {"md5", "sha1"}
MIN_RSA_BITS = 2048


@dataclass
class Anchors:
    """What verification trusts: root certificates, other CA certificates (intermediates
    a signer did not embed) and CRLs, as asn1crypto objects."""

    roots: list = field(default_factory=list)
    others: list = field(default_factory=list)
    crls: list = field(default_factory=list)


def load_certificates(data):
    """The certificates of PEM (one or many) or DER ``data``; ValueError if none."""
    out = []
    if pem.detect(data):
        for kind, _headers, der in pem.unarmor(data, multiple=True):
            if kind == "CERTIFICATE":
                out.append(asn1_x509.Certificate.load(der))
    else:
        out.append(asn1_x509.Certificate.load(data))
    for cert in out:
        _ = cert.subject.human_friendly, cert["tbs_certificate"]["validity"].native
    if not out:
        raise ValueError("no certificate")
    return out


def load_crl(data):
    """A CRL in PEM or DER; ValueError if it is not one."""
    from asn1crypto import crl as asn1_crl

    if pem.detect(data):
        _kind, _headers, data = pem.unarmor(data)
    loaded = asn1_crl.CertificateList.load(data)
    _ = loaded.issuer.human_friendly, loaded["tbs_cert_list"]["revoked_certificates"].native
    return loaded


def _name_attr(name, attr):
    try:
        value = name.native.get(attr)
    except (ValueError, TypeError):
        return None
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    return value


def _iso(moment):
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _rsa_bits(cert):
    try:
        if cert.public_key.algorithm == "rsa":
            return cert.public_key.bit_size
    except (ValueError, KeyError, AttributeError):
        pass
    return None


def _context(anchors, moment=None):
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=list(anchors.roots), other_certs=list(anchors.others),
                             crls=list(anchors.crls), allow_fetching=False,
                             revocation_mode="soft-fail", moment=moment)


def _key_usage():
    from pyhanko.sign.validation.settings import KeyUsageConstraints

    return KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"},
                               match_all_key_usages=False)


def _crl_covers(anchors, cert):
    issuer = cert.issuer
    return any(c.issuer == issuer for c in anchors.crls)


def _listed_revoked(anchors, cert):
    """A loaded CRL of the certificate's issuer lists it: revoked, whatever the certificate
    declares about where its revocation status is published."""
    for crl in anchors.crls:
        if crl.issuer != cert.issuer:
            continue
        for entry in crl["tbs_cert_list"]["revoked_certificates"] or []:
            if entry["user_certificate"].native == cert.serial_number:
                return True
    return False


def _one(embedded, anchors):
    """The verdict of one embedded signature, as a plain dict."""
    from pyhanko.sign.validation import validate_pdf_signature

    sig = {"field": embedded.field_name, "subfilter": None, "status": UNVERIFIABLE,
           "intact": None, "valid": None, "trusted": None, "coverage": None,
           "modification_level": None, "signer": None, "organisation": None,
           "issuer": None, "serial": None, "signing_time": None, "timestamp": None,
           "certificate_valid_at_signing": None, "certificate_expired": None,
           "weak_algorithms": [], "revocation": "unknown", "problem": None}
    try:
        sig["subfilter"] = str(embedded.sig_object.get("/SubFilter", "")).lstrip("/") or None
        cert = embedded.signer_cert
        sig["signer"] = _name_attr(cert.subject, "common_name")
        sig["organisation"] = _name_attr(cert.subject, "organization_name")
        sig["issuer"] = _name_attr(cert.issuer, "common_name")
        sig["serial"] = format(cert.serial_number, "x")
        claimed = embedded.self_reported_timestamp
        sig["signing_time"] = _iso(claimed)
        status = validate_pdf_signature(embedded, _context(anchors),
                                        key_usage_settings=_key_usage())
    except Exception as exc:  # a malformed signature is a verdict, never a crash
        log.info("signatures: field %s cannot be verified: %s: %s", embedded.field_name,
                 type(exc).__name__, exc)
        sig["problem"] = "malformed"
        return sig
    sig["intact"] = bool(status.intact)
    sig["valid"] = bool(status.valid)
    sig["trusted"] = bool(status.trusted)
    sig["coverage"] = status.coverage.name if status.coverage else None
    sig["modification_level"] = (status.modification_level.name
                                 if status.modification_level else None)
    if status.signer_reported_dt:
        sig["signing_time"] = _iso(status.signer_reported_dt)
    ts = status.timestamp_validity
    if ts is not None:
        sig["timestamp"] = _iso(ts.timestamp)
    when = status.signer_reported_dt or claimed
    validity = cert["tbs_certificate"]["validity"]
    not_before, not_after = validity["not_before"].native, validity["not_after"].native
    if when is not None:
        sig["certificate_valid_at_signing"] = bool(not_before <= when <= not_after)
    sig["certificate_expired"] = bool(not_after < datetime.now(UTC))
    digest = (status.md_algorithm or "").lower()
    if digest in WEAK_DIGESTS:
        sig["weak_algorithms"].append(digest)
    bits = _rsa_bits(cert)
    if bits is not None and bits < MIN_RSA_BITS:
        sig["weak_algorithms"].append(f"rsa{bits}")
    revoked = bool(status.revoked) or _listed_revoked(anchors, cert)
    if revoked:
        sig["revocation"] = "revoked"
    elif _crl_covers(anchors, cert):
        sig["revocation"] = "good"
    problem = status.trust_problem_indic
    sig["problem"] = problem.name if problem is not None else None
    if not status.intact or not status.valid:
        sig["status"] = MODIFIED
    elif status.modification_level is not None and not status.docmdp_ok:
        sig["status"] = MODIFIED
        sig["problem"] = "modified_after_signing"
    elif revoked:
        sig["status"] = REVOKED
        sig["problem"] = "revoked"
    elif status.trusted and not sig["weak_algorithms"]:
        sig["status"] = VALID
    else:
        sig["status"] = UNTRUSTED
        if sig["weak_algorithms"]:
            sig["problem"] = "weak_algorithm"
        elif sig["certificate_expired"]:
            sig["problem"] = "expired"
        elif problem is not None and "CHAIN" in problem.name:
            sig["problem"] = "unknown_ca"
    return sig


def _signature_fields(reader):
    """Names of the filled signature fields, with their /SubFilter."""
    from pyhanko.sign.fields import enumerate_sig_fields

    out = {}
    for name, value, _ref in enumerate_sig_fields(reader, filled_status=True):
        try:
            sub = str(value.get_object().get("/SubFilter", "")).lstrip("/")
        except Exception:
            sub = ""
        out[name] = sub
    return out


def verify(data, anchors=None):
    """The signature report of the PDF ``data`` (bytes): ``{"status", "signatures"}``."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    anchors = anchors or Anchors()
    signatures = []
    problem = "damaged"
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        fields = _signature_fields(reader)
        problem = "malformed"
        embedded = list(reader.embedded_signatures)
    except Exception as exc:
        log.info("signatures: cannot read the PDF: %s: %s", type(exc).__name__, exc)
        if b"/ByteRange" in data:  # it carries a signature we cannot reach
            signatures.append({"field": None, "status": UNVERIFIABLE, "problem": problem,
                               "weak_algorithms": [], "revocation": "unknown"})
            return {"status": UNVERIFIABLE, "signatures": signatures}
        return {"status": UNSIGNED, "signatures": []}
    seen = set()
    for sig in embedded:
        seen.add(sig.field_name)
        signatures.append(_one(sig, anchors))
    for name, subfilter in fields.items():
        if name not in seen:  # a signature pyHanko skips: reported, never "unsigned"
            signatures.append({"field": name, "subfilter": subfilter or None,
                               "status": UNVERIFIABLE, "problem": "unsupported_format",
                               "weak_algorithms": ["sha1"] if "sha1" in subfilter else [],
                               "revocation": "unknown"})
    if not signatures:
        if b"/ByteRange" in data:
            signatures.append({"field": None, "status": UNVERIFIABLE, "problem": "malformed",
                               "weak_algorithms": [], "revocation": "unknown"})
        else:
            return {"status": UNSIGNED, "signatures": []}
    worst = min((s["status"] for s in signatures), key=SEVERITY.index)
    return {"status": worst, "signatures": signatures}
