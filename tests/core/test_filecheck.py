"""The intake safety check: PDFs with active content, damaged or encrypted PDFs and files of
other kinds are refused by their content, whatever their name; refused files are never stored."""

import hashlib
import io
import json
import os
import unicodedata

import pytest

from app.core import filecheck, storage
from app.core.errors import DomainError
from app.core.filecheck import (
    MIMES,
    PROBLEM_MESSAGES,
    FileCheck,
    check_attachment,
    check_main_pdf,
    scan_pdf,
)
from tests import pdfs

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def write(tmp_path):
    def write(data, name="upload.bin"):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)
    return write


def stored_files(app):
    return [os.path.join(d, f) for d, _dirs, files in os.walk(app.config["STORAGE_DIR"])
            for f in files]


DANGEROUS = [
    (pdfs.pdf_with_javascript, {"javascript"}),
    (pdfs.pdf_with_openaction_js, {"javascript", "open_action_active"}),
    (pdfs.pdf_with_launch, {"launch"}),
    (pdfs.pdf_with_embedded_file, {"embedded_file"}),
    (pdfs.pdf_with_page_aa, {"additional_actions", "javascript"}),
    (pdfs.pdf_with_richmedia, {"richmedia"}),
    (pdfs.pdf_with_xfa, {"xfa"}),
    (pdfs.pdf_with_hex_escaped_js, {"javascript", "open_action_active"}),
    (pdfs.pdf_with_objstm_js, {"javascript"}),
    (lambda: pdfs.pdf_with_action("/SubmitForm"), {"active_action"}),
    (lambda: pdfs.pdf_with_action("/GoToR"), {"active_action"}),
    (lambda: pdfs.pdf_with_action("/ImportData"), {"active_action"}),
    (lambda: pdfs.pdf_with_annotation("/Screen"), {"active_annotation"}),
    (lambda: pdfs.pdf_with_annotation("/3D"), {"active_annotation"}),
    (lambda: pdfs.pdf_with_annotation("/FileAttachment"), {"embedded_file"}),
]


@pytest.mark.parametrize("make, codes", DANGEROUS,
                         ids=[f"{i}-{'+'.join(sorted(c))}" for i, (_m, c) in enumerate(DANGEROUS)])
def test_active_content_is_found_with_its_code(write, make, codes):
    result = scan_pdf(write(make(), "x.pdf"))
    assert not result.ok
    assert result.kind == "pdf" and result.mime == "application/pdf"
    assert set(result.problems) == codes
    assert result.text == ""  # no text is extracted from a refused file


def test_escaped_and_object_stream_javascript_is_invisible_to_a_byte_grep():
    for data in (pdfs.pdf_with_hex_escaped_js(), pdfs.pdf_with_objstm_js()):
        assert b"/JavaScript" not in data and b"/JS" not in data


@pytest.mark.parametrize("make", [
    pdfs.pdf_with_goto_openaction,
    lambda: pdfs.pdf_with_goto_openaction(form="array"),
    pdfs.pdf_with_link,
    pdfs.signed_pdf,
], ids=["goto-action", "destination-array", "uri-link", "signed"])
def test_benign_pdfs_are_accepted(write, make):
    result = scan_pdf(write(make(), "ok.pdf"))
    assert result.ok, result.problems
    assert result.problems == [] and result.pages == 1


def test_clean_pdf_gives_pages_and_nfc_text(write):
    result = scan_pdf(write(pdfs.clean_pdf(pages=3), "ke-hoach.pdf"))
    assert result.ok and result.kind == "pdf" and result.mime == "application/pdf"
    assert result.problems == [] and result.warnings == [] and result.pages == 3
    assert "Trang 3" in result.text
    assert unicodedata.is_normalized("NFC", result.text)
    if pdfs.FONT_PATH:
        assert pdfs.VIETNAMESE in result.text


@pytest.mark.skipif(not pdfs.FONT_PATH, reason="no font with Vietnamese glyphs")
def test_decomposed_text_comes_out_composed(write):
    nfd = unicodedata.normalize("NFD", pdfs.VIETNAMESE)
    assert nfd != pdfs.VIETNAMESE
    result = scan_pdf(write(pdfs.clean_pdf(nfd), "nfd.pdf"))
    assert result.ok and pdfs.VIETNAMESE in result.text


