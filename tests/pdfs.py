"""Test files built in memory: a clean Vietnamese PDF (reportlab) and variants of it carrying
each kind of active content the intake check refuses, plus Office, image and program files.

pypdf 7 has no working ``add_js``, so the /Names /JavaScript tree is built by hand; the
``#xx``-escaped and object-stream samples are hand-assembled bytes."""

import functools
import glob
import io
import os
import struct
import unicodedata
import zipfile
import zlib

from pypdf import PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

VIETNAMESE = "Kế hoạch tổ chức hội nghị"

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)


def _find_font():
    """A TTF with Vietnamese glyphs, or None (reportlab's own Vera has none)."""
    for path in _FONT_CANDIDATES:
        if os.path.exists(path):
            return path
    for pattern in ("DejaVuSans.ttf", "LiberationSerif-Regular.ttf", "NotoSans-Regular.ttf"):
        found = glob.glob(os.path.join("/usr/share/fonts", "**", pattern), recursive=True)
        if found:
            return found[0]
    return None


FONT_PATH = _find_font()
_font_name = None


def _font():
    """The registered reportlab font name: the Vietnamese TTF, else Helvetica."""
    global _font_name
    if _font_name is None:
        if FONT_PATH:
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            pdfmetrics.registerFont(TTFont("QLVBTest", FONT_PATH))
            _font_name = "QLVBTest"
        else:
            _font_name = "Helvetica"
    return _font_name


def _latin(text):
    """``text`` without its diacritics, for when no Vietnamese font exists."""
    text = unicodedata.normalize("NFD", text).replace("đ", "d").replace("Đ", "D")
    plain = "".join(c for c in text if not unicodedata.combining(c))
    return plain.encode("latin-1", "replace").decode("latin-1")


@functools.cache
def clean_pdf(text=VIETNAMESE, pages=1):
    """A harmless PDF of ``pages`` pages, each showing ``text`` and its page number. Made
    once per run for each text: the bytes depend on the text alone (``invariant``), and
    embedding the TrueType font costs ~7 ms a document."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = _font()
    if font == "Helvetica":
        text = _latin(text)
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=True)
    for number in range(1, pages + 1):
        c.setFont(font, 14)
        c.drawString(72, 760, text)
        c.drawString(72, 730, f"Trang {number}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _writer(pages=1):
    return PdfWriter(clone_from=io.BytesIO(clean_pdf(pages=pages)))


def _bytes(writer):
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _js_action(code="app.alert('x');"):
    return DictionaryObject({NameObject("/Type"): NameObject("/Action"),
                             NameObject("/S"): NameObject("/JavaScript"),
                             NameObject("/JS"): TextStringObject(code)})


def _add_annotation(writer, annot):
    page = writer.pages[0]
    ref = writer._add_object(annot)
    annots = page.get("/Annots")
    if annots is None:
        page[NameObject("/Annots")] = ArrayObject([ref])
    else:
        annots.get_object().append(ref)
    return ref


def _rect(*values):
    return ArrayObject([FloatObject(v) for v in values or (72, 72, 200, 100)])


def pdf_with_javascript():
    """Document-level JavaScript in the catalog's /Names /JavaScript name tree."""
    w = _writer()
    tree = DictionaryObject({NameObject("/Names"): ArrayObject(
        [TextStringObject("init"), w._add_object(_js_action())])})
    names = DictionaryObject({NameObject("/JavaScript"): w._add_object(tree)})
    w._root_object[NameObject("/Names")] = w._add_object(names)
    return _bytes(w)


def pdf_with_openaction_js():
    w = _writer()
    w._root_object[NameObject("/OpenAction")] = w._add_object(_js_action())
    return _bytes(w)


def pdf_with_goto_openaction(form="action"):
    """A benign /OpenAction: a GoTo action (``form="action"``) or a bare destination array."""
    w = _writer()
    dest = ArrayObject([w.pages[0].indirect_reference, NameObject("/Fit")])
    if form == "array":
        w._root_object[NameObject("/OpenAction")] = dest
    else:
        w._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {NameObject("/S"): NameObject("/GoTo"), NameObject("/D"): dest})
    return _bytes(w)


def _pdf_with_link_action(action_type, target):
    """A link annotation whose action is ``action_type`` on the file or address ``target``."""
    w = _writer()
    action = DictionaryObject({NameObject("/S"): NameObject(action_type),
                               NameObject("/F"): TextStringObject(target)})
    _add_annotation(w, DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                                         NameObject("/Subtype"): NameObject("/Link"),
                                         NameObject("/Rect"): _rect(),
                                         NameObject("/A"): action}))
    return _bytes(w)


def pdf_with_launch():
    """A link annotation whose action launches a program."""
    return _pdf_with_link_action("/Launch", "cmd.exe")


def pdf_with_action(action_type="/SubmitForm"):
    """A link annotation whose action is ``action_type`` (SubmitForm, GoToR, Rendition, ...)."""
    return _pdf_with_link_action(action_type, "http://example.invalid/")


