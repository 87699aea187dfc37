"""The checks as plain functions: each signature verdict, secrecy markings, legacy
encodings (golden phrases), legacy fonts, the command line, the storage check."""

import io
import json

import pytest

from app.trust import secrecy, signatures, vnencoding
from tests import pdfs, pki


def _anchors(with_crl=True):
    from asn1crypto import crl as asn1_crl
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization

    p = pki.pki()
    der = serialization.Encoding.DER
    return signatures.Anchors(
        roots=[asn1_x509.Certificate.load(p.root.public_bytes(der))],
        crls=[asn1_crl.CertificateList.load(p.crl.public_bytes(der))] if with_crl else [])


VERDICTS = [
    ("valid", "valid", None),
    ("tampered", "modified", None),
    ("updated", "modified", "modified_after_signing"),
    ("unknown_ca", "untrusted", "unknown_ca"),
    ("revoked", "revoked", "revoked"),
    ("expired", "untrusted", "expired"),
    ("sha1", "untrusted", "weak_algorithm"),
    ("weak_rsa", "untrusted", "weak_algorithm"),
    ("malformed", "unverifiable", "malformed"),
    ("junk_after_eof", "unverifiable", "damaged"),
    ("broken_xref", "unverifiable", "damaged"),
    ("sha1_subfilter", "unverifiable", "unsupported_format"),
]


@pytest.mark.parametrize("kind,status,problem", VERDICTS)
def test_each_signature_verdict(kind, status, problem):
    report = signatures.verify(pki.signed(kind), _anchors())
    assert report["status"] == status
    sig = report["signatures"][0]
    assert sig["status"] == status and sig.get("problem") == problem


def test_signature_details_and_revocation_offline():
    report = signatures.verify(pki.signed("valid"), _anchors())
    sig = report["signatures"][0]
    assert sig["signer"] == "Nguyễn Văn A" and sig["organisation"] == "Tỉnh ủy Thử nghiệm"
    assert sig["intact"] and sig["trusted"] and sig["coverage"] == "ENTIRE_FILE"
    assert sig["modification_level"] == "NONE" and sig["certificate_valid_at_signing"]
    assert sig["signing_time"] and sig["revocation"] == "good" and sig["weak_algorithms"] == []
    # Without a CRL nothing can be known offline, not even of the revoked signer.
    revoked = signatures.verify(pki.signed("revoked"), _anchors(with_crl=False))
    assert revoked["signatures"][0]["revocation"] == "unknown"
    # Without the root the same signature is intact but not trusted.
    alone = signatures.verify(pki.signed("valid"), signatures.Anchors())["signatures"][0]
    assert alone["status"] == "untrusted" and alone["intact"] and not alone["trusted"]
    assert signatures.verify(pdfs.clean_pdf(), _anchors()) == {"status": "unsigned",
                                                               "signatures": []}
    weak = signatures.verify(pki.signed("weak_rsa"), _anchors())["signatures"][0]
    assert weak["weak_algorithms"] == ["rsa1024"]


@pytest.mark.parametrize("text,marking", [
    ("MẬT\nKế hoạch năm 2026", "MẬT"), ("  tối mật  ", "TỐI MẬT"), ("TOI MAT", "TỐI MẬT"),
    ("mat", "MẬT"), ("Tuyệt Mật", "TUYỆT MẬT"), ("tuyet mat", "TUYỆT MẬT"), ("[MẬT]", "MẬT"),
    ("Độ mật: Mật", "MẬT"),
    ("Kế hoạch bảo vệ bí mật nhà nước", None), ("bí mật", None), ("Mát", None),
    ("MẬT KHẨU", None), ("Thời tiết mát mẻ\nmật độ dân số", None), ("", None),
])
def test_secrecy_markings(text, marking):
    assert secrecy.find_marking(text) == marking


