"""Packages to test with: a document in our fields, and an edXML text written as the
official samples are (``dd/MM/yyyy`` dates, a ZIP attachment, unaccented signer)."""

import base64
import io
import zipfile
from datetime import date, datetime

from app.exchange import codec

NS = codec.NS


def ours(**changes):
    """A complete field dict of an outgoing document of a district Party committee."""
    value = {
        "sender": {"code": "000.01.10.A47", "in_charge": "Tỉnh ủy Quảng Nam",
                   "name": "Huyện ủy Duy Xuyên", "address": "Thị trấn Nam Phước",
                   "email": "huyenuy@duyxuyen.dcs.vn", "phone": "0235 3877 123",
                   "fax": "0235 3877 124", "website": "duyxuyen.dcs.vn"},
        "recipients": [
            {"code": "000.00.01.A47", "in_charge": "", "name": "Văn phòng Tỉnh ủy",
             "address": "", "email": "", "phone": "", "fax": "", "website": ""},
            {"code": "000.01.11.A47", "in_charge": "Tỉnh ủy Quảng Nam",
             "name": "Huyện ủy Đại Lộc", "address": "", "email": "", "phone": "", "fax": "",
             "website": ""}],
        "document_id": "000.01.10.A47,2026/01/05,19/BC/HU",
        "symbol": "19-BC/HU",
        "place": "Duy Xuyên",
        "document_date": date(2026, 1, 5),
        "type_group": 1,
        "type_detail": 18,
        "document_type_name": "Báo cáo",
        "summary": "Báo cáo kết quả thực hiện Nghị quyết số 05-NQ/TU năm 2025",
        "content": "Tình hình, kết quả và phương hướng năm 2026",
        "signing_form": "T/M",
        "signer_position": "Bí thư",
        "signer_name": "Nguyễn Văn Ánh",
        "reply_deadline": date(2026, 1, 20),
        "urgency": 1,
        "sphere": "Liên thông văn bản",
        "typist": "VP",
        "copies": 12,
        "page_count": 4,
        "direction": False,
        "appendixes": ["Phụ lục 1: Số liệu", "Phụ lục 2: Danh sách"],
        "steering_type": 1,
        "to_places": ["Ban Thường vụ Tỉnh ủy", "Lưu VT"],
        "reply_to": {"code": "000.00.01.A47", "symbol": "05-NQ/TU",
                     "document_date": date(2025, 3, 2),
                     "document_id": "000.00.01.A47,2025/03/02,05/NQ/TU"},
        "trace": [{"code": "000.01.10.A47", "timestamp": datetime(2026, 1, 5, 9, 30, 15)}],
        "business_type": 0,
        "business_document_id": "",
        "business_reason": "Văn bản điện tử mới",
        "paper_copy": False,
        "staff": {"department": "Văn phòng Huyện ủy", "name": "Trần Thị Bích",
                  "email": "vanthu@duyxuyen.dcs.vn", "mobile": "0912000001"},
        "update": None,
        "replacements": [],
        "files": [{"name": "19-BC-HU.pdf", "content_type": "application/pdf",
                   "description": "Báo cáo", "data": b"%PDF-1.7\n% test\n%%EOF\n"}],
    }
    value.update(changes)
    return value


def zip_of(*members):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buf.getvalue()