def pdf_with_annotation(subtype="/Screen"):
    """An annotation of ``subtype`` (Screen, 3D, Sound, Movie, FileAttachment, ...)."""
    w = _writer()
    _add_annotation(w, DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                                         NameObject("/Subtype"): NameObject(subtype),
                                         NameObject("/Rect"): _rect()}))
    return _bytes(w)


def pdf_with_link():
    """An ordinary web link: harmless, like most links in official documents."""
    w = _writer()
    w.add_uri(0, "https://example.invalid/", _rect())
    return _bytes(w)


def pdf_with_shifted_offsets():
    """A clean PDF whose xref offsets are all wrong by a few bytes (a comment line inserted
    after the header): strict parsing fails, a lenient reader repairs it."""
    return clean_pdf().replace(b"\n", b"\n%pad\n", 1)


def pdf_with_embedded_file():
    w = _writer()
    w.add_attachment("payload.txt", b"hidden content")
    return _bytes(w)


def pdf_with_page_aa():
    """A page /AA (additional actions) running JavaScript when the page opens."""
    w = _writer()
    w.pages[0][NameObject("/AA")] = DictionaryObject({NameObject("/O"): _js_action()})
    return _bytes(w)


def pdf_with_richmedia():
    w = _writer()
    content = DictionaryObject({NameObject("/Assets"): DictionaryObject(
        {NameObject("/Names"): ArrayObject()})})
    _add_annotation(w, DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                                         NameObject("/Subtype"): NameObject("/RichMedia"),
                                         NameObject("/Rect"): _rect(),
                                         NameObject("/RichMediaContent"): content}))
    return _bytes(w)


