"""The envelope signature of an edXML package: an XMLDSig enveloped signature (signxml) with
the agency's certificate (the PKCS#12 at ``QLVB_AGENCY_P12``, the one app/trust signs the
issued PDFs with), placed in ``edXMLHeader`` as QCVN 102 places ``Signature``.

The reference is the whole document (``URI=""`` with the enveloped-signature transform, as
the official samples sign): header, manifest and the attachments outside the envelope.
We sign RSA-SHA256 with exclusive canonicalisation; SHA-1 signatures (the samples') are
verified but never called valid, as app/trust treats SHA-1 in PDFs.

Verification is a verdict, never an exception about the signature: a package whose
signature is missing or invalid still parses, and the caller decides (the clerk, who sees
the verdict). The trust roots are an argument (``app.trust.signatures.Anchors``, as
``app.trust.services.load_anchors`` loads them), so the function is pure and works offline.
The PDF inside keeps its own signature, verified by app/trust as any e-document."""

from __future__ import annotations

import asyncio
import base64
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from flask_babel import lazy_gettext as _l
from lxml import etree

from app.exchange import codec, errors
from app.trust.signatures import Anchors

# A CRL the admin loaded lists the certificate: revoked, as app/trust decides for PDFs.
from app.trust.signatures import _listed_revoked as listed_revoked

DS = codec.DS
_HEADER = f"{{{codec.NS}}}edXMLEnvelope/{{{codec.NS}}}edXMLHeader"
C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
WEAK = ("sha1", "md5")


class Verdict(enum.StrEnum):
    VALID = "valid"          # intact, signed by a certificate chained to a trust root
    INVALID = "invalid"      # altered, malformed, or the certificate is revoked
    MISSING = "missing"      # no envelope signature
    UNTRUSTED = "untrusted"  # intact, but the signer cannot be trusted (chain, expiry, SHA-1)


@dataclass(frozen=True)
class SignatureVerdict:
    status: Verdict
    # Why, when not valid: modified, malformed, not_xmldsig, several_signatures, misplaced,
    # partial_reference, no_certificate, revoked, untrusted_chain, expired, key_usage,
    # weak_algorithm.
    reason: str | None = None
    signer: str | None = None
    organisation: str | None = None
    serial: str | None = None
    algorithm: str | None = None

    @property
    def valid(self) -> bool:
        return self.status is Verdict.VALID


@dataclass(frozen=True)
class SigningKey:
    key: Any  # an RSA or EC private key of ``cryptography``
    certificate: x509.Certificate
    chain: tuple[x509.Certificate, ...] = ()


def load_p12(data: bytes, passphrase: str | bytes | None) -> SigningKey:
    """The key, certificate and chain of a PKCS#12 (ValueError when it cannot be opened)."""
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    key, cert, chain = pkcs12.load_key_and_certificates(data, passphrase or None)
    if key is None or cert is None:
        raise ValueError("no key or certificate in the PKCS#12")
    return SigningKey(key=key, certificate=cert, chain=tuple(chain or ()))


def agency_key(config: Mapping[str, Any]) -> SigningKey:
    """The agency's key from the configuration (``QLVB_AGENCY_P12`` and
    ``QLVB_AGENCY_P12_PASSPHRASE``, as app/trust's agency signature reads them)."""
    path = config.get("QLVB_AGENCY_P12")
    try:
        with open(path or "", "rb") as fh:
            return load_p12(fh.read(), config.get("QLVB_AGENCY_P12_PASSPHRASE") or "")
    except (OSError, ValueError, TypeError):
        raise errors.ExchangeError(_l(
            "The agency's signing certificate cannot be opened; tell the administrator "
            "(QLVB_AGENCY_P12 and its passphrase).")) from None


