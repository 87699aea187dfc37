"""The edXML codec: packages as the field writes them read back; hostile and broken input
refused cleanly with a named error; the status package for every code."""

import base64
import io
import unicodedata
import zipfile
from datetime import date, datetime

import pytest
from lxml import etree

from app.exchange import codec, errors, fields
from tests.exchange.samples import NS, ours, sample_edxml, zip_of


def test_a_sample_package_reads():
    package = codec.parse(sample_edxml())
    assert isinstance(package, codec.DocumentPackage)
    h = package.header
    assert h.from_.organ_id == "000.00.11.H53"
    assert h.from_.in_charge == "Tỉnh Tây Ninh"
    assert [t.organ_id for t in h.to] == ["000.00.01.A53"]
    assert h.document_id == "000.00.11.H53,2020/10/30,2491/STC-BCTC"
    assert (h.code.number, h.code.notation) == ("2491", "STC-BCTC")
    assert h.promulgation.date == date(2020, 10, 30)
    assert (h.document_type.type, h.document_type.type_detail) == (1, 0)
    assert h.other.direction is False and h.other.page_amount == 22
    assert h.other.appendixes == []  # an empty Appendix is no appendix
    assert h.to_places == ["Cac bo va co quan ngang bo"]
    assert package.traces[0].timestamp == datetime(2018, 9, 28)
    assert package.business.doc_type is codec.BusinessType.NEW
    assert package.business.document_id.endswith("7806/VPCP-TTĐT")
    assert not package.signed
    # The ZIP holding the file is unpacked one level.
    (att,) = package.attachments
    assert att.content_type == codec.ZIP
    assert att.files == [("1896_QD-TTg.pdf", b"%PDF-1.4 sample")]


@pytest.mark.parametrize("written", ["30/10/2020", "2020/10/30"])
def test_both_date_formats_read(written):
    package = codec.parse_document(sample_edxml(promulgation=written))
    assert package.header.promulgation.date == date(2020, 10, 30)


def test_dates_are_written_year_first():
    data = fields.build_document(ours())
    root = etree.fromstring(data)
    found = root.find(f".//{{{NS}}}PromulgationDate").text
    assert found == "2026/01/05"
    assert root.find(f".//{{{NS}}}Timestamp").text == "2026/01/05 09:30:15"
    assert root.find(f".//{{{NS}}}DocumentId").text == "000.01.10.A47,2026/01/05,19/BC/HU"


@pytest.mark.parametrize("written", ["2020-10-30", "31/02/2020", "30.10.2020", "hôm qua"])
def test_an_unreadable_date_names_the_field(written):
    with pytest.raises(errors.InvalidField) as caught:
        codec.parse(sample_edxml(promulgation=written))
    assert caught.value.field == "PromulgationInfo/PromulgationDate"


def test_the_namespace_and_layout_are_the_standards():
    root = etree.fromstring(fields.build_document(ours()))
    assert root.tag == f"{{{NS}}}edXML"
    assert root.nsmap[None] == NS
    envelope, encoded = list(root)
    assert envelope.tag == f"{{{NS}}}edXMLEnvelope" and envelope.prefix == "edXML"
    assert encoded.tag == f"{{{NS}}}AttachmentEncoded"  # outside the envelope
    header, body = list(envelope)
    assert [etree.QName(c).localname for c in header] == ["MessageHeader", "TraceHeaderList"]
    assert [etree.QName(c).localname for c in header[1]] == ["TraceHeader", "Bussiness"]
    assert body[0].tag == f"{{{NS}}}edXMLManifest" and body[0].get("version") == "1.0"
    message = [etree.QName(c).localname for c in header[0]]
    assert message == ["From", "To", "To", "DocumentId", "Code", "PromulgationInfo",
                       "DocumentType", "Subject", "Content", "SignerInfo", "DueDate",
                       "OtherInfo", "SteeringType", "ToPlaces", "ResponseFor"]