@pytest.mark.parametrize("password", ["", "secret"])
def test_encrypted_pdf_is_refused_even_with_an_empty_password(write, password):
    result = scan_pdf(write(pdfs.encrypted_pdf(user_password=password), "enc.pdf"))
    assert not result.ok and result.problems == ["encrypted"]
    assert result.pages is None


def test_truncated_pdf_is_malformed(write):
    result = scan_pdf(write(pdfs.truncated_pdf(), "cut.pdf"))
    assert not result.ok and result.problems == ["malformed"]


def test_repairable_pdf_is_accepted_with_a_warning_and_left_unchanged(write):
    data = pdfs.pdf_with_shifted_offsets()
    path = write(data, "repaired.pdf")
    result = scan_pdf(path)
    assert result.ok and result.warnings == ["repaired"] and result.pages == 1
    with open(path, "rb") as fh:
        assert hashlib.sha256(fh.read()).digest() == hashlib.sha256(data).digest()


@pytest.mark.parametrize("data, code", [
    (b"", "empty"),
    (pdfs.png_bytes(), "not_pdf"),
    (b"Just some text, no PDF here.\n", "not_pdf"),
    (b"%PDF-1.7\n", "malformed"),
    (b"%PDF-1.4\n" + os.urandom(4000), "malformed"),
], ids=["empty", "png", "text", "header-only", "garbage"])
def test_bad_input_never_raises(write, data, code):
    result = scan_pdf(write(data, "bad.pdf"))
    assert not result.ok and result.problems == [code]


def test_missing_file_does_not_raise(tmp_path):
    result = scan_pdf(str(tmp_path / "nowhere.pdf"))
    assert not result.ok and result.problems == ["damaged_file"]


def test_text_extraction_is_capped(write, monkeypatch):
    monkeypatch.setattr(filecheck, "MAX_TEXT_PAGES", 2)
    result = scan_pdf(write(pdfs.clean_pdf(pages=4), "long.pdf"))
    assert result.ok and result.pages == 4
    assert "Trang 2" in result.text and "Trang 3" not in result.text
    monkeypatch.setattr(filecheck, "MAX_TEXT_CHARS", 10)
    assert len(scan_pdf(write(pdfs.clean_pdf(pages=4), "long.pdf")).text) <= 10


def test_as_dict_is_json_without_text(write):
    result = scan_pdf(write(pdfs.pdf_with_openaction_js(), "x.pdf"))
    data = result.as_dict()
    assert json.loads(json.dumps(data)) == {
        "ok": False, "kind": "pdf", "mime": "application/pdf",
        "problems": ["javascript", "open_action_active"], "warnings": [], "pages": 1}


def test_every_code_has_a_message(app):
    codes = (set(filecheck._KEYS.values()) | set(filecheck._ACTIONS.values())
             | set(filecheck._SUBTYPES.values()) | set(filecheck._TYPES.values()))
    assert codes <= set(PROBLEM_MESSAGES)
    with app.app_context():
        assert all(str(m).strip() for m in PROBLEM_MESSAGES.values())
        check = FileCheck(ok=False, kind="pdf", mime="application/pdf",
                          problems=["javascript", "javascript", "xfa"], warnings=[])
        assert check.messages() == [str(PROBLEM_MESSAGES["javascript"]),
                                    str(PROBLEM_MESSAGES["xfa"])]


def test_main_pdf_refusal_says_why(app, write):
    with app.app_context():
        with pytest.raises(DomainError) as err:
            check_main_pdf(write(pdfs.pdf_with_javascript(), "x.pdf"), "Công văn.pdf")
        assert str(PROBLEM_MESSAGES["javascript"]) in str(err.value)
        assert "Công văn.pdf" in str(err.value)
        ok = check_main_pdf(write(pdfs.clean_pdf(), "ok.pdf"), "ok.pdf")
        assert ok.ok and ok.pages == 1


def test_renamed_png_is_not_a_main_pdf(app, write):
    with app.app_context():
        with pytest.raises(DomainError) as err:
            check_main_pdf(write(pdfs.png_bytes(), "scan.pdf"), "scan.pdf")
        assert str(PROBLEM_MESSAGES["not_pdf"]) in str(err.value)


