"""A small corpus for the search tests, made once per run through the real services (then
replayed): incoming and outgoing documents of two units, with Vietnamese text in their
fields and in their PDF files."""

from datetime import timedelta

import pytest

from tests.conftest import replay
from tests.incoming.conftest import IncomingKit
from tests.outgoing.conftest import OutgoingKit


def _build(app, world):
    inc = IncomingKit(app, world)
    out = OutgoingKit(app, world)
    ids = {"type_cv": inc.type_id, "type_qc": out.types["QC"]}
    ids["plan"] = inc.intake(
        symbol="12-KH/TU", summary="Kế hoạch tổ chức Đại hội Đảng ủy khối cơ quan",
        urgency=1, text="Nội dung chi tiết triển khai nghị quyết")
    ids["report"] = inc.intake(
        symbol="34-BC/TU", summary="Báo cáo kết quả công tác tổ chức",
        author_name="Huyện đoàn Kim Động", text="Đảng ủy xã Tân Hưng báo cáo tình hình khen thưởng")
    ids["old"] = inc.intake(
        symbol="35-TB/TU", summary="Thông báo lịch tiếp dân tháng trước",
        arrival_date=inc.today() - timedelta(days=20),
        document_date=inc.today() - timedelta(days=25), text="Lịch tiếp công dân")
    ids["assigned"] = inc.intake(
        symbol="78-CV/TU", summary="Về việc góp ý dự thảo quy chế làm việc",
        text="Đề nghị góp ý trước ngày hai mươi")
    inc.assign(ids["assigned"], lead="chuyenvien.vphu")
    ids["ranked"] = inc.intake(
        symbol="90-CV/TU",
        summary="Kế hoạch thi đua, khen thưởng năm sau; khen thưởng đột xuất, khen thưởng",
        text="Kế hoạch")
    ids["markup"] = inc.intake(
        symbol="91-CV/TU", summary='Thư <script>alert("x")</script> & mẫu biểu',
        text="Mẫu biểu thống kê")
    ids["other_unit"] = inc.intake(
        clerk="vanthu.btchu", symbol="56-KH/BTCHU", summary="Kế hoạch kiểm tra giám sát Đảng ủy",
        text="Kế hoạch kiểm tra của Ban Tổ chức")
    ids["out_vphu"] = out.draft(summary="Tờ trình về kế hoạch đào tạo cán bộ", urgency=2)
    ids["out_btchu"] = out.draft(author="chuyenvien.btchu", signer="lanhdao.btchu",
                                 recipients=("vphu",),
                                 summary="Kế hoạch bồi dưỡng lý luận chính trị")
    return ids


@pytest.fixture
def corpus(app, world, database):
    """Ids of the corpus's documents and types (see _build)."""
    return replay(database, app, "search-corpus", lambda: _build(app, world))