def test_secrecy_in_symbol():
    assert secrecy.symbol_marking("12-BC/TU-MẬT") == "MẬT"
    assert secrecy.symbol_marking("(TỐI MẬT) 5-BC/TU") == "TỐI MẬT"
    assert secrecy.symbol_marking("15/mat") == "MẬT"
    assert secrecy.symbol_marking("19-QC/HU") is None
    assert secrecy.symbol_marking("12-CV/MATTU") is None


GOLDEN = [
    ("Céng hoµ x· héi chñ nghÜa ViÖt Nam", "tcvn3", "Cộng hoà xã hội chủ nghĩa Việt Nam"),
    ("§éc lËp - Tù do - H¹nh phóc", "tcvn3", "Độc lập - Tự do - Hạnh phúc"),
    ("B¸o c¸o tæng kÕt c«ng t¸c n¨m 2026", "tcvn3", "Báo cáo tổng kết công tác năm 2026"),
    ("ban tæ chøc huyÖn ñy", "tcvn3", "ban tổ chức huyện ủy"),
    ("Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam", "vni", "Cộng hòa xã hội chủ nghĩa Việt Nam"),
    ("Ñoäc laäp - Töï do - Haïnh phuùc", "vni", "Độc lập - Tự do - Hạnh phúc"),
    ("Baùo caùo toång keát coâng taùc naêm 2026", "vni", "Báo cáo tổng kết công tác năm 2026"),
    ("NHAØ XE GIAÙO VIEÂN", "vni", "NHÀ XE GIÁO VIÊN"),
    ("Kế hoạch tổ chức hội nghị", None, "Kế hoạch tổ chức hội nghị"),
    ("hoà", None, "hoà"), ("Hà Nội", None, "Hà Nội"), ("café", None, "café"),
    ("Ke\u0302\u0301 hoa\u0323ch", None, "Kế hoạch"),  # decomposed: NFC
    ("Việc tổ chức Hội nghị", None, "Việc tổ chức Hội nghị"),
    ("ViÖc tæ chøc Héi nghÞ tæng kÕt c«ng t¸c §¶ng n¨m 2026", "tcvn3",
     "Việc tổ chức Hội nghị tổng kết công tác Đảng năm 2026"),
    ("NguyÔn V¨n A gi÷ chøc vô Phã BÝ th\xad", "tcvn3", "Nguyễn Văn A giữ chức vụ Phó Bí thư"),
    ("Uûy ban nhaân daân tænh Höng Yeân", "vni", "Ủy ban nhân dân tỉnh Hưng Yên"),
    ("Quyeát ñònh veà vieäc khen thöôûng", "vni", "Quyết định về việc khen thưởng"),
    # Other languages look like TCVN3 or VNI (ñ, ó, ü, ö, ß, ç) but are kept as typed.
    ("El niño pequeño comió una manzana en España", None,
     "El niño pequeño comió una manzana en España"),
    ("¿Dónde está la estación? Mañana iré con mi señora.", None,
     "¿Dónde está la estación? Mañana iré con mi señora."),
    ("año", None, "año"), ("niño", None, "niño"),
    ("Grüße aus München, schöne Straße", None, "Grüße aus München, schöne Straße"),
    ("Ich möchte ein Stück Käse, Fräulein Müller", None,
     "Ich möchte ein Stück Käse, Fräulein Müller"),
    ("Müller", None, "Müller"), ("Straße", None, "Straße"),
    ("Le garçon français a mangé une crème brûlée à côté de l'hôtel", None,
     "Le garçon français a mangé une crème brûlée à côté de l'hôtel"),
    ("Ça va très bien, merci beaucoup", None, "Ça va très bien, merci beaucoup"),
    ("façade", None, "façade"),
]


@pytest.mark.parametrize("raw,encoding,expected", GOLDEN)
def test_legacy_encodings_golden(raw, encoding, expected):
    assert vnencoding.clean(raw) == (expected, encoding)