@pytest.mark.parametrize("make, name, kind", [
    (pdfs.docx_bytes, "bao-cao.pdf", "docx"),
    (pdfs.xlsx_bytes, "so-den.docx", "xlsx"),
    (pdfs.png_bytes, "anh.pdf", "png"),
    (lambda: b"\xff\xd8\xff\xe0" + b"\0" * 100, "anh.png", "jpeg"),
    (lambda: b"GIF89a" + b"\0" * 100, "anh.jpg", "gif"),
    (lambda: b"II*\x00" + b"\0" * 100, "scan.pdf", "tiff"),
    (lambda: pdfs.ole_bytes(("WordDocument",)), "cu.xls", "doc"),
    (lambda: pdfs.ole_bytes(("Workbook",)), "cu.doc", "xls"),
    (pdfs.clean_pdf, "van-ban.docx", "pdf"),
], ids=["docx", "xlsx", "png", "jpeg", "gif", "tiff", "doc", "xls", "pdf"])
def test_attachments_are_judged_by_content_not_name(app, write, make, name, kind):
    with app.app_context():
        result = check_attachment(write(make(), name), name)
    assert result.ok and result.kind == kind and result.mime == MIMES[kind]


def test_office_mimes():
    assert MIMES["docx"] == DOCX_MIME and MIMES["xlsx"] == XLSX_MIME


@pytest.mark.parametrize("make, code", [
    (pdfs.exe_bytes, "executable"),
    (pdfs.html_bytes, "unsupported_type"),
    (pdfs.zip_bytes, "unsupported_type"),
    (pdfs.docm_bytes, "macros"),
    (lambda: pdfs.ole_bytes(("WordDocument", "Macros", "VBA")), "macros"),
    (lambda: pdfs.ole_bytes(("Workbook", "_VBA_PROJECT_CUR")), "macros"),
    (lambda: pdfs.ole_bytes(("EncryptionInfo", "EncryptedPackage")), "password_protected"),
    (lambda: pdfs.ole_bytes(("PowerPoint Document",)), "unsupported_type"),
    (lambda: b"PK\x03\x04broken", "damaged_file"),
    (pdfs.pdf_with_javascript, "javascript"),
    (lambda: pdfs.png_bytes() + pdfs.pdf_with_javascript(), "javascript"),
    (lambda: b"", "empty"),
], ids=["exe", "html", "zip", "docm", "doc-macros", "xls-macros", "encrypted-office", "ppt",
        "broken-zip", "pdf-js", "png-pdf-polyglot", "empty"])
def test_other_attachments_are_refused(app, write, make, code):
    with app.app_context():
        with pytest.raises(DomainError) as err:
            check_attachment(write(make(), "tai-lieu.docx"), "tai-lieu.docx")
        assert str(PROBLEM_MESSAGES[code]) in str(err.value)
    assert code in filecheck._check_content(write(make(), "again.bin")).problems


def test_store_keeps_nothing_of_a_refused_file(app):
    with app.app_context():
        with pytest.raises(DomainError):
            storage.store(io.BytesIO(pdfs.pdf_with_launch()), "tên tệp.pdf", check=check_main_pdf)
        with pytest.raises(DomainError):
            storage.store(io.BytesIO(pdfs.png_bytes()), "tên tệp.pdf", check=check_main_pdf)
        assert stored_files(app) == []


def test_store_keeps_an_accepted_file_with_its_check(app):
    with app.app_context():
        stored = storage.store(io.BytesIO(pdfs.clean_pdf()), "tên tệp.pdf", check=check_main_pdf)
        assert stored.mime == "application/pdf" and stored.name == "tên tệp.pdf"
        assert stored.check.ok and stored.check.pages == 1
        assert "Trang 1" in stored.check.text
        if pdfs.FONT_PATH:
            assert pdfs.VIETNAMESE in stored.check.text
        assert stored_files(app) == [storage.path_for(stored.sha256)]
        png = storage.store(io.BytesIO(pdfs.png_bytes()), "ảnh.pdf", check=check_attachment)
        assert png.mime == "image/png" and png.check.kind == "png"