def sample_edxml(promulgation="30/10/2020", subject="Báo cáo tài chính tỉnh",
                 code_number="2491", attachment=None, content_type="application/zip",
                 extra_header="", to=True):
    """A document package written as the VPCP sample is (dates ``dd/MM/yyyy``, a ZIP)."""
    if attachment is None:
        attachment = base64.b64encode(zip_of(("1896_QD-TTg.pdf", b"%PDF-1.4 sample"))).decode()
    to_xml = """
        <edXML:To>
          <edXML:OrganId>000.00.01.A53</edXML:OrganId>
          <edXML:OrganName>Văn phòng tỉnh ủy</edXML:OrganName>
        </edXML:To>""" if to else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<edXML xmlns="{NS}">
  <edXML:edXMLEnvelope xmlns:edXML="{NS}">
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
          <edXML:OrganId>000.00.11.H53</edXML:OrganId>
          <edXML:OrganizationInCharge>Tỉnh Tây Ninh</edXML:OrganizationInCharge>
          <edXML:OrganName>Sở Tài chính</edXML:OrganName>
          <edXML:OrganAdd/>
          <edXML:Email>stc@tayninh.gov.vn</edXML:Email>
        </edXML:From>{to_xml}
        <edXML:DocumentId>000.00.11.H53,2020/10/30,2491/STC-BCTC</edXML:DocumentId>
        <edXML:Code>
          <edXML:CodeNumber>{code_number}</edXML:CodeNumber>
          <edXML:CodeNotation>STC-BCTC</edXML:CodeNotation>
        </edXML:Code>
        <edXML:PromulgationInfo>
          <edXML:Place>Tây Ninh</edXML:Place>
          <edXML:PromulgationDate>{promulgation}</edXML:PromulgationDate>
        </edXML:PromulgationInfo>
        <edXML:DocumentType>
          <edXML:Type>1</edXML:Type>
          <edXML:TypeDetail>0</edXML:TypeDetail>
          <edXML:TypeName>Công văn</edXML:TypeName>
        </edXML:DocumentType>
        <edXML:Subject>{subject}</edXML:Subject>
        <edXML:Content>{subject}</edXML:Content>
        <edXML:SignerInfo>
          <edXML:Competence>TL. BO TRUONG</edXML:Competence>
          <edXML:Position></edXML:Position>
          <edXML:FullName>Nguyen Thanh Phuc</edXML:FullName>
        </edXML:SignerInfo>
        <edXML:DueDate></edXML:DueDate>
        <edXML:OtherInfo>
          <edXML:Priority>0</edXML:Priority>
          <edXML:PromulgationAmount>2</edXML:PromulgationAmount>
          <edXML:PageAmount>22</edXML:PageAmount>
          <edXML:Direction>false</edXML:Direction>
          <edXML:Appendixes><edXML:Appendix/></edXML:Appendixes>
        </edXML:OtherInfo>
        <edXML:SteeringType>1</edXML:SteeringType>
        <edXML:ToPlaces>
          <edXML:Place>Cac bo va co quan ngang bo</edXML:Place>
        </edXML:ToPlaces>{extra_header}
      </edXML:MessageHeader>
      <edXML:TraceHeaderList>
        <edXML:TraceHeader>
          <edXML:OrganId>000.00.00.G22</edXML:OrganId>
          <edXML:Timestamp>2018/09/28 00:00:00</edXML:Timestamp>
        </edXML:TraceHeader>
        <edXML:Bussiness>
          <edXML:DocumentId>000.00.00.G22,2014/02/30,7806/VPCP-TTĐT</edXML:DocumentId>
          <edXML:BussinessDocType>0</edXML:BussinessDocType>
          <edXML:BussinessDocReason>Văn bản điện tử mới</edXML:BussinessDocReason>
          <edXML:Paper>0</edXML:Paper>
        </edXML:Bussiness>
      </edXML:TraceHeaderList>
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest version="1.0">
        <edXML:Reference>
          <edXML:ContentId>cid:209</edXML:ContentId>
          <edXML:ContentType>{content_type}</edXML:ContentType>
          <edXML:Description>1896_QD-TTg.pdf</edXML:Description>
          <edXML:AttachmentName>1896_QD-TTg.pdf</edXML:AttachmentName>
        </edXML:Reference>
      </edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>
  <AttachmentEncoded>
    <Attachment>
      <ContentId>cid:209</ContentId>
      <AttachmentName>1896_QD-TTg.pdf</AttachmentName>
      <Description>1896_QD-TTg.pdf</Description>
      <ContentType>{content_type}</ContentType>
      <edXML:ContentTransferEncoded xmlns:edXML="{NS}">{attachment}</edXML:ContentTransferEncoded>
    </Attachment>
  </AttachmentEncoded>
</edXML>
""".encode()
