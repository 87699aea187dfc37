"""The envelope signature: what we sign verifies against our trust roots; a changed field
or attachment, a missing signature, a stranger's certificate each get their verdict, and
the package still parses."""

from datetime import UTC, datetime

import pytest
from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from lxml import etree

from app.exchange import codec, errors, fields, signing
from app.exchange.signing import Verdict
from app.trust.signatures import Anchors
from tests.exchange.samples import ours, sample_edxml
from tests.pki import PASSPHRASE, pki


def _asn1(cert):
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


@pytest.fixture(scope="module")
def anchors():
    p = pki()
    return Anchors(roots=[_asn1(p.root)], others=[_asn1(p.sub)],
                   crls=[asn1_crl.CertificateList.load(
                       p.crl.public_bytes(serialization.Encoding.DER))])


@pytest.fixture(scope="module")
def agency():
    return signing.load_p12(pki().agency_p12(), PASSPHRASE)


@pytest.fixture(scope="module")
def signed(agency):
    return signing.sign(fields.build_document(ours()), agency)


def test_what_we_sign_verifies(signed, anchors):
    verdict = signing.verify(signed, anchors)
    assert verdict.status is Verdict.VALID and verdict.valid
    assert verdict.signer == "Văn phòng Huyện ủy"
    assert verdict.organisation == "Huyện ủy Thử nghiệm"
    assert verdict.algorithm == "rsa-sha256 sha256"


def test_the_signature_sits_in_the_header_after_the_trace(signed):
    root = etree.fromstring(signed)
    header = root.find(f"{{{codec.NS}}}edXMLEnvelope/{{{codec.NS}}}edXMLHeader")
    names = [etree.QName(c).localname for c in header]
    assert names == ["MessageHeader", "TraceHeaderList", "Signature"]
    assert header[2].tag == f"{{{codec.DS}}}Signature"
    reference = header[2].find(f"{{{codec.DS}}}SignedInfo/{{{codec.DS}}}Reference")
    assert reference.get("URI") == ""


def test_a_signed_package_parses_the_same(signed):
    package = codec.parse_document(signed)
    assert package.signed
    assert fields.from_package(package) == ours()


def test_a_changed_field_is_invalid_and_still_parses(signed, anchors):
    tampered = signed.replace("Nghị quyết số 05".encode(), "Nghị quyết số 06".encode())
    assert tampered != signed
    verdict = signing.verify(tampered, anchors)
    assert (verdict.status, verdict.reason) == (Verdict.INVALID, "modified")
    assert codec.parse_document(tampered).header.subject.endswith("số 06-NQ/TU năm 2025")


def test_a_changed_attachment_is_invalid(signed, anchors):
    root = etree.fromstring(signed)
    node = root.find(f".//{{{codec.NS}}}ContentTransferEncoded")
    node.text = "JVBERi0xLjcKJSB0ZXN0Mgo="
    verdict = signing.verify(etree.tostring(root), anchors)
    assert (verdict.status, verdict.reason) == (Verdict.INVALID, "modified")


def test_no_signature_is_missing(anchors):
    assert signing.verify(fields.build_document(ours()), anchors).status is Verdict.MISSING


def test_a_stranger_is_untrusted(anchors):
    p = pki()
    stranger = signing.SigningKey(p.rogue_signer_key, p.rogue, (p.rogue_root,))
    data = signing.sign(fields.build_document(ours()), stranger)
    verdict = signing.verify(data, anchors)
    assert (verdict.status, verdict.reason) == (Verdict.UNTRUSTED, "untrusted_chain")
    assert verdict.signer == "Người Lạ"
    # The same package is valid for whoever trusts that root.
    assert signing.verify(data, Anchors(roots=[_asn1(p.rogue_root)])).valid


def test_without_roots_nothing_is_trusted(signed):
    verdict = signing.verify(signed, Anchors())
    assert (verdict.status, verdict.reason) == (Verdict.UNTRUSTED, "untrusted_chain")


def test_a_revoked_certificate_is_invalid(anchors):
    p = pki()
    revoked = signing.SigningKey(p.revoked_key, p.revoked, (p.sub,))
    verdict = signing.verify(signing.sign(fields.build_document(ours()), revoked), anchors)
    assert (verdict.status, verdict.reason) == (Verdict.INVALID, "revoked")


def test_an_expired_certificate_is_untrusted(anchors):
    p = pki()
    expired = signing.SigningKey(p.expired_key, p.expired, (p.sub,))
    verdict = signing.verify(signing.sign(fields.build_document(ours()), expired), anchors)
    assert (verdict.status, verdict.reason) == (Verdict.UNTRUSTED, "expired")


