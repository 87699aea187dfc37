"""``flask qlvb exchange import`` and ``export``: one JSON line per file; an outgoing
document exported from one unit and imported arrives in the other unit's inbox with the
same fields."""

import json

from sqlalchemy import select

from app.exchange.models import ExchangeMessage
from app.extensions import db
from app.incoming.models import IncomingDocument
from app.outgoing.models import OutgoingDocument
from tests.exchange.conftest import package


def lines(result):
    return [json.loads(line) for line in result.output.splitlines() if line.strip()]


def test_import_prints_one_object_per_file(app, world, runner, tmp_path):
    good, bad = tmp_path / "a.edxml", tmp_path / "b.edxml"
    good.write_bytes(package())
    bad.write_bytes(b"<edXML>")
    result = runner.invoke(args=["qlvb", "exchange", "import", str(good), str(bad),
                                 str(good)])
    assert result.exit_code == 0, result.output
    first, second, third = lines(result)
    assert first["file"] == str(good) and first["result"] == "received"
    assert isinstance(first["incoming_id"], int) and first["document_id"]
    assert second["result"] == "refused" and second["reason"]
    assert "incoming_id" not in second
    assert third["result"] == "duplicate"


def test_import_without_files_is_a_usage_error(app, runner, tmp_path):
    assert runner.invoke(args=["qlvb", "exchange", "import"]).exit_code == 2
    missing = str(tmp_path / "none.edxml")
    assert runner.invoke(args=["qlvb", "exchange", "import", missing]).exit_code == 2


def test_export_then_import_between_two_units(app, world, outgoing, runner, tmp_path):
    doc_id = outgoing.ready(recipients=("btchu", "Sở Nội vụ"),
                            summary="Về việc tổng kết công tác năm")
    result = runner.invoke(args=["qlvb", "exchange", "export", str(doc_id),
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (written,) = lines(result)  # the outside body has no mã định danh: no package
    assert written["organ_id"] == "000.00.02.H31" and written["signed"] is False
    result = runner.invoke(args=["qlvb", "exchange", "import", written["file"]])
    (received,) = lines(result)
    assert received["result"] == "received", received
    assert received["document_id"] == written["document_id"]
    with app.app_context():
        sent = db.session.get(OutgoingDocument, doc_id)
        got = db.session.get(IncomingDocument, received["incoming_id"])
        assert got.unit_id == world.ids["btchu"]
        assert (got.state, got.channel) == ("pending", "exchange")
        assert got.author_name == sent.unit.name
        for name in ("symbol", "document_date", "summary", "urgency", "document_type_id"):
            assert getattr(got, name) == getattr(sent, name), name
        assert got.signer_name == sent.signed_by.get_full_name()
        main = got.main_file()
        assert main.sha256 == sent.final_file().sha256  # byte-identical
        kinds = db.session.execute(select(ExchangeMessage.direction, ExchangeMessage.kind,
                                          ExchangeMessage.status_code)
                                   .order_by(ExchangeMessage.id)).all()
        assert kinds == [("out", "document", ""), ("in", "document", ""),
                         ("out", "status", "01")]
        db.session.remove()
    # Exported again: the same row, the same DocumentId; imported again: a duplicate.
    again = lines(runner.invoke(args=["qlvb", "exchange", "export", str(doc_id),
                                      "--out", str(tmp_path)]))
    assert again[0]["document_id"] == written["document_id"]
    assert lines(runner.invoke(args=["qlvb", "exchange", "import", written["file"]])
                 )[0]["result"] == "duplicate"


def test_export_of_a_draft_is_refused(app, world, outgoing, runner, tmp_path):
    doc_id = outgoing.draft()
    out = tmp_path / "out"
    result = runner.invoke(args=["qlvb", "exchange", "export", str(doc_id), "--out", str(out)])
    assert result.exit_code == 1 and result.output.strip()
    assert not out.exists()
