"""OCR end to end (app/ocr/engine.py and `flask qlvb ocr`): a 300 dpi scan of a Party
công văn becomes text and a searchable copy, the register fields come from it, the original
bytes stay as they were. Skipped, saying why, where Tesseract or its Vietnamese data is
missing (`make ocr-deps`). Each recognition costs seconds: the scan is recognised once."""

import hashlib
import io
import json

import pytest
from pypdf import PdfReader

from app.ocr import engine, needs_ocr, read_fields, recognise
from tests.ocr import corpus

MISSING = engine.missing()
needs_engine = pytest.mark.skipif(
    MISSING is not None, reason=f"OCR unavailable: {MISSING} missing (make ocr-deps)")
SPEC = corpus.DOCUMENTS[0]  # 125-CV/TU


def _images(pdf):
    return [image.data for page in PdfReader(io.BytesIO(pdf)).pages for image in page.images]


@pytest.fixture(scope="module")
def scanned():
    return corpus.scan(corpus.text_pdf(SPEC), dpi=300)


@pytest.fixture(scope="module")
def recognised(scanned):
    if MISSING is not None:
        pytest.skip(f"OCR unavailable: {MISSING} missing (make ocr-deps)")
    before = hashlib.sha256(scanned).hexdigest()
    result = recognise(scanned)
    assert hashlib.sha256(scanned).hexdigest() == before  # the evidence is untouched
    return result


def test_a_scan_needs_ocr_and_a_text_pdf_does_not(scanned):
    assert needs_ocr(scanned)
    assert not needs_ocr(corpus.text_pdf(SPEC))


def test_a_file_that_is_not_a_pdf_is_an_ocr_error():
    with pytest.raises(engine.OcrError):
        needs_ocr(b"not a pdf")


def test_unavailable_engine_is_said(monkeypatch):
    monkeypatch.setattr(engine.shutil, "which", lambda name: None)
    assert not engine.available() and engine.missing() == "tesseract"
    with pytest.raises(engine.OcrUnavailable):
        recognise(b"%PDF-1.4")


@needs_engine
def test_the_scan_becomes_text_and_a_searchable_copy(scanned, recognised):
    assert recognised.pages == 1
    text = corpus.squash(recognised.text)
    assert "tổ chức Hội nghị tổng kết công tác xây dựng Đảng năm 2026" in text
    assert "Nguyễn Văn Hùng" in text
    copy = recognised.searchable_pdf_bytes
    assert copy.startswith(b"%PDF") and copy != scanned
    assert not needs_ocr(copy)  # the copy has the text layer
    assert needs_ocr(scanned)
    # over the same image: what Tesseract read was conditioned (app/ocr/plugin.py), the
    # page kept was not
    assert _images(copy) == _images(scanned)


@needs_engine
def test_the_register_fields_come_from_the_scan(recognised):
    fields = read_fields(recognised.text).as_dict()
    assert {key: fields[key] for key in corpus.FIELDS} == corpus.expected_fields(SPEC)


@needs_engine
def test_a_text_pdf_keeps_its_own_text(recognised):
    """Pages that already have text are not recognised again (--skip-text)."""
    again = recognise(recognised.searchable_pdf_bytes)
    assert corpus.squash(again.text) == corpus.squash(recognised.text)


@needs_engine
def test_the_command_prints_one_json_object_per_file(runner, tmp_path, scanned):
    path = tmp_path / "scan.pdf"
    path.write_bytes(scanned)
    result = runner.invoke(args=["qlvb", "ocr", str(path), "--fields"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["file"] == str(path) and out["pages"] == 1
    assert "Nguyễn Văn Hùng" in out["text"]
    expected = corpus.expected_fields(SPEC)
    assert {key: out["fields"][key] for key in corpus.FIELDS} == expected
    assert path.read_bytes() == scanned


def test_the_command_without_the_engine_says_so(runner, tmp_path, monkeypatch):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4")
    monkeypatch.setattr(engine.shutil, "which", lambda name: None)
    result = runner.invoke(args=["qlvb", "ocr", str(path)])
    assert result.exit_code == 1
    assert "tesseract" in result.output and "make ocr-deps" in result.output


@needs_engine
def test_the_command_names_a_file_it_cannot_read(runner, tmp_path):
    path = tmp_path / "note.pdf"
    path.write_bytes(b"not a pdf")
    result = runner.invoke(args=["qlvb", "ocr", str(path)])
    assert result.exit_code == 1
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["file"] == str(path) and out["error"].startswith("not a readable PDF")


def test_the_command_usage_errors(runner, tmp_path):
    assert runner.invoke(args=["qlvb", "ocr"]).exit_code == 2
    assert runner.invoke(args=["qlvb", "ocr", str(tmp_path / "none.pdf")]).exit_code == 2


def test_what_tesseract_reads_loses_the_red_seal_and_the_specks():
    """app/ocr/plugin.py: red ink turns as light as the paper, a lone speck goes, a stroke
    of text stays (only the image OCR reads; the page kept is compared above)."""
    from types import SimpleNamespace

    from PIL import Image, ImageDraw

    from app.ocr.plugin import filter_ocr_image

    image = Image.new("RGB", (60, 20), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((2, 2, 18, 18), outline=(200, 30, 40), width=3)  # the seal
    draw.point((30, 10), fill="black")  # a speck
    draw.rectangle((40, 2, 44, 18), fill="black")  # a stroke
    out = filter_ocr_image(SimpleNamespace(options=SimpleNamespace()), image)
    assert out.mode == "L"
    assert min(out.crop((0, 0, 20, 20)).getdata()) > 180
    assert out.getpixel((30, 10)) == 255
    assert out.getpixel((42, 10)) == 0