def test_text_is_nfc_and_legacy_encodings_are_converted():
    decomposed = unicodedata.normalize("NFD", "Báo cáo tài chính")
    package = codec.parse_document(sample_edxml(subject=decomposed))
    assert package.header.subject == "Báo cáo tài chính"
    tcvn3 = "Céng hoµ x· héi chñ nghÜa ViÖt Nam"
    package = codec.parse_document(sample_edxml(subject=tcvn3))
    assert package.header.subject == "Cộng hoà xã hội chủ nghĩa Việt Nam"


# -- hostile and broken input ----------------------------------------------------------------

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol3;</edXML>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"><x>&xxe;</x></edXML>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE edXML SYSTEM "http://127.0.0.1:1/evil.dtd">
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>"""

PLAIN_DOCTYPE = b"""<?xml version="1.0"?><!DOCTYPE edXML>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, EXTERNAL_DTD, PLAIN_DOCTYPE],
                         ids=["billion-laughs", "external-entity", "external-dtd", "doctype"])
def test_doctypes_and_entities_are_refused(data):
    with pytest.raises(errors.HostilePackage):
        codec.parse(data)


def test_a_doctype_in_utf16_is_refused_too():
    data = PLAIN_DOCTYPE.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16")
    with pytest.raises(errors.HostilePackage):
        codec.parse(data)


def test_an_oversized_package_is_refused_before_parsing():
    with pytest.raises(errors.PackageTooLarge):
        codec.parse(sample_edxml(), codec.Limits(package_bytes=1000))
    with pytest.raises(errors.PackageTooLarge):
        fields.build_document(ours(), codec.Limits(package_bytes=1000))


@pytest.mark.parametrize("data", [b"", b"not xml", b"<edXML xmlns='x'>", b"\xff\xfe\x00<",
                                  sample_edxml()[:-40]])
def test_malformed_xml_is_refused(data):
    with pytest.raises(errors.MalformedPackage):
        codec.parse(data)


@pytest.mark.parametrize("data", [
    b'<edXML xmlns="http://www.e-doc.vn/Schema/"/>',
    b"<edXML/>",
    b'<root xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>',
])
def test_the_wrong_namespace_or_root_is_refused(data):
    with pytest.raises(errors.WrongNamespace):
        codec.parse(data)


def _without(data, element):
    root = etree.fromstring(data)
    node = root.find(f".//{{{NS}}}{element}")
    node.getparent().remove(node)
    return etree.tostring(root)


@pytest.mark.parametrize("element,path", [
    ("Subject", "Subject"), ("CodeNumber", "Code/CodeNumber"), ("DocumentId", "DocumentId"),
    ("From", "From"), ("PromulgationInfo", "PromulgationInfo"), ("MessageHeader",
                                                                    "edXMLEnvelope/edXMLHeader/MessageHeader"),
])
def test_a_missing_required_element_is_named(element, path):
    with pytest.raises(errors.MissingField) as caught:
        codec.parse(_without(sample_edxml(), element))
    assert caught.value.field == path


def test_a_package_without_recipient_is_refused():
    with pytest.raises(errors.MissingField) as caught:
        codec.parse(sample_edxml(to=False))
    assert caught.value.field == "To"


def test_an_over_long_field_is_named():
    with pytest.raises(errors.FieldTooLong) as caught:
        codec.parse(sample_edxml(code_number="1" * 12))
    assert caught.value.field == "Code/CodeNumber" and caught.value.limit == 11
    codec.parse(sample_edxml(code_number="1" * 11))
    with pytest.raises(errors.FieldTooLong) as caught:
        codec.parse(sample_edxml(subject="á" * 501))
    assert caught.value.field == "Subject"


def test_a_priority_out_of_range_is_refused():
    data = sample_edxml().replace(b"<edXML:Priority>0<", b"<edXML:Priority>7<")
    with pytest.raises(errors.InvalidField) as caught:
        codec.parse(data)
    assert caught.value.field == "OtherInfo/Priority"


def _att(data):
    return base64.b64encode(data).decode()


def test_bad_base64_is_refused():
    with pytest.raises(errors.AttachmentError) as caught:
        codec.parse(sample_edxml(attachment="@@@not base64@@@"))
    assert caught.value.reason == "base64"
    assert caught.value.field == "AttachmentEncoded/Attachment[1]/ContentTransferEncoded"


