"""Red secrecy stamps (app/ocr/stamps.py; docs/domain.md §2). The page's clean-up drops
red ink with the seals, so a red "MẬT" — the usual colour of the stamp — is read apart,
from the red ink alone: refused at intake, withheld when found on a stored document, while
a seal alone adds nothing to the page's text. (The refusal at intake is tested with the
dark stamp's, tests/ocr/test_stored.py.)"""

import io

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader, PdfWriter

from app.ocr import engine, stamps
from app.trust import secrecy
from tests.conftest import client_for
from tests.incoming.conftest import created_id
from tests.ocr import corpus

MISSING = engine.missing()
needs_engine = pytest.mark.skipif(
    MISSING is not None, reason=f"OCR unavailable: {MISSING} missing (make ocr-deps)")


def test_the_red_ink_alone_black_on_white_and_cropped():
    image = Image.new("RGB", (400, 300), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 380, 60), fill=(90, 90, 90))  # grey text: not red
    draw.rectangle((200, 200, 260, 240), fill=corpus.RED_INK)
    ink = stamps.red_ink(image)
    assert ink is not None and ink.mode == "L"
    assert ink.size[0] < 150 and ink.size[1] < 150  # the red's box and a margin
    assert ink.getpixel((ink.size[0] // 2, ink.size[1] // 2)) == 0
    assert ink.getpixel((1, 1)) == 255
    assert stamps.red_ink(image.convert("L")) is None  # a grey scan holds no red
    grey_only = Image.new("RGB", (400, 300), "white")
    ImageDraw.Draw(grey_only).rectangle((20, 20, 380, 60), fill=(60, 60, 70))
    assert stamps.red_ink(grey_only) is None


@pytest.mark.parametrize("read, line", [
    ("MẬT", "MẬT"), ("| TUYỆT MÁT |", "TUYỆT MẬT"), ("TOI MAT", "TỐI MẬT"),
    ("ĐỘ MẬT: MẬT", "ĐỘ MẬT: MẬT"),
])
def test_a_stamp_line_is_kept_in_its_spelling(read, line):
    assert stamps.marking_lines(f"O ( )\n{read}\n\n") == [line]
    assert secrecy.find_marking(line) is not None


@pytest.mark.parametrize("read", [
    "HUYỆN ỦY KIM ĐỘNG", "O", "MẬTTHƯ", "",
    "Giữ bí mật nhà nước theo quy định của pháp luật hiện hành",
])
def test_a_seal_or_a_sentence_is_no_stamp(read):
    assert stamps.marking_lines(read) == []


def test_a_page_that_cannot_be_drawn_is_left_out():
    assert stamps.page_stamps(b"%PDF-1.4 not really", [0], "vie") == {}


@needs_engine
def test_a_seal_alone_adds_nothing_to_the_page():
    [sample] = corpus.samples(200, noisy=True, keys=("cv-tu",))  # a red seal, no stamp
    assert stamps.page_stamps(sample.pdf, [0], engine.LANGUAGE) == {}


@needs_engine
def test_a_red_stamp_found_on_a_stored_document_withholds_it(app, world, incoming):
    """Page 2 (which intake does not read) carries a red TUYỆT MẬT beside a red seal, in a
    noisy 200 dpi colour scan: the job reads it and the document is withheld."""
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(corpus.scan(corpus.text_pdf(corpus.DOCUMENTS[1]),
                                                   dpi=300))))
    writer.append(PdfReader(io.BytesIO(corpus.scan(
        corpus.marked(corpus.text_pdf(corpus.DOCUMENTS[6]), "TUYỆT MẬT", red=True),
        dpi=200, noisy=True, seed=3))))
    out = io.BytesIO()
    writer.write(out)
    clerk = client_for(app, "vanthu.vphu")
    doc_id = created_id(incoming.post_intake(clerk, pdf=out.getvalue(),
                                             filename="bản quét.pdf"))
    assert clerk.get(f"/incomingview/show/{doc_id}").status_code == 404
    office = client_for(app, "vanphong")
    assert "TUYỆT MẬT" in office.get("/quarantine/list/").get_data(as_text=True)


def test_a_grey_scan_is_not_drawn_again():
    """A scanner set to grey leaves no red to read (a red stamp is then grey like the text
    and read with it): the page is not drawn a second time."""
    import pypdfium2 as pdfium

    grey = corpus.scan(corpus.text_pdf(corpus.DOCUMENTS[0]), dpi=100)
    colour = corpus.scan(corpus.text_pdf(corpus.DOCUMENTS[0]), dpi=100, colour=True)
    assert stamps._grey_scan(pdfium.PdfDocument(grey)[0])
    assert not stamps._grey_scan(pdfium.PdfDocument(colour)[0])
    assert not stamps._grey_scan(pdfium.PdfDocument(corpus.text_pdf(corpus.DOCUMENTS[0]))[0])
