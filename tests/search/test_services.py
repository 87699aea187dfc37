"""The search service on the database under test (SQLite's FTS5 or PostgreSQL's tsvector):
folding, đ, phrases, prefixes, file text, ranking, passages, filters, scope, the index
kept in the document's transaction, saved searches, the export and bad input."""

import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy import text as sql

from app.core.errors import DomainError
from app.extensions import db
from app.search import folding, services
from app.search.models import SavedSearch, SearchDocument

BAD_INPUTS = [
    '"', '""', '"""', 'ke "hoach', "'", "' OR 1=1 --", "'; DROP TABLE search_document; --",
    "AND", "OR", "NOT", "ke AND hoach OR NOT x", "NEAR(ke hoach, 2)", "ke NEAR hoach",
    "-ke", "ke -hoach", "*", "ke*", "*hoach", "^ke", "ke^2", "body:ke", "search_fts:ke",
    "{body}: ke", "%", "%%", "_", "ke%hoach", "k_ hoach", "\\", "\\\\", "ke\\hoach",
    "\\x00", "\x00", "ke\x00hoach", "\x01\x02\x1f\x7f", "ke\thoach\r\n", "(", ")", "((ke",
    "ke)", "[ke]", "<script>alert(1)</script>", "&amp;", "ke & hoach", "ke | hoach",
    "!ke", "ke:*", "ke <-> hoach", "ke <2> hoach", ":*", "'ke':*", "$1", "?", "🙂 kế hoạch",
    "ｋｅ ｈｏａｃｈ", "ke" * 300, "a" * 499, "x" * 5000, "kế hoạch " * 1250,
    " ".join(["ke"] * 16), " ".join(f"w{i}" for i in range(17)), "   ", "", "\u200b",
    "e\u0301", "Đ", "đđđ",
]


def as_user(app, world, name, fn):
    with app.test_request_context():
        result = fn(db.session, world.user(name))
        db.session.remove()
    return result


def found(app, world, name, query="", **filters):
    """The (kind, key) of what ``name`` finds, in rank order, keys from the corpus."""
    def run(session, user):
        return [(h.kind, h.document_id) for h in services.search(
            session, user, query, services.read_filters(filters), page_size=100).hits]
    return as_user(app, world, name, run)


def keys(corpus, hits):
    by_id = {(("out" if k.startswith("out_") else "in"), v): k for k, v in corpus.items()
             if not k.startswith("type_")}
    return [by_id.get(h, h) for h in hits]


def test_folding_and_query_parsing():
    assert folding.fold("Đảng ủy") == "dang uy"
    assert folding.fold("KẾ HOẠCH") == "ke hoach"
    assert folding.fold("Ðại hội") == "dai hoi"  # Icelandic eth typed for Đ
    assert folding.fold("ke\u0302\u0301 hoa\u0323ch") == "ke hoach"  # decomposed input
    assert folding.words("12-KH/TU ngày 01/02") == ["12", "kh", "tu", "ngay", "01", "02"]
    q = folding.parse('quy "Tổ chức  Đại hội" ke hoa')
    assert (q.terms, q.phrases, q.prefix) == (["quy", "ke"], [["to", "chuc", "dai", "hoi"]],
                                              "hoa")
    assert folding.parse("ke hoach ").prefix == ""
    unpaired = folding.parse('ke "hoach')  # an unpaired quote is a space
    assert (unpaired.terms, unpaired.phrases, unpaired.prefix) == (["ke"], [], "hoach")
    assert folding.fts5_match(folding.parse('a "b c" de')) == '"a" AND "b c" AND "de"*'
    assert folding.pg_tsquery(folding.parse('a "b c" de')) == "a & (b <-> c) & de:*"


def test_a_passage_marks_the_same_words_whatever_the_text_is_made_of():
    """The passage's words are found in the folded text and marked in the original: the
    same places whether each character folds to one (composed Vietnamese, the quick
    way) or not (decomposed accents, a ligature: character by character)."""
    query = folding.parse("ke hoach")
    composed = "Xây dựng Kế hoạch năm; KẾ HOẠCH số 12."
    decomposed = "Xây dựng Ke\u0302\u0301 hoa\u0323ch năm; ﬁle KÊ\u0301 HOẠCH số 12."
    for text in (composed, decomposed):
        folded, origin = folding._folded_with_origin(text)
        slow = [(folding.fold_char(ch), i) for i, ch in enumerate(text)]
        assert folded == "".join(f for f, _ in slow)
        assert list(origin) == [i for f, i in slow for _ in f]
        marked = re.findall(r"<mark>(.*?)</mark>", str(folding.snippet(text, query)))
        assert [folding.fold(m) for m in marked] == ["ke", "hoach", "ke", "hoach"]
    assert re.findall(r"<mark>(.*?)</mark>", str(folding.snippet(composed, query))) == [
        "Kế", "hoạch", "KẾ", "HOẠCH"]