def test_a_nested_archive_is_refused():
    inner = zip_of(("a.pdf", b"%PDF-1.4"))
    with pytest.raises(errors.AttachmentError) as caught:
        codec.parse(sample_edxml(attachment=_att(zip_of(("inner.zip", inner)))))
    assert caught.value.reason == "nested"
    # A zip under another name is an archive all the same.
    with pytest.raises(errors.AttachmentError):
        codec.parse(sample_edxml(attachment=_att(zip_of(("inner.pdf", inner)))))


def test_an_office_file_inside_the_zip_is_a_file_not_an_archive():
    docx = zip_of(("word/document.xml", b"<w:document/>"))
    package = codec.parse_document(sample_edxml(attachment=_att(zip_of(("cv.docx", docx)))))
    assert package.attachments[0].files == [("cv.docx", docx)]


def test_a_zip_bomb_is_refused():
    bomb = zip_of(("big.pdf", b"\0" * (20 * 1024 * 1024)))
    assert len(bomb) < 100_000
    with pytest.raises(errors.AttachmentError) as caught:
        codec.parse(sample_edxml(attachment=_att(bomb)))
    assert caught.value.reason == "bomb"


def test_a_zip_lying_about_its_sizes_is_refused():
    """A member whose header declares little but that inflates to much more."""
    data = bytearray(zip_of(("a.pdf", b"A" * 50_000)))
    # Patch the declared size in the central directory (and the local header) to 10 bytes.
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.infolist()[0]
    for at in (info.header_offset + 22, bytes(data).rindex(b"PK\x01\x02") + 24):
        data[at:at + 4] = (10).to_bytes(4, "little")
    with pytest.raises(errors.AttachmentError) as caught:
        codec.parse(sample_edxml(attachment=_att(bytes(data))))
    assert caught.value.reason in ("bomb", "unreadable")


def test_too_many_members_is_refused():
    many = zip_of(*[(f"{i}.pdf", b"%PDF") for i in range(60)])
    with pytest.raises(errors.AttachmentError) as caught:
        codec.parse(sample_edxml(attachment=_att(many)))
    assert caught.value.reason == "bomb"


def test_a_broken_zip_is_refused():
    with pytest.raises(errors.AttachmentError) as caught:
        codec.parse(sample_edxml(attachment=_att(b"PK\x03\x04 not really")))
    assert caught.value.reason == "unreadable"


def test_an_attachment_over_the_cap_is_refused():
    limits = codec.Limits(attachment_bytes=1000)
    with pytest.raises(errors.AttachmentError) as caught:
        codec.parse(sample_edxml(attachment=_att(b"x" * 5000), content_type="application/pdf"),
                    limits)
    assert caught.value.reason == "too_large"


def test_a_plain_attachment_is_taken_as_is():
    package = codec.parse_document(sample_edxml(attachment=_att(b"%PDF-1.4 plain"),
                                                content_type="application/pdf"))
    assert package.attachments[0].files == [("1896_QD-TTg.pdf", b"%PDF-1.4 plain")]


def test_a_manifest_reference_without_its_attachment_is_named():
    data = sample_edxml().replace(b"<ContentId>cid:209</ContentId>",
                                  b"<ContentId>cid:1</ContentId>")
    with pytest.raises(errors.MissingField) as caught:
        codec.parse(data)
    assert "cid:209" in caught.value.field


def test_not_bytes_is_refused():
    with pytest.raises(errors.MalformedPackage):
        codec.parse("<edXML/>")


def test_control_characters_cannot_be_written():
    with pytest.raises(errors.InvalidField) as caught:
        fields.build_document(ours(summary="Trích\x07yếu"))
    assert caught.value.field == "summary"


# -- the status package ----------------------------------------------------------------------