def sign(data: bytes, key: SigningKey, limits: codec.Limits = codec.DEFAULT_LIMITS) -> bytes:
    """``data`` (an edXML package) with an enveloped XMLDSig signature in ``edXMLHeader``,
    after ``TraceHeaderList`` (a document) or ``MessageHeader`` (a status); a signature
    already there is replaced."""
    from signxml import SignatureConstructionMethod, XMLSigner

    root = codec.parse_xml(data, limits)
    header = root.find(_HEADER)
    if header is None:
        raise errors.MissingField("edXMLHeader")
    for old in header.findall(f"{{{DS}}}Signature"):
        header.remove(old)
    placeholder = etree.Element(f"{{{DS}}}Signature", Id="placeholder", nsmap={"ds": DS})
    anchor = header.find(f"{{{codec.NS}}}TraceHeaderList")
    if anchor is None:
        anchor = header.find(f"{{{codec.NS}}}MessageHeader")
    if anchor is None:
        header.append(placeholder)
    else:
        anchor.addnext(placeholder)
    algorithm = "ecdsa-sha256" if isinstance(key.key, ec.EllipticCurvePrivateKey) else "rsa-sha256"
    signer = XMLSigner(method=SignatureConstructionMethod.enveloped,
                       signature_algorithm=algorithm, digest_algorithm="sha256",
                       c14n_algorithm=C14N)
    # The root has no Id: the reference is URI="", the whole document.
    signed = signer.sign(root, key=key.key, cert=[key.certificate, *key.chain])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def _name(cert: x509.Certificate, oid: x509.ObjectIdentifier) -> str | None:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _embedded(signature: etree._Element) -> list[x509.Certificate]:
    out = []
    for node in signature.iterfind(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate"):
        try:
            out.append(x509.load_der_x509_certificate(
                base64.b64decode("".join((node.text or "").split()), validate=True)))
        except ValueError:
            continue
    return out


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _chain_problem(cert: x509.Certificate, others: list[x509.Certificate], anchors: Anchors,
                   moment: datetime | None) -> tuple[Verdict, str] | None:
    """What stands between ``cert`` and a trust root of ``anchors``, or None."""
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import CertificateValidator, ValidationContext
    from pyhanko_certvalidator import errors as cv

    def load(c: x509.Certificate) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    context = ValidationContext(trust_roots=list(anchors.roots),
                                other_certs=list(anchors.others) + [load(c) for c in others],
                                crls=list(anchors.crls), allow_fetching=False,
                                revocation_mode="soft-fail", moment=moment)
    end_entity = load(cert)
    if listed_revoked(anchors, end_entity):
        return Verdict.INVALID, "revoked"
    validator = CertificateValidator(end_entity, validation_context=context)
    try:
        asyncio.run(validator.async_validate_usage({"digital_signature"}))
    except cv.RevokedError:
        return Verdict.INVALID, "revoked"
    except (cv.ExpiredError, cv.NotYetValidError):
        return Verdict.UNTRUSTED, "expired"
    except cv.InvalidCertificateError:
        return Verdict.UNTRUSTED, "key_usage"
    except (cv.PathBuildingError, cv.PathValidationError, cv.ValidationError):
        return Verdict.UNTRUSTED, "untrusted_chain"
    return None


def verify(data: bytes, anchors: Anchors, moment: datetime | None = None,
           limits: codec.Limits = codec.DEFAULT_LIMITS) -> SignatureVerdict:
    """The verdict on the envelope signature of ``data`` against the trust roots
    ``anchors``: valid, invalid (why), missing, or untrusted (why). Raises only what
    ``codec.parse_xml`` raises on bytes that are not a readable edXML package."""
    from signxml import InvalidCertificate, InvalidInput, SignatureConfiguration, XMLVerifier
    from signxml.algorithms import DigestAlgorithm, SignatureMethod

    root = codec.parse_xml(data, limits)
    signatures = list(root.iter(f"{{{DS}}}Signature"))
    if not signatures:
        header = root.find(_HEADER)
        if header is not None and header.find(f"{{{codec.NS}}}Signature") is not None:
            return SignatureVerdict(Verdict.INVALID, "not_xmldsig")
        return SignatureVerdict(Verdict.MISSING)
    if len(signatures) > 1:
        return SignatureVerdict(Verdict.INVALID, "several_signatures")
    signature = signatures[0]
    parent = signature.getparent()
    if parent is None or parent.tag != f"{{{codec.NS}}}edXMLHeader" or parent.getparent() \
            is None or parent.getparent().getparent() is not root:
        return SignatureVerdict(Verdict.INVALID, "misplaced")
    references = signature.findall(f"{{{DS}}}SignedInfo/{{{DS}}}Reference")
    if len(references) != 1 or references[0].get("URI") != "":
        return SignatureVerdict(Verdict.INVALID, "partial_reference")
    method = signature.find(f"{{{DS}}}SignedInfo/{{{DS}}}SignatureMethod")
    digest = references[0].find(f"{{{DS}}}DigestMethod")
    algorithm = " ".join(x.get("Algorithm", "").rsplit("#", 1)[-1]
                         for x in (method, digest) if x is not None) or None
    certs = _embedded(signature)
    if not certs:
        return SignatureVerdict(Verdict.INVALID, "no_certificate", algorithm=algorithm)
    cert = next((c for c in certs if not _is_ca(c)), certs[0])
    about = {"signer": _name(cert, x509.NameOID.COMMON_NAME),
             "organisation": _name(cert, x509.NameOID.ORGANIZATION_NAME),
             "serial": format(cert.serial_number, "x"), "algorithm": algorithm}
    config = SignatureConfiguration(location=".//", expect_references=1,
                                    signature_methods=frozenset(SignatureMethod),
                                    digest_algorithms=frozenset(DigestAlgorithm))
    try:
        XMLVerifier().verify(root, x509_cert=cert, expect_config=config)
    except InvalidCertificate:
        return SignatureVerdict(Verdict.UNTRUSTED, "expired", **about)
    except InvalidInput:
        return SignatureVerdict(Verdict.INVALID, "malformed", **about)
    except Exception:  # InvalidDigest, InvalidSignature, or a signature that does not compute
        return SignatureVerdict(Verdict.INVALID, "modified", **about)
    problem = _chain_problem(cert, [c for c in certs if c is not cert], anchors, moment)
    if problem is not None:
        return SignatureVerdict(problem[0], problem[1], **about)
    if algorithm and any(w in algorithm.lower() for w in WEAK):
        return SignatureVerdict(Verdict.UNTRUSTED, "weak_algorithm", **about)
    return SignatureVerdict(Verdict.VALID, **about)


__all__ = ["SignatureVerdict", "SigningKey", "Verdict", "agency_key", "load_p12", "sign",
           "verify"]