def test_accents_case_and_d_fold_on_both_sides(app, world, corpus):
    plan = ("in", corpus["plan"])
    for query in ("ke hoach to chuc", "KẾ HOẠCH TỔ CHỨC", "Kế hoạch tổ chức", "kê hoạch tô chúc"):
        assert plan in found(app, world, "vanthu.vphu", query), query
    for query in ("dang uy", "Đảng ủy", "ĐẢNG ỦY", "dảng uy"):
        hits = keys(corpus, found(app, world, "vanthu.vphu", query))
        assert set(hits) == {"plan", "report"}, query  # "report" by its file's text
    assert keys(corpus, found(app, world, "vanthu.vphu", "tan hung")) == ["report"]
    assert keys(corpus, found(app, world, "vanthu.vphu", "huyen doan kim dong")) == ["report"]
    assert keys(corpus, found(app, world, "vanthu.vphu", "12 KH TU")) == ["plan"]


def test_phrases_and_prefix(app, world, corpus):
    assert keys(corpus, found(app, world, "vanthu.vphu", '"to chuc dai hoi"')) == ["plan"]
    assert found(app, world, "vanthu.vphu", '"dai hoi to chuc"') == []
    # the words are there, not side by side: found without quotes only
    assert found(app, world, "vanthu.vphu", '"ke hoach dai hoi"') == []
    assert "plan" in keys(corpus, found(app, world, "vanthu.vphu", "ke hoach dai hoi"))
    assert keys(corpus, found(app, world, "vanthu.vphu", "nghi quye")) == ["plan"]
    assert found(app, world, "vanthu.vphu", "nghi quye ") == []  # a finished word


def test_ranked_best_first_with_passage(app, world, corpus):
    hits = keys(corpus, found(app, world, "vanthu.vphu", "khen thuong"))
    assert hits == ["ranked", "report"]

    def run(session, user):
        return services.search(session, user, "ke hoach thi dua").hits[0]
    hit = as_user(app, world, "vanthu.vphu", run)
    assert hit.document_id == corpus["ranked"]
    assert "<mark>thi</mark> <mark>đua</mark>" in hit.snippet
    assert "<mark>Kế</mark> <mark>hoạch</mark>" in hit.snippet


def test_pages_follow_the_ranking(app, world, corpus):
    def run(session, user):
        pages = [services.search(session, user, "ke hoach", page=p, page_size=2)
                 for p in (1, 2, 3, 4, "x", -1)]
        return [([(h.kind, h.document_id) for h in r.hits], r.page, r.pages()) for r in pages]
    pages = as_user(app, world, "vanphong", run)
    everything = [i for ids, _page, _count in pages[:3] for i in ids]
    assert len(everything) == len(set(everything)) == 5
    assert [(len(ids), page, count) for ids, page, count in pages] == [
        (2, 1, 3), (2, 2, 3), (1, 3, 3), (0, 4, 3), (2, 1, 3), (2, 1, 3)]


def test_past_the_count_cap_the_newest_come_first(app, world, corpus, monkeypatch):
    monkeypatch.setattr(services, "COUNT_CAP", 3)

    def run(session, user):
        return services.search(session, user, "ke hoach", page_size=2)
    results = as_user(app, world, "vanphong", run)
    assert (results.total, results.capped, results.ranked) == (3, True, False)
    # newest in the index first: the outgoing drafts were made last
    assert keys(corpus, [(h.kind, h.document_id) for h in results.hits]) == [
        "out_btchu", "out_vphu"]
    results = as_user(app, world, "vanthu.vphu", run)
    assert (results.total, results.capped, results.ranked) == (3, False, True)


def _on_postgresql(app):
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def _analysed(app):
    """PostgreSQL's statistics of the index brought up to date (ANALYZE)."""
    with app.app_context():
        db.session.execute(sql("ANALYZE search_document"))
        db.session.commit()