def test_a_sha1_signature_is_never_called_valid(agency, anchors):
    from signxml import SignatureConstructionMethod, XMLSigner

    class OldSigner(XMLSigner):  # as the official samples sign
        def check_deprecated_methods(self):
            pass

    root = codec.parse_xml(fields.build_document(ours()))
    trace = root.find(f".//{{{codec.NS}}}TraceHeaderList")
    trace.addnext(etree.Element(f"{{{codec.DS}}}Signature", Id="placeholder"))
    data = etree.tostring(OldSigner(method=SignatureConstructionMethod.enveloped,
                                    signature_algorithm="rsa-sha1", digest_algorithm="sha1")
                          .sign(root, key=agency.key, cert=[agency.certificate, *agency.chain]))
    verdict = signing.verify(data, anchors)
    assert (verdict.status, verdict.reason) == (Verdict.UNTRUSTED, "weak_algorithm")


def test_the_samples_signature_outside_xmldsig_is_invalid(anchors):
    data = sample_edxml().replace(
        b"</edXML:TraceHeaderList>",
        b"</edXML:TraceHeaderList><Signature><SignedInfo/></Signature>")
    assert codec.parse_document(data).header.subject  # still reads
    verdict = signing.verify(data, anchors)
    assert (verdict.status, verdict.reason) == (Verdict.INVALID, "not_xmldsig")


def test_a_second_or_moved_signature_is_invalid(signed, anchors):
    root = etree.fromstring(signed)
    signature = root.find(f".//{{{codec.DS}}}Signature")
    body = root.find(f".//{{{codec.NS}}}edXMLBody")
    body.append(etree.fromstring(etree.tostring(signature)))
    verdict = signing.verify(etree.tostring(root), anchors)
    assert (verdict.status, verdict.reason) == (Verdict.INVALID, "several_signatures")
    body.remove(body[-1])
    body.append(signature)
    verdict = signing.verify(etree.tostring(root), anchors)
    assert (verdict.status, verdict.reason) == (Verdict.INVALID, "misplaced")


def test_a_garbled_signature_is_invalid(signed, anchors):
    root = etree.fromstring(signed)
    value = root.find(f".//{{{codec.DS}}}SignatureValue")
    value.text = "AAAA" + value.text[4:]
    assert signing.verify(etree.tostring(root), anchors).status is Verdict.INVALID
    root = etree.fromstring(signed)
    for cert in root.iterfind(f".//{{{codec.DS}}}X509Certificate"):
        cert.getparent().remove(cert)
    verdict = signing.verify(etree.tostring(root), anchors)
    assert (verdict.status, verdict.reason) == (Verdict.INVALID, "no_certificate")


def test_signing_again_replaces_the_signature(signed, agency, anchors):
    again = signing.sign(signed, agency)
    assert again.count(b"<ds:Signature ") == 1
    assert signing.verify(again, anchors).valid


def test_a_status_package_is_signed_too(agency, anchors):
    status = codec.StatusPackage(
        from_=codec.Organ(organ_id="000.00.01.A47"),
        response_for=codec.ResponseFor(document_id="000.01.10.A47,2026/01/05,19/BC/HU"),
        status_code="03", timestamp=datetime(2026, 1, 6, 8, 0))
    data = signing.sign(codec.build_status(status), agency)
    assert signing.verify(data, anchors).valid
    back = codec.parse_status(data)
    assert back.signed and back.status_code == "03"


def test_hostile_bytes_are_refused_before_verifying(anchors):
    with pytest.raises(errors.HostilePackage):
        signing.verify(b"<!DOCTYPE x><edXML/>", anchors)


def test_the_agency_key_comes_from_the_configuration(tmp_path, anchors):
    path = tmp_path / "agency.p12"
    path.write_bytes(pki().agency_p12())
    key = signing.agency_key({"QLVB_AGENCY_P12": str(path),
                              "QLVB_AGENCY_P12_PASSPHRASE": PASSPHRASE.decode()})
    data = signing.sign(fields.build_document(ours()), key)
    assert signing.verify(data, anchors, moment=datetime.now(UTC)).valid
    for config in ({"QLVB_AGENCY_P12": str(path), "QLVB_AGENCY_P12_PASSPHRASE": "wrong"},
                   {"QLVB_AGENCY_P12": str(tmp_path / "none.p12")}, {}):
        with pytest.raises(errors.ExchangeError):
            signing.agency_key(config)
