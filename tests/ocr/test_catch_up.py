"""`flask qlvb ocr-stored` (the admin's catch-up of the scans stored while OCR was
unavailable) shows a progress bar on a terminal, as `flask qlvb storage verify` does: each
scan is queued in its own commit, so that without Redis the bar moves as each is
recognised. Nothing is drawn when the output is not a terminal (a timer's log). The engine
is replaced by a stand-in here: what matters is the command's progress."""

import io
import sys
from types import SimpleNamespace

from app.ocr import engine
from tests.conftest import client_for
from tests.incoming.conftest import created_id
from tests.ocr import corpus


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def _stored_scans(app, world, incoming, monkeypatch, count):
    from app.ocr import services

    monkeypatch.setitem(services._available, "ok", False)
    clerk = client_for(app, "vanthu.vphu")
    ids = []
    for index, spec in enumerate(corpus.DOCUMENTS[:count]):
        scan = corpus.scan(corpus.text_pdf(spec), dpi=100)
        ids.append(created_id(incoming.post_intake(clerk, pdf=scan, filename="bản quét.pdf",
                                                   symbol=f"{900 + index}-CV/TU")))
    monkeypatch.setitem(services._available, "ok", True)
    recognised = []

    def stand_in(data, timeout=180, first_pages=None):
        recognised.append(len(data))
        return engine.Result(pages=1, text="Văn bản quét", searchable_pdf_bytes=data + b"\n")

    monkeypatch.setattr(engine, "recognise", stand_in)
    return ids, recognised


def test_the_catch_up_shows_a_progress_bar_on_a_terminal(app, world, incoming, runner,
                                                         monkeypatch):
    import app.cli as cli

    _ids, recognised = _stored_scans(app, world, incoming, monkeypatch, 2)
    terminal = _Terminal()
    monkeypatch.setattr(cli, "sys", SimpleNamespace(stderr=terminal, exit=sys.exit))
    result = runner.invoke(args=["qlvb", "ocr-stored"])
    assert result.exit_code == 0, result.output
    assert len(recognised) == 2
    drawn = terminal.getvalue()
    assert "Nhận dạng chữ các bản quét đã lưu" in drawn and "100%" in drawn
    assert " 2 " in result.output


def test_no_bar_when_the_output_is_no_terminal(app, world, incoming, runner, monkeypatch):
    _ids, recognised = _stored_scans(app, world, incoming, monkeypatch, 1)
    result = runner.invoke(args=["qlvb", "ocr-stored"])
    assert result.exit_code == 0, result.output
    assert len(recognised) == 1
    assert "Nhận dạng chữ các bản quét đã lưu" not in result.output + (result.stderr or "")