def test_word_share_reads_the_statistics_of_the_index(app, world, corpus, monkeypatch):
    if not _on_postgresql(app):
        assert as_user(app, world, "vanthu.vphu", lambda session, user: services.word_share(
            session, services.parse_query("ke hoach"))) == 0.0
        return
    _analysed(app)
    monkeypatch.setattr(services, "_word_stats", {})

    def share(query):
        return as_user(app, world, "vanthu.vphu", lambda session, user: services.word_share(
            session, services.parse_query(query)))
    with app.app_context():
        ke, hoach, every = db.session.execute(sql(
            "SELECT count(*) FILTER (WHERE tsv @@ to_tsquery('simple', 'ke')), "
            "count(*) FILTER (WHERE tsv @@ to_tsquery('simple', 'hoach:*')), count(*) "
            "FROM search_document")).one()
    # the share of both words is at most the smaller of the shares ANALYZE measured: "ke"
    # and every word "hoach" begins (the last word typed is a prefix)
    assert share("ke hoach") == pytest.approx(min(ke, hoach) / every, abs=0.01)
    assert share("ke hoach") >= services.COMMON_SHARE
    assert share("ke xyzzyq") == 0.0  # a word no document holds is not common
    assert share("hoa") >= share("hoach")  # a prefix counts every word it begins