def pdf_with_xfa():
    w = _writer()
    xfa = w._add_object(_stream(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>"))
    w._root_object[NameObject("/AcroForm")] = w._add_object(DictionaryObject(
        {NameObject("/Fields"): ArrayObject(), NameObject("/XFA"): xfa}))
    return _bytes(w)


def _stream(data):
    from pypdf.generic import DecodedStreamObject

    s = DecodedStreamObject()
    s.set_data(data)
    return s


def encrypted_pdf(user_password=""):
    """Encrypted with an owner password; with the default empty user password any viewer
    opens it without asking, but it is still encrypted."""
    w = _writer()
    w.encrypt(user_password=user_password, owner_password="owner-secret", algorithm="AES-128")
    return _bytes(w)


def truncated_pdf():
    """A 3-page PDF cut in half, as an interrupted upload leaves it."""
    data = clean_pdf(pages=3)
    return data[: len(data) // 2]


def _assemble(objects, trailer_extra=b""):
    """A classic PDF (xref table with exact offsets) from ``{number: body bytes}``."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = out.tell()
        out.write(b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n")
    xref = out.tell()
    size = max(objects) + 1
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for number in range(1, size):
        out.write(b"%010d 00000 n \n" % offsets[number])
    out.write(b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (size, trailer_extra, xref))
    return out.getvalue()


_PAGE_CONTENT = b"BT /F1 12 Tf 72 720 Td (Hello) Tj ET"
_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"


def _page_objects():
    return {
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        4: b"<< /Length %d >>\nstream\n" % len(_PAGE_CONTENT) + _PAGE_CONTENT + b"\nendstream",
        5: _FONT,
    }


def pdf_with_hex_escaped_js():
    """JavaScript hidden behind ``#xx`` name escapes (/J#61vaScript is /JavaScript): the raw
    bytes never contain "/JavaScript" nor "/JS"."""
    objects = _page_objects()
    objects[1] = b"<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R >>"
    objects[6] = b"<< /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>"
    data = _assemble(objects)
    assert b"/JavaScript" not in data and b"/JS" not in data
    return data


def pdf_with_objstm_js():
    """Document JavaScript stored only inside a compressed object stream (PDF 1.5 xref
    stream): a byte grep cannot see it."""
    inner = {  # objects kept in the object stream (number 7)
        1: b"<< /Type /Catalog /Pages 2 0 R /Names 6 0 R >>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        5: _FONT,
        6: b"<< /JavaScript << /Names [(init) << /S /JavaScript /JS (app.alert\\(1\\)) >>] >> >>",
    }
    order = sorted(inner)
    header, body = [], b""
    for number in order:
        header.append(b"%d %d" % (number, len(body)))
        body += inner[number] + b" "
    head = b" ".join(header) + b" "
    packed = zlib.compress(head + body)
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    offsets[4] = out.tell()
    out.write(b"4 0 obj\n<< /Length %d >>\nstream\n" % len(_PAGE_CONTENT) + _PAGE_CONTENT
              + b"\nendstream\nendobj\n")
    offsets[7] = out.tell()
    out.write(b"7 0 obj\n<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>\n"
              b"stream\n" % (len(order), len(head), len(packed)) + packed
              + b"\nendstream\nendobj\n")
    xref_pos = out.tell()
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, 9):
        if number in inner:
            rows.append(struct.pack(">BIH", 2, 7, order.index(number)))
        elif number in offsets:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
        else:  # 8: the xref stream itself
            rows.append(struct.pack(">BIH", 1, xref_pos, 0))
    table = b"".join(rows)
    out.write(b"8 0 obj\n<< /Type /XRef /Size 9 /W [1 4 2] /Root 1 0 R /Length %d >>\n"
              b"stream\n" % len(table) + table + b"\nendstream\nendobj\n")
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref_pos)
    data = out.getvalue()
    assert b"/JavaScript" not in data and b"/JS" not in data
    return data


def signed_pdf():
    """A clean PDF signed with pyHanko by a throwaway self-signed certificate."""
    import datetime

    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Văn thư thử nghiệm")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())),
        cert_registry=None)
    writer = IncrementalPdfFileWriter(io.BytesIO(clean_pdf()))
    out = signers.sign_pdf(writer, signers.PdfSignatureMetadata(field_name="Signature1"),
                           signer=signer)
    return out.getvalue()


_CONTENT_TYPES_DOCX = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="%s"/>'
    '%s</Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    '<w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>')
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"


def docx_bytes(text=VIETNAMESE, macros=False):
    """A minimal Word document (zip); with ``macros`` a .docm carrying word/vbaProject.bin."""
    buf = io.BytesIO()
    extra = ('<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
             if macros else "")
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   _CONTENT_TYPES_DOCX % (DOCM_MAIN if macros else DOCX_MAIN, extra))
        z.writestr("_rels/.rels", _RELS)
        z.writestr("word/document.xml", _DOCUMENT % text)
        if macros:
            z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    return buf.getvalue()


def docm_bytes():
    return docx_bytes(macros=True)


def xlsx_bytes():
    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("Sổ")
    sheet.write(0, 0, "Số đến")
    sheet.write(1, 0, 1)
    book.close()
    return buf.getvalue()


def zip_bytes():
    """A zip archive of something else (not an Office document)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "hello")
        z.writestr("run.bat", "@echo off")
    return buf.getvalue()


def png_bytes(width=2, height=2):
    """A tiny valid RGB PNG."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def exe_bytes():
    """The start of a Windows program (DOS MZ header, PE signature)."""
    header = bytearray(b"MZ" + b"\x90\x00" + b"\x00" * 56 + struct.pack("<I", 64))
    return bytes(header) + b"PE\x00\x00" + b"\x4c\x01" + b"\x00" * 200


def html_bytes():
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def ole_bytes(stream_names=("WordDocument",)):
    """A minimal OLE2 compound file (legacy .doc / .xls) whose directory holds the named
    streams (each empty), as Word 97-2003 (WordDocument) or Excel (Workbook) write it."""
    sector = 512
    header = bytearray(sector)
    header[0:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    struct.pack_into("<HHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9)  # minor, major, BOM, shift
    struct.pack_into("<H", header, 0x20, 6)  # mini sector shift
    struct.pack_into("<I", header, 0x2C, 1)  # one FAT sector
    struct.pack_into("<I", header, 0x30, 1)  # directory starts at sector 1
    struct.pack_into("<I", header, 0x38, 4096)
    struct.pack_into("<II", header, 0x3C, 0xFFFFFFFE, 0)  # no mini FAT
    struct.pack_into("<II", header, 0x44, 0xFFFFFFFE, 0)  # no DIFAT sectors
    difat = [0] + [0xFFFFFFFF] * 108  # FAT lives in sector 0
    struct.pack_into("<109I", header, 0x4C, *difat)
    names = ["Root Entry", *stream_names]
    dir_sectors = (len(names) * 128 + sector - 1) // sector
    fat = [0xFFFFFFFD]  # sector 0: the FAT itself
    for i in range(dir_sectors):
        fat.append(2 + i if i < dir_sectors - 1 else 0xFFFFFFFE)
    fat += [0xFFFFFFFF] * (sector // 4 - len(fat))
    fat_sector = struct.pack(f"<{len(fat)}I", *fat)
    directory = bytearray(dir_sectors * sector)
    for i, name in enumerate(names):
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\0\0"
        entry[0:len(encoded)] = encoded
        struct.pack_into("<H", entry, 0x40, len(encoded))
        entry[0x42] = 5 if i == 0 else 2  # root storage / stream
        entry[0x43] = 1
        # siblings as a simple right-leaning chain; root's child is entry 1
        struct.pack_into("<III", entry, 0x44, 0xFFFFFFFF,
                         i + 1 if 0 < i < len(names) - 1 else 0xFFFFFFFF,
                         1 if i == 0 and len(names) > 1 else 0xFFFFFFFF)
        struct.pack_into("<I", entry, 0x74, 0xFFFFFFFE)
        directory[i * 128:(i + 1) * 128] = entry
    return bytes(header) + fat_sector + bytes(directory)
