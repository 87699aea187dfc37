"""A test PKI made with ``cryptography`` once per run, and PDFs signed with pyHanko once per
run: a root CA ("Ban Cơ yếu Chính phủ TEST"), an intermediate, signers chained to it (one
revoked, with the CRL saying so; one expired; one RSA-1024), the agency's PKCS#12, and a
signer of an unknown CA."""

import datetime
import functools
import io

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from tests import pdfs

PASSPHRASE = b"test-agency"
NOW = datetime.datetime.now(datetime.UTC)


def _name(cn, org="Tỉnh ủy Thử nghiệm"):
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, org),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@functools.cache
def _key(label, bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def _cert(subject, key, issuer=None, issuer_key=None, ca=False, pathlen=None,
          before=None, after=None):
    issuer = issuer or subject
    issuer_key = issuer_key or key
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(before or NOW - datetime.timedelta(days=30))
               .not_valid_after(after or NOW + datetime.timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=pathlen), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                              critical=False))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
    if issuer_key is not key:
        builder = builder.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            issuer_key.public_key()), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


class PKI:
    def __init__(self):
        self.root_key = _key("root")
        self.root = _cert(_name("Ban Cơ yếu Chính phủ TEST Root CA", "Ban Cơ yếu Chính phủ"),
                          self.root_key, ca=True, pathlen=1)
        self.sub_key = _key("sub")
        self.sub = _cert(_name("TEST VGCA Sub CA", "Ban Cơ yếu Chính phủ"), self.sub_key,
                         self.root.subject, self.root_key, ca=True, pathlen=0)

        def leaf(label, cn, org="Tỉnh ủy Thử nghiệm", bits=2048, **kw):
            key = _key(label, bits)
            return key, _cert(_name(cn, org), key, self.sub.subject, self.sub_key, **kw)

        self.signer_key, self.signer = leaf("signer", "Nguyễn Văn A")
        self.agency_key, self.agency = leaf("agency", "Văn phòng Huyện ủy",
                                            "Huyện ủy Thử nghiệm")
        self.revoked_key, self.revoked = leaf("revoked", "Trần Văn Thu Hồi")
        self.expired_key, self.expired = leaf(
            "expired", "Lê Văn Hết Hạn", before=NOW - datetime.timedelta(days=400),
            after=NOW - datetime.timedelta(days=35))
        self.weak_key, self.weak = leaf("weak", "Phạm Khóa Ngắn", bits=1024)
        self.rogue_key = _key("rogue")
        self.rogue_root = _cert(_name("CA Lạ", "Không rõ"), self.rogue_key, ca=True)
        self.rogue_signer_key = _key("rogue-signer")
        self.rogue = _cert(_name("Người Lạ", "Không rõ"), self.rogue_signer_key,
                           self.rogue_root.subject, self.rogue_key)
        self.crl = (x509.CertificateRevocationListBuilder().issuer_name(self.sub.subject)
                    .last_update(NOW - datetime.timedelta(days=1))
                    .next_update(NOW + datetime.timedelta(days=30))
                    .add_revoked_certificate(
                        x509.RevokedCertificateBuilder()
                        .serial_number(self.revoked.serial_number)
                        .revocation_date(NOW - datetime.timedelta(days=2)).build())
                    .sign(self.sub_key, hashes.SHA256()))

    def root_pem(self):
        return pem(self.root)

    def chain_pem(self):
        return pem(self.root) + pem(self.sub)

    def crl_pem(self):
        return self.crl.public_bytes(serialization.Encoding.PEM)

    def p12(self, key, cert, chain=()):
        return pkcs12.serialize_key_and_certificates(
            b"agency", key, cert, list(chain),
            serialization.BestAvailableEncryption(PASSPHRASE))

    def agency_p12(self):
        return self.p12(self.agency_key, self.agency, [self.sub, self.root])


@functools.cache
def pki():
    return PKI()


def _signer(key, cert, chain):
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def load(c):
        return asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))

    return signers.SimpleSigner(
        signing_cert=load(cert),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=SimpleCertificateStore.from_certs([load(c) for c in chain]))


def _sign(key, cert, chain, data=None, md="sha256", field="ChuKy"):
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    writer = IncrementalPdfFileWriter(io.BytesIO(data or pdfs.clean_pdf("Công văn đã ký số")))
    out = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name=field,
                                                                md_algorithm=md),
                           signer=_signer(key, cert, chain))
    return out.getvalue()


@functools.cache
def signed(kind="valid"):
    """A 1-page PDF signed in the way ``kind`` names (made once per run)."""
    p = pki()
    chain = [p.sub, p.root]
    if kind == "valid":
        return _sign(p.signer_key, p.signer, chain)
    if kind == "revoked":
        return _sign(p.revoked_key, p.revoked, chain)
    if kind == "expired":
        return _sign(p.expired_key, p.expired, chain)
    if kind == "weak_rsa":
        return _sign(p.weak_key, p.weak, chain)
    if kind == "sha1":
        return _sign(p.signer_key, p.signer, chain, md="sha1")
    if kind == "unknown_ca":
        return _sign(p.rogue_signer_key, p.rogue, [p.rogue_root])
    data = signed("valid")
    if kind == "tampered":  # one byte of the page content changed after signing
        at = data.index(b"stream") + 40
        return data[:at] + bytes([data[at] ^ 0x01]) + data[at + 1:]
    if kind == "updated":  # a page replaced by an incremental update after signing
        from pyhanko.pdf_utils.generic import pdf_name
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

        w = IncrementalPdfFileWriter(io.BytesIO(data))
        page = w.root["/Pages"]["/Kids"][0]
        page.get_object()[pdf_name("/Rotate")] = __import__(
            "pyhanko.pdf_utils.generic", fromlist=["NumberObject"]).NumberObject(90)
        w.update_container(page)
        out = io.BytesIO()
        w.write(out)
        return out.getvalue()
    if kind == "malformed":  # the CMS blob replaced by zeros of the same length
        start = data.index(b"/Contents <") + len(b"/Contents <")
        end = data.index(b">", start)
        return data[:start] + b"30" + b"0" * (end - start - 2) + data[end:]
    if kind == "junk_after_eof":
        return data + b"\n" + b"JUNK" * 256
    if kind == "broken_xref":
        at = data.rindex(b"startxref")
        return data[:at] + b"startxref\n999999\n%%EOF\n"
    if kind == "sha1_subfilter":  # an old tool's format pyHanko does not verify
        return data.replace(b"/adbe.pkcs7.detached", b"/adbe.pkcs7.sha1    ", 1)
    raise ValueError(kind)


@functools.cache
def marked_pdf(marking="MẬT"):
    """A PDF whose first lines are a secrecy stamp, then the text."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    pdfs._font()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    c.setFont(pdfs._font(), 14)
    c.drawString(72, 780, marking)
    c.drawString(72, 760, "Kế hoạch bảo vệ bí mật nhà nước năm 2026")
    c.showPage()
    c.save()
    return buf.getvalue()


@functools.cache
def legacy_font_pdf():
    """A PDF whose text is TCVN3 bytes set in a font named ".VnTime" (as old Word files
    printed to PDF are)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True, pageCompression=0)
    c.setFont("Helvetica", 14)
    c.drawString(72, 760, "Céng hoµ x· héi chñ nghÜa ViÖt Nam")
    c.showPage()
    c.save()
    data = buf.getvalue()
    assert b"/BaseFont /Helvetica " in data
    return data.replace(b"/BaseFont /Helvetica ", b"/BaseFont /.VnTime   ")