def test_common_words_found_among_the_newest_give_the_same_results(
        app, world, corpus, monkeypatch):
    """On PostgreSQL a common word is counted past the cap by walking the newest
    documents of the user's unit: the page is the one the full pass gives, and the scope
    still holds."""
    if not _on_postgresql(app):
        pytest.skip("the walk uses PostgreSQL's statistics; SQLite's FTS5 walks by itself")
    _analysed(app)
    monkeypatch.setattr(services, "_word_stats", {})
    monkeypatch.setattr(services, "COUNT_CAP", 1)
    statements = []

    def note(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    def run(name):
        statements.clear()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", note)
        try:
            results = as_user(app, world, name, lambda session, user: services.search(
                session, user, "ke hoach", page_size=5))
        finally:
            event.remove(engine, "before_cursor_execute", note)
        walked = any("newest" in statement for statement in statements)
        return (results.total, results.capped, results.ranked,
                [(h.kind, h.document_id) for h in results.hits]), walked

    walk, walked = run("vanthu.vphu")
    assert walked and walk[:3] == (1, True, False)
    assert set(keys(corpus, walk[3])) == {"plan", "ranked", "out_vphu"}
    # another unit's clerk walks their own unit, and finds only what they may see
    other, other_walked = run("vanthu.btchu")
    assert other_walked and not {"plan", "ranked", "out_vphu"} & set(keys(corpus, other[3]))
    # an official sees only their assignments: no walk of the unit
    _, official_walked = run("chuyenvien.vphu")
    assert not official_walked
    monkeypatch.setattr(services, "COMMON_SHARE", 2.0)  # no word is common: the full pass
    full, walked = run("vanthu.vphu")
    assert not walked and full == walk
    assert run("vanthu.btchu") == (other, False)


def test_passage_is_escaped(app, world, corpus):
    def run(session, user):
        return services.search(session, user, "mau bieu").hits
    hits = as_user(app, world, "vanthu.vphu", run)
    assert [h.document_id for h in hits] == [corpus["markup"]]
    snippet = str(hits[0].snippet)
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    assert "&amp;" in snippet and "<mark>mẫu</mark> <mark>biểu</mark>" in snippet


def test_filters(app, world, corpus):
    from app.core.timeutil import local_today

    today = local_today()

    def f(query="", **filters):
        return set(keys(corpus, found(app, world, "vanphong", query, **filters)))

    everything = {"plan", "report", "old", "assigned", "ranked", "markup", "other_unit",
                  "out_vphu", "out_btchu"}
    assert f(kind="in") == everything - {"out_vphu", "out_btchu"}
    assert f("ke hoach", kind="out") == {"out_vphu", "out_btchu"}
    old = (today - timedelta(days=20)).strftime("%d/%m/%Y")
    assert f(date_to=old) == {"old"}
    assert f(date_from=(today - timedelta(days=21)).strftime("%d/%m/%Y"),
             date_to=(today - timedelta(days=19)).isoformat()) == {"old"}
    assert "old" not in f(date_from=today.strftime("%d/%m/%Y"))
    assert f(type=str(corpus["type_qc"])) == set()
    assert f("ke hoach", type=str(corpus["type_cv"])) == {"plan", "ranked", "other_unit",
                                                          "out_vphu", "out_btchu"}
    assert f(urgency="1") == {"plan"}
    assert f(urgency="2") == {"out_vphu"}
    assert f(status="out:draft") == {"out_vphu", "out_btchu"}
    assert f(status="in:assigned") == {"assigned"}
    assert f(unit=str(world.ids["btchu"])) == {"other_unit", "out_btchu"}
    assert f(sender=str(world.ids["btchu"]), kind="out") == {"out_btchu"}
    assert f(assignee=str(world.ids["chuyenvien.vphu"])) == {"assigned", "out_vphu"}


def test_scope_is_the_document_screens_scope(app, world, corpus):
    vphu_clerk = set(keys(corpus, found(app, world, "vanthu.vphu", "ke hoach")))
    assert vphu_clerk == {"plan", "ranked", "out_vphu"}
    btchu_clerk = set(keys(corpus, found(app, world, "vanthu.btchu", "ke hoach")))
    assert btchu_clerk == {"other_unit", "out_btchu"}
    # an official sees the incoming documents assigned to them, and the unit's outgoing
    assert set(keys(corpus, found(app, world, "chuyenvien.vphu", kind="in"))) == {"assigned"}
    assert found(app, world, "chuyenvien.vphu", "dang uy") == []
    assert set(keys(corpus, found(app, world, "chuyenvien.vphu", "gop y"))) == {"assigned"}
    # the office sees every unit; a unit IT officer reads no documents and finds nothing
    assert set(keys(corpus, found(app, world, "vanphong", "ke hoach"))) == {
        "plan", "ranked", "other_unit", "out_vphu", "out_btchu"}
    assert found(app, world, "qtdv.vphu", "ke hoach") == []
    # a filter never opens another unit's documents
    assert found(app, world, "vanthu.vphu", unit=str(world.ids["btchu"])) == []


def test_index_follows_the_document_in_its_transaction(app, world, corpus):
    from app.incoming.models import IncomingDocument

    with app.test_request_context():
        doc = db.session.get(IncomingDocument, corpus["plan"])
        doc.summary = "Chương trình hành động về chuyển đổi số"
        db.session.flush()
        user = world.user("vanthu.vphu")
        assert [h.document_id for h in services.search(db.session, user, "chuyen doi so")
                .hits] == [corpus["plan"]]
        db.session.rollback()
        assert services.search(db.session, user, "chuyen doi so").hits == []
        assert [h.document_id for h in services.search(db.session, user, '"to chuc dai hoi"')
                .hits] == [corpus["plan"]]
        db.session.remove()


def test_new_document_rolled_back_leaves_no_index_row(app, world, corpus):
    from tests.incoming.conftest import IncomingKit

    kit = IncomingKit.__new__(IncomingKit)
    kit.app, kit.world, kit.type_id = app, world, corpus["type_cv"]
    from app.incoming import services as incoming

    with app.test_request_context():
        before = db.session.execute(select(SearchDocument.id)).scalars().all()
        user = world.user("vanthu.vphu")
        doc = incoming.intake(db.session, user, "paper",
                              kit.entry(symbol="1-NQ/TU", summary="Nghị quyết chuyên đề"),
                              kit.stored_pdf("Văn bản bị hủy"))
        db.session.flush()
        assert db.session.execute(select(SearchDocument.kind).where(
            SearchDocument.document_id == doc.id, SearchDocument.kind == "in")).scalar() == "in"
        assert [h.document_id for h in services.search(db.session, user, "chuyen de").hits] \
            == [doc.id]
        db.session.rollback()
        assert db.session.execute(select(SearchDocument.id)).scalars().all() == before
        assert services.search(db.session, user, "chuyen de").hits == []
        db.session.remove()


def test_reindex_command_rebuilds_the_same_index(app, world, corpus, runner):
    def snapshot():
        with app.app_context():
            rows = db.session.execute(select(SearchDocument.kind, SearchDocument.document_id,
                                             SearchDocument.body, SearchDocument.state)
                                      .order_by(SearchDocument.kind,
                                                SearchDocument.document_id)).all()
            db.session.remove()
        return rows

    before = snapshot()
    with app.app_context():
        db.session.execute(SearchDocument.__table__.delete())
        db.session.commit()
    assert found(app, world, "vanphong", "ke hoach") == []
    result = runner.invoke(args=["qlvb", "search", "reindex"])
    assert result.exit_code == 0 and "indexed 9 document(s)" in result.output
    assert snapshot() == before
    assert len(found(app, world, "vanphong", "ke hoach")) == 5


@pytest.mark.parametrize("chunk", range(4))
def test_bad_input_gives_results_or_a_message(app, world, corpus, chunk):
    def run(session, user):
        outcomes = []
        for text in BAD_INPUTS[chunk::4]:
            try:
                results = services.search(session, user, text)
                outcomes.append(("ok", len(results.hits)))
            except DomainError as error:
                assert error.field == "q" and str(error), text
                outcomes.append(("refused", str(error)))
            session.rollback()
        return outcomes

    outcomes = as_user(app, world, "vanthu.vphu", run)
    assert len(outcomes) == len(BAD_INPUTS[chunk::4])


def test_bad_input_answers(app, world, corpus):
    assert keys(corpus, found(app, world, "vanthu.vphu", "ke AND hoach OR NOT dai")) == ["plan"]
    assert found(app, world, "vanthu.vphu", "AND OR NOT NEAR") == []
    assert found(app, world, "vanthu.vphu", "'; DROP TABLE search_document; --") == []
    assert len(found(app, world, "vanthu.vphu", "ke hoach")) == 3
    assert "plan" in keys(corpus, found(app, world, "vanthu.vphu", '"ke hoach'))
    with pytest.raises(DomainError, match="500"):
        found(app, world, "vanthu.vphu", "x" * 10_000)
    with pytest.raises(DomainError):
        found(app, world, "vanthu.vphu", " ".join(f"w{i}" for i in range(17)))
    for bad in ({"date_from": "31/02/2026"}, {"urgency": "x"}, {"unit": "1e99"},
                {"kind": "both"}, {"status": "drop"}, {"date_from": "02/01/2026",
                                                       "date_to": "01/01/2026"}):
        with pytest.raises(DomainError):
            services.read_filters(bad)


def test_saved_searches_are_private(app, world, corpus):
    def save(session, user):
        saved = services.save_search(session, user, "  Kế hoạch  khẩn ", "ke hoach",
                                     services.read_filters({"urgency": "1"}))
        session.commit()
        return saved.id, saved.name, saved.query_string

    saved_id, name, qs = as_user(app, world, "vanthu.vphu", save)
    assert name == "Kế hoạch khẩn" and qs == "q=ke+hoach&urgency=1"
    mine = as_user(app, world, "vanthu.vphu",
                   lambda s, u: [x.name for x in services.saved_searches(s, u)])
    assert mine == ["Kế hoạch khẩn"]
    assert as_user(app, world, "lanhdao.vphu", lambda s, u: services.saved_searches(s, u)) == []

    def steal(session, user):
        with pytest.raises(DomainError):
            services.delete_saved_search(session, user, saved_id)
    as_user(app, world, "lanhdao.vphu", steal)
    with pytest.raises(DomainError):
        as_user(app, world, "vanthu.vphu",
                lambda s, u: services.save_search(s, u, "   ", "x", services.Filters()))

    def delete(session, user):
        services.delete_saved_search(session, user, saved_id)
        session.commit()
        return session.execute(select(SavedSearch)).scalars().all()
    assert as_user(app, world, "vanthu.vphu", delete) == []


def test_export_lists_the_results_in_xlsx(app, world, corpus):
    import openpyxl

    from app.core.audit import AuditEvent

    def run(session, user):
        data = services.export_xlsx(session, user, "ke hoach", services.Filters())
        session.commit()
        return data
    data = as_user(app, world, "vanthu.vphu", run)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("STT", "Loại", "Số, ký hiệu", "Trích yếu")
    summaries = {r[3] for r in rows[1:]}
    assert "Kế hoạch tổ chức Đại hội Đảng ủy khối cơ quan" in summaries
    assert "Tờ trình về kế hoạch đào tạo cán bộ" in summaries
    assert not any("bồi dưỡng" in s or "giám sát" in s for s in summaries)
    assert len(rows) == 4
    with app.app_context():
        event = db.session.execute(select(AuditEvent).where(
            AuditEvent.action == "search_exported")).scalar_one()
        assert '"rows": 3' in event.details
        db.session.remove()