def test_legacy_font_names():
    assert vnencoding.legacy_font_kind("/ABCDEF+.VnTime") == "tcvn3"
    assert vnencoding.legacy_font_kind("/.VnTimeH") == "tcvn3"
    assert vnencoding.legacy_font_kind("/VNI-Times") == "vni"
    assert vnencoding.legacy_font_kind("/TimesNewRomanPSMT") is None
    assert vnencoding.legacy_font_kind("/ABCDEF+DejaVuSans") is None


def test_check_pdf_command(app, runner, tmp_path):
    p = pki.pki()
    root = tmp_path / "root.pem"
    root.write_bytes(p.root_pem())
    crl = tmp_path / "sub.crl"
    crl.write_bytes(p.crl_pem())
    files = {}
    for name, data in (("valid", pki.signed("valid")), ("tampered", pki.signed("tampered")),
                       ("secret", pki.marked_pdf("TỐI MẬT")), ("js", pdfs.pdf_with_javascript()),
                       ("legacy", pki.legacy_font_pdf()), ("revoked", pki.signed("revoked"))):
        files[name] = tmp_path / f"{name}.pdf"
        files[name].write_bytes(data)
    result = runner.invoke(args=["qlvb", "check-pdf", str(files["valid"]),
                                 "--trust-root", str(root)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["accepted"] and out["signature_status"] == "valid"
    assert out["signatures"][0]["signer"] == "Nguyễn Văn A"
    result = runner.invoke(args=["qlvb", "check-pdf", *(str(f) for f in files.values()),
                                 "--trust-root", str(root), "--trust-root", str(crl)])
    assert result.exit_code == 1
    out = {o["file"].rsplit("/", 1)[-1][:-4]: o
           for o in map(json.loads, result.output.splitlines())}
    assert out["valid"]["accepted"] and out["tampered"]["signature_status"] == "modified"
    assert not out["secret"]["accepted"] and out["secret"]["secrecy_marking"] == "TỐI MẬT"
    assert "Điều 1" in out["secret"]["problems"][0]
    assert not out["js"]["accepted"] and out["js"]["safety"]["problems"] == ["javascript"]
    assert out["legacy"]["legacy_fonts"] == [{"font": ".VnTime", "encoding": "tcvn3"}]
    assert out["revoked"]["signature_status"] == "revoked"
    assert out["revoked"]["signatures"][0]["revocation"] == "revoked"
    # Without the root, the valid file is intact but not trusted (and still acceptable).
    result = runner.invoke(args=["qlvb", "check-pdf", str(files["valid"])])
    assert result.exit_code == 0 and json.loads(result.output)["signature_status"] == "untrusted"


def test_storage_verify_detects_an_altered_byte_and_a_missing_file(app, runner, incoming):
    from app.core import storage

    incoming.intake(text="Tệp thứ nhất")
    incoming.intake(text="Tệp thứ hai", symbol="124-CV/TU")
    result = runner.invoke(args=["qlvb", "storage", "verify"])
    assert result.exit_code == 0 and "OK: 2 stored file(s) intact" in result.output
    with app.app_context():
        from app.extensions import db
        from app.incoming.models import IncomingFile

        first, second = [f.sha256 for f in db.session.query(IncomingFile).order_by("id")]
        path = storage.path_for(first)
        db.session.remove()
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0x01
    open(path, "wb").write(bytes(data))
    with app.app_context():
        import os

        os.unlink(storage.path_for(second))
    result = runner.invoke(args=["qlvb", "storage", "verify"])
    assert result.exit_code == 1
    assert f"ALTERED {first}" in result.output and f"MISSING {second}" in result.output


def test_legacy_fonts_are_found_after_a_page_without_fonts(tmp_path):
    """A scanned first page has no fonts; the legacy font of the next page is still
    reported."""
    from pypdf import PdfReader, PdfWriter

    from app.trust.services import legacy_fonts

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_page(PdfReader(io.BytesIO(pki.legacy_font_pdf())).pages[0])
    path = tmp_path / "scan-then-text.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    assert legacy_fonts(str(path)) == [{"font": ".VnTime", "encoding": "tcvn3"}]