def _status(code, description="Đang xử lý văn bản đến"):
    return codec.StatusPackage(
        from_=codec.Organ(organ_id="000.00.00.H41", name="UBND Tỉnh Nghệ An",
                          address="Số 03, đường Trường Thi"),
        response_for=codec.ResponseFor(organ_id="000.00.00.G22", code="7816/VPCP-TTĐT",
                                       promulgation_date=date(2015, 9, 30),
                                       document_id="000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"),
        staff=codec.StaffInfo(department="Phòng Hành chính", staff="Nguyễn Thị Ngọc Trâm",
                              email="ngoctram@nghean.vn", mobile="84912000001"),
        status_code=code, description=description, timestamp=datetime(2015, 9, 20, 11, 8, 36))


@pytest.mark.parametrize("code", codec.STATUS_CODES)
def test_status_round_trip_for_every_code(code):
    package = _status(code)
    data = codec.build_status(package)
    back = codec.parse(data)
    assert isinstance(back, codec.StatusPackage)
    assert back == package
    assert codec.parse_status(data) == package
    assert b"<edXML:StatusCode>" + code.encode() + b"</edXML:StatusCode>" in data


@pytest.mark.parametrize("code", ["00", "07", "14", "1", "P"])
def test_an_unknown_status_code_is_refused(code):
    with pytest.raises(errors.InvalidField):
        codec.build_status(_status(code))
    data = codec.build_status(_status("05")).replace(b">05<", f">{code}<".encode())
    with pytest.raises(errors.InvalidField) as caught:
        codec.parse(data)
    assert caught.value.field == "StatusCode"


@pytest.mark.parametrize("code", codec.STATUS_NEEDS_REASON)
def test_a_refusal_gives_its_reason(code):
    with pytest.raises(errors.MissingField) as caught:
        codec.build_status(_status(code, description=""))
    assert caught.value.field == "Description"


def test_a_status_read_as_a_document_is_refused_and_the_reverse():
    with pytest.raises(errors.InvalidField):
        codec.parse_document(codec.build_status(_status("03")))
    with pytest.raises(errors.MissingField):
        codec.parse_status(sample_edxml())


def test_the_status_sample_reads_with_its_layout():
    data = f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="{NS}"><edXML:edXMLEnvelope xmlns:edXML="{NS}"><edXML:edXMLHeader>
<edXML:MessageHeader>
<edXML:From><edXML:OrganId>000.00.00.H41</edXML:OrganId></edXML:From>
<edXML:ResponseFor><edXML:OrganId>000.00.00.G22</edXML:OrganId>
<edXML:Code>7816/VPCP-TTĐT</edXML:Code><edXML:PromulgationDate>30/09/2015</edXML:PromulgationDate>
<edXML:DocumentId>000.00.00.G22,2015/09/30,7816/VPCP-TTĐT</edXML:DocumentId></edXML:ResponseFor>
<edXML:StatusCode>05</edXML:StatusCode><edXML:Description>Đang xử lý</edXML:Description>
<edXML:Timestamp>20/09/2015 11:08:36</edXML:Timestamp>
</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML>""".encode()
    status = codec.parse_status(data)
    assert status.response_for.promulgation_date == date(2015, 9, 30)
    assert status.timestamp == datetime(2015, 9, 20, 11, 8, 36)
    assert status.staff is None


# -- messages --------------------------------------------------------------------------------

def test_errors_read_in_vietnamese(app):
    with app.test_request_context():
        assert str(errors.FieldTooLong("Subject", 500)) == "Trường Subject dài quá 500 ký tự."
        assert str(errors.MissingField("To")) == "Thiếu trường To."
        assert "tệp nén lồng nhau" in str(errors.nested_archive("x", "a.zip"))
    assert str(errors.MissingField("To")) == "The field To is missing."


def test_deep_nesting_is_refused():
    data = b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">' + b"<a>" * 5000
    data += b"</a>" * 5000 + b"</edXML>"
    with pytest.raises(errors.MalformedPackage):
        codec.parse(data)


def test_an_attachment_missing_from_the_manifest_is_read_too():
    root = etree.fromstring(sample_edxml())
    manifest = root.find(f".//{{{NS}}}edXMLManifest")
    manifest.remove(manifest[0])
    package = codec.parse_document(etree.tostring(root))
    assert [a.content_id for a in package.attachments] == ["cid:209"]
    assert package.attachments[0].files[0][1] == b"%PDF-1.4 sample"
