"""Tra cứu (Quy chế Điều 5.2): one search over incoming and outgoing documents, accent- and
case-insensitive, ranked, with the matching passage, limited in SQL to what the user may
see; saved searches; the results as an XLSX file.

Two backends answer the same parsed query: SQLite's FTS5 table ``search_fts`` (ranked by
bm25) and PostgreSQL's ``tsv`` column with its GIN index (ranked by ts_rank). Both index
the same folded words (app/search/folding.py), so they find the same documents."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import xlsxwriter
from flask_babel import gettext as _
from sqlalchemy import (
    ColumnElement,
    and_,
    column,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    true,
)
from sqlalchemy.sql.util import ClauseAdapter

from app.core import audit
from app.core.errors import DomainError
from app.core.scope import ScopeSettings, scope_settings, sees_every_unit
from app.core.timeutil import fmt_date, parse_date
from app.incoming import policy as incoming
from app.incoming.models import STATES as IN_STATES
from app.incoming.models import URGENCY, Assignment, IncomingDocument
from app.ocr import quarantine
from app.outgoing import policy as outgoing
from app.outgoing.models import STATES as OUT_STATES
from app.outgoing.models import OutgoingDocument
from app.search import folding
from app.search.models import KINDS, SavedSearch, SearchDocument
from app.security import permissions as P
from app.security.services import user_can
from app.units.models import Unit

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.security.models import AppUser

log = logging.getLogger(__name__)

PAGE_SIZE = 20
# Counting every match of a common word over a million documents costs more than the
# page itself: count up to this many and say "more than" beyond.
COUNT_CAP = 1000
EXPORT_LIMIT = 5000
FILTER_NAMES = ("kind", "date_from", "date_to", "type", "sender", "urgency", "status",
                "unit", "assignee")


@dataclass
class Filters:
    kind: str = ""
    date_from: date | None = None
    date_to: date | None = None
    type: int | None = None
    sender: int | None = None
    urgency: int | None = None
    status: str = ""
    unit: int | None = None
    assignee: int | None = None

    def is_empty(self) -> bool:
        return not any(getattr(self, n) not in (None, "") for n in FILTER_NAMES)


def _label(labels: Mapping[Any, Any], key: Any) -> str:
    """``labels[key]`` (a text translated when read) in the reader's language, translated
    once per request: a page of hits shows the same few labels many times."""
    from flask import g, has_request_context

    if not has_request_context():
        return str(labels.get(key, key))
    texts = g.setdefault("_search_labels", {})
    mark = (id(labels), key)
    text = texts.get(mark)
    if text is None:
        text = texts[mark] = str(labels.get(key, key))
    return text


@dataclass
class Hit:
    kind: str
    document_id: int
    symbol: str
    summary: str
    doc_date: date | None
    state: str
    urgency: int
    unit_id: int
    snippet: str
    rank: float

    def kind_label(self) -> str:
        return _label(KINDS, self.kind)

    def state_label(self) -> str:
        return _label(IN_STATES if self.kind == "in" else OUT_STATES, self.state)

    def urgency_label(self) -> str:
        return _label(URGENCY, self.urgency)

    def url(self) -> str:
        view = "incomingview" if self.kind == "in" else "outgoingview"
        return f"/{view}/show/{self.document_id}"


@dataclass
class Results:
    query: str
    hits: list[Hit] = field(default_factory=list)
    page: int = 1
    total: int = 0
    capped: bool = False
    ranked: bool = False
    page_size: int = PAGE_SIZE

    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _int(value: Any, name: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(str(value).strip())
    except ValueError:
        raise DomainError(_("Choose a valid value."), name) from None
    if not -2**31 < number < 2**31:
        raise DomainError(_("Choose a valid value."), name)
    return number


def _date(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return parse_date(str(value)[:20])
    except ValueError:
        raise DomainError(_("Write the date as dd/mm/yyyy."), name) from None


def read_filters(args: Mapping[str, Any]) -> Filters:
    """The filters of a request's arguments (a mapping of strings); a malformed value is a
    DomainError naming its field."""
    kind = (args.get("kind") or "").strip()
    if kind not in ("", "in", "out"):
        raise DomainError(_("Choose a valid value."), "kind")
    status = (args.get("status") or "").strip()[:24]
    if status and status.split(":", 1)[0] not in ("in", "out"):
        raise DomainError(_("Choose a valid value."), "status")
    filters = Filters(kind=kind, date_from=_date(args.get("date_from"), "date_from"),
                      date_to=_date(args.get("date_to"), "date_to"),
                      type=_int(args.get("type"), "type"),
                      sender=_int(args.get("sender"), "sender"),
                      urgency=_int(args.get("urgency"), "urgency"), status=status,
                      unit=_int(args.get("unit"), "unit"),
                      assignee=_int(args.get("assignee"), "assignee"))
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise DomainError(_("The start date is after the end date."), "date_to")
    return filters


def parse_query(text: str | None) -> folding.Query:
    """The query of what the user typed; too long a query is refused with a message."""
    text = text or ""
    if len(text) > folding.MAX_QUERY_CHARS:
        raise DomainError(_("The search text is too long (at most %(n)d characters).",
                            n=folding.MAX_QUERY_CHARS), "q")
    query = folding.parse(text)
    if query.word_count() > folding.MAX_QUERY_WORDS:
        raise DomainError(_("Search for at most %(n)d words at a time.",
                            n=folding.MAX_QUERY_WORDS), "q")
    return query


def readable_kinds(user: AppUser) -> list[str]:
    """The kinds of document ``user``'s roles may read."""
    return [kind for kind, resource in (("in", P.INCOMING), ("out", P.OUTGOING))
            if user_can(user, P.READ, resource)]


def scope_clause(session: Session, user: AppUser,
                 settings: ScopeSettings | None = None) -> ColumnElement[bool]:
    """The index rows ``user`` may see, by the rule of each kind (app/incoming/policy.py,
    app/outgoing/policy.py) and among the kinds the user's roles may read. ``settings``:
    the running app's when not given."""
    kinds = readable_kinds(user)
    if not kinds:
        return false()
    settings = settings or scope_settings()
    conds: list[ColumnElement[bool]] = []
    if "in" in kinds:
        clause = incoming.visible_clause(session, user, settings)
        seen = true() if clause is None else exists().where(
            IncomingDocument.id == SearchDocument.document_id, clause)
        conds.append(and_(SearchDocument.kind == "in", seen,
                          quarantine.visible_clause("in", SearchDocument.document_id)))
    if "out" in kinds:
        clause = outgoing.visible_clause(user, settings, unit_column=SearchDocument.unit_id)
        conds.append(and_(SearchDocument.kind == "out", true() if clause is None else clause,
                          quarantine.visible_clause("out", SearchDocument.document_id)))
    return or_(*conds)


def _filter_clauses(filters: Filters) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    if filters.kind:
        out.append(SearchDocument.kind == filters.kind)
    if filters.date_from:
        out.append(SearchDocument.doc_date >= filters.date_from)
    if filters.date_to:
        out.append(SearchDocument.doc_date <= filters.date_to)
    if filters.type is not None:
        out.append(SearchDocument.document_type_id == filters.type)
    if filters.sender is not None:
        out.append(SearchDocument.sender_unit_id == filters.sender)
    if filters.urgency is not None:
        out.append(SearchDocument.urgency == filters.urgency)
    if filters.unit is not None:
        out.append(SearchDocument.unit_id == filters.unit)
    if filters.status:
        kind, _sep, state = filters.status.partition(":")
        out.append(and_(SearchDocument.kind == kind, SearchDocument.state == state))
    if filters.assignee is not None:
        out.append(or_(
            and_(SearchDocument.kind == "in", exists().where(
                Assignment.document_id == SearchDocument.document_id,
                Assignment.active.is_(True), Assignment.user_id == filters.assignee)),
            and_(SearchDocument.kind == "out", exists().where(
                OutgoingDocument.id == SearchDocument.document_id,
                or_(OutgoingDocument.holder_id == filters.assignee,
                    OutgoingDocument.signer_id == filters.assignee)))))
    return out


def _match(session: Session, query: folding.Query) -> tuple[Any, Any, Any, Any]:
    """(condition, rank expression: lower ranks first, newest-first order, (table, on) to
    join or None) of the full-text part."""
    if session.get_bind().dialect.name == "postgresql":
        tsq = func.to_tsquery(literal_column("'simple'::regconfig"), folding.pg_tsquery(query))
        return (SearchDocument.tsv.op("@@")(tsq),
                -func.ts_rank(SearchDocument.tsv, tsq, 1), SearchDocument.id.desc(), None)
    fts = table("search_fts", column("rowid"))
    name: ColumnElement[Any] = literal_column("search_fts")
    # FTS5 walks its rowids (= search_document.id) backwards and stops at the page's end.
    return (name.op("MATCH")(folding.fts5_match(query)), func.bm25(name), fts.c.rowid.desc(),
            (fts, fts.c.rowid == SearchDocument.id))


def _conditions(session: Session, user: AppUser, query: folding.Query,
                filters: Filters) -> tuple[list[Any], Any, Any, Any]:
    """(conditions on the index rows the user may see that match, rank, newest-first
    order, (table, on) to join or None)."""
    conds = [scope_clause(session, user), *_filter_clauses(filters)]
    rank: Any = literal_column("0")
    newest: Any = None
    extra: Any = None
    if not query.is_empty():
        match, rank, newest, extra = _match(session, query)
        conds.append(match)
    return conds, rank, newest, extra


# -- common words on PostgreSQL: more than COUNT_CAP matches found among the newest ---------

# Words held by at least this share of the indexed documents are common: finding every
# match through the full-text index costs more than walking the newest documents.
COMMON_SHARE = 0.1
# The walk reads at most this many of the newest documents of the user's unit.
WALK_LIMIT = 15000
# PostgreSQL's statistics of the index move only with ANALYZE: read again after this.
WORD_STATS_SECONDS = 600
_word_stats: dict[str, tuple[float, dict[str, float]]] = {}


def _word_stats_of(session: Session) -> dict[str, float]:
    """The share of indexed documents holding each of the most common words, as
    PostgreSQL's statistics of ``search_document.tsv`` give it (pg_stats; empty before the
    table was first analysed), read once per WORD_STATS_SECONDS."""
    now = time.monotonic()
    key = str(session.get_bind().engine.url)
    kept = _word_stats.get(key)
    if kept is not None and now - kept[0] < WORD_STATS_SECONDS:
        return kept[1]
    row = session.execute(select(
        func.string_to_array(func.btrim(literal_column("most_common_elems::text"), "{}"), ","),
        literal_column("most_common_elem_freqs"))
        .select_from(table("pg_stats"))
        .where(literal_column("schemaname") == func.current_schema(),
               literal_column("tablename") == "search_document",
               literal_column("attname") == "tsv")).first()
    shares: dict[str, float] = {}
    if row is not None and row[0] and row[1]:
        shares = {word.strip('"'): float(share)
                  for word, share in zip(row[0], row[1], strict=False)}
    _word_stats[key] = (now, shares)
    return shares


def word_share(session: Session, query: folding.Query) -> float:
    """At most the share of indexed documents holding every word of ``query``: the
    smallest share of its words (a prefix: the sum over the common words it begins; a
    word not among the most common: 0). 0 on SQLite."""
    if session.get_bind().dialect.name != "postgresql" or query.is_empty():
        return 0.0
    shares = _word_stats_of(session)
    words = [*query.terms, *(w for p in query.phrases for w in p)]
    found = [shares.get(w, 0.0) for w in words]
    if query.prefix:
        found.append(min(1.0, sum(v for w, v in shares.items() if w.startswith(query.prefix))))
    return min(found) if found else 0.0


def _walk_statement(session: Session, user: AppUser, query: folding.Query,
                    conds: list[Any]) -> Any:
    """The count of the matches among the newest incoming documents of the user's own
    unit (at most WALK_LIMIT, fewer the more common the words), every condition of the
    search applied, the user's scope first, up to COUNT_CAP + 1: more than COUNT_CAP of
    them tells that more than COUNT_CAP documents the user may see match. For a common
    word this reads a few thousand rows where the full-text index would list every match
    first (more than half a million at a million documents). None (no walk) for rare
    words, on SQLite and for a user whose scope is not a whole unit."""
    share = word_share(session, query)
    if share < COMMON_SHARE or user.unit_id is None or "in" not in readable_kinds(user):
        return None
    if not (sees_every_unit(user, scope_settings())
            or incoming.sees_whole_unit(session, user)):
        return None
    walk = min(WALK_LIMIT, int((COUNT_CAP + 1) * 1.5 / share) + 1)
    newest = (select(*[c for c in SearchDocument.__table__.c
                       if c.name not in ("text", "body", "summary", "symbol")])
              .where(SearchDocument.unit_id == user.unit_id, SearchDocument.kind == "in")
              .order_by(SearchDocument.doc_date.desc()).limit(walk).subquery("newest"))
    adapter = ClauseAdapter(newest)
    matches = (select(newest.c.id).where(*[adapter.traverse(c) for c in conds])
               .limit(COUNT_CAP + 1).subquery("matches"))
    return select(func.count()).select_from(matches)


@dataclass
class _Statements:
    """The statements of one search: the walk (or None), the first pass (up to
    COUNT_CAP + 1 matches with their rank), and the matches with their rank and order from
    which the page of a capped search is read; ``pages``: those pages, by offset and
    size, made when asked for."""

    walk: Any
    first: Any
    matches: Any
    order: list[Any]
    pages: dict[tuple[int, int], Any] = field(default_factory=dict)

    def capped_page(self, offset: int, page_size: int) -> Any:
        page = self.pages.get((offset, page_size))
        if page is None:
            page = self.matches.order_by(*self.order).limit(page_size).offset(offset)
            if len(self.pages) < MAX_KEPT_PAGES:
                self.pages[(offset, page_size)] = page
        return page


# The pages of a capped search a search keeps (the screen offers 40 at most).
MAX_KEPT_PAGES = 50


def _build_statements(session: Session, user: AppUser, parsed: folding.Query,
                      filters: Filters) -> _Statements:
    conds, rank, newest, extra = _conditions(session, user, parsed, filters)
    stmt = select(SearchDocument.id).select_from(SearchDocument)
    if extra is not None:
        stmt = stmt.join(*extra)
    stmt = stmt.where(*conds)
    return _Statements(
        walk=_walk_statement(session, user, parsed, conds) if extra is None else None,
        first=stmt.add_columns(rank.label("rank"), SearchDocument.doc_date)
        .limit(COUNT_CAP + 1),
        matches=stmt.add_columns(rank.label("rank")),
        order=([SearchDocument.doc_date.desc(), SearchDocument.id.desc()]
               if parsed.is_empty() else [newest]))


# A search's statements are kept this long (and while nothing is written): the same
# search asked again (a reload, the back button, another page of it; not another user's)
# runs them without building them, nor their cache key, again.
STATEMENT_SECONDS = 30


def _statements(session: Session, user: AppUser, parsed: folding.Query,
                filters: Filters) -> _Statements:
    """``_build_statements``, kept within a request for STATEMENT_SECONDS under what they
    depend on: the user, their unit and the security stamp (the scope), the day, the
    words, the filters and the thresholds; rebuilt after any write."""
    from flask import has_request_context

    from app.core import kept
    from app.core.scope import scope_key
    from app.core.timeutil import local_today

    def build() -> _Statements:
        return _build_statements(session, user, parsed, filters)

    who = scope_key(user) if has_request_context() else (None, None, None)
    if who[-1] is None:
        return build()
    key = (*who, local_today(), tuple(parsed.terms),
           tuple(tuple(p) for p in parsed.phrases), parsed.prefix,
           tuple(getattr(filters, name) for name in FILTER_NAMES),
           COUNT_CAP, COMMON_SHARE, WALK_LIMIT, str(session.get_bind().engine.url))
    return kept.remember("search-statements", key, build, STATEMENT_SECONDS, large=True)


def plan_for_these_words(session: Session) -> None:
    """On PostgreSQL, the search's statements are planned for this search's own words and
    filters, in this transaction: the best plan depends on how common the words are (a
    common word is found by walking the newest documents, a rare one from the full-text
    index), and a plan PostgreSQL made once for every value of a prepared statement
    (app/core/sqlite.py) would serve one kind of word badly. A SELECT, so that the request
    still counts as one that only read."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.set_config("plan_cache_mode", "force_custom_plan",
                                               True)))


def search(session: Session, user: AppUser, query: str | None, filters: Filters | None = None,
           page: Any = 1, page_size: int = PAGE_SIZE, snippets: bool = True) -> Results:
    """Tra cứu (Điều 5.2): the page ``page`` of the documents ``user`` may see matching the
    words of ``query`` (a string) and ``filters``, best first, each with its passage.

    Up to COUNT_CAP matches are ranked (bm25 / ts_rank); past that, ranking every match of
    a common word would cost seconds at a million documents: the newest come first and the
    screen asks for more words. Without words, the newest by date come first. Refuses
    (DomainError) a query too long; finds nothing for an empty query and no filter."""
    filters = filters or Filters()
    parsed = parse_query(query)
    try:
        page = max(1, min(int(page or 1), COUNT_CAP // page_size + 1))
    except (TypeError, ValueError):
        page = 1
    results = Results(query=query or "", page=page, page_size=page_size)
    if parsed.is_empty() and filters.is_empty():
        return results
    offset = (page - 1) * page_size
    statements = _statements(session, user, parsed, filters)
    plan_for_these_words(session)
    # One pass reads up to COUNT_CAP + 1 matches with their rank: when that is all of
    # them, they are ordered here; otherwise the newest are read in a second, short pass.
    # Common words on PostgreSQL: the newest documents of the user's unit may already
    # hold more than COUNT_CAP matches, and the first pass is not needed.
    found: list[Any] = []
    if statements.walk is not None and \
            session.execute(statements.walk).scalar_one() > COUNT_CAP:
        results.total, results.capped = COUNT_CAP, True
    else:
        found = list(session.execute(statements.first).all())
        results.total, results.capped = min(len(found), COUNT_CAP), len(found) > COUNT_CAP
    results.ranked = not parsed.is_empty() and not results.capped
    if not results.capped:
        found.sort(key=lambda r: (r.rank if results.ranked else 0,
                                  -(r.doc_date.toordinal() if r.doc_date else 0), -r.id))
        ranked: Sequence[Any] = found[offset:offset + page_size]
    else:
        ranked = session.execute(statements.capped_page(offset, page_size)).all()
    columns: list[Any] = [SearchDocument.id, SearchDocument.kind, SearchDocument.document_id,
               SearchDocument.symbol, SearchDocument.summary, SearchDocument.doc_date,
               SearchDocument.state, SearchDocument.urgency, SearchDocument.unit_id]
    if snippets:
        columns.append(SearchDocument.text)
    rows = {row.id: row for row in session.execute(
        select(*columns).where(SearchDocument.id.in_([r.id for r in ranked])))}
    results.hits = [_hit(rows[r.id], r.rank if results.ranked else 0,
                         parsed if snippets else None) for r in ranked]
    return results


def _hit(row: Any, rank: Any, parsed: folding.Query | None) -> Hit:
    return Hit(kind=row.kind, document_id=row.document_id, symbol=row.symbol,
               summary=row.summary, doc_date=row.doc_date, state=row.state,
               urgency=row.urgency, unit_id=row.unit_id,
               snippet=folding.snippet(row.text, parsed) if parsed is not None else "",
               rank=float(rank or 0))


def query_string(query: str | None, filters: Filters) -> str:
    """The URL arguments of a search (what a saved search keeps)."""
    args = [("q", query or "")]
    for name in FILTER_NAMES:
        value = getattr(filters, name)
        if value not in (None, ""):
            args.append((name, fmt_date(value) if isinstance(value, date) else str(value)))
    return urlencode(args)


# -- saved searches --------------------------------------------------------------------

def saved_searches(session: Session, user: AppUser) -> Sequence[SavedSearch]:
    """The searches ``user`` saved (only theirs)."""
    return session.execute(select(SavedSearch).where(SavedSearch.user_id == user.id)
                           .order_by(SavedSearch.name)).scalars().all()


def save_search(session: Session, user: AppUser, name: str | None, query: str | None,
                filters: Filters) -> SavedSearch:
    """Keep a search under a name, private to ``user`` (Điều 5.2); the same name replaces
    the user's earlier search of that name."""
    name = " ".join((name or "").split())
    if not name:
        raise DomainError(_("Give the search a name."), "name")
    if len(name) > 100:
        raise DomainError(_("At most %(n)s characters.", n=100), "name")
    parse_query(query)
    saved = session.execute(select(SavedSearch).where(
        SavedSearch.user_id == user.id, SavedSearch.name == name)).scalar_one_or_none()
    if saved is None:
        saved = SavedSearch(user_id=user.id, name=name)
        session.add(saved)
    saved.query_string = query_string(query, filters)
    session.flush()
    audit.record(session, "search_saved", saved, user=user, details={"name": name})
    return saved


def delete_saved_search(session: Session, user: AppUser, saved_id: int) -> None:
    """Delete one of ``user``'s saved searches; another user's is not found."""
    saved = session.get(SavedSearch, saved_id)
    if saved is None or saved.user_id != user.id:
        raise DomainError(_("The saved search was not found."), "id")
    audit.record(session, "search_deleted", saved, user=user, details={"name": saved.name})
    session.delete(saved)


# -- export ----------------------------------------------------------------------------

def export_xlsx(session: Session, user: AppUser, query: str | None, filters: Filters,
                progress: Callable[[int, int], None] | None = None) -> bytes:
    """The results (at most EXPORT_LIMIT, best first) as an XLSX workbook's bytes; the
    export is recorded in the audit trail (TT 01/2019: who took what out).
    ``progress(done, total)`` hears the rows written."""
    results = search(session, user, query, filters, page=1, page_size=EXPORT_LIMIT,
                     snippets=False)
    units = {u.id: u.name for u in session.execute(select(Unit)).scalars()}
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    sheet = book.add_worksheet(_("Results"))
    bold = book.add_format({"bold": True})
    headers = [_("No."), _("Kind"), _("Symbol"), _("Summary"), _("Date"), _("Unit"),
               _("Status"), _("Urgency")]
    sheet.write_row(0, 0, headers, bold)
    total = len(results.hits)
    for i, hit in enumerate(results.hits, start=1):
        sheet.write_row(i, 0, [i, hit.kind_label(), hit.symbol, hit.summary,
                               fmt_date(hit.doc_date), units.get(hit.unit_id, ""),
                               hit.state_label(), hit.urgency_label()])
        if progress is not None and (i % 100 == 0 or i == total):
            progress(i, total + 1)
    sheet.set_column(2, 2, 18)
    sheet.set_column(3, 3, 70)
    sheet.set_column(4, 7, 16)
    book.close()
    audit.record(session, "search_exported", user=user, object_type="Search",
                 details={"query": (query or "")[:200], "rows": len(results.hits),
                          "filters": query_string("", filters)})
    return buffer.getvalue()


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_JOB = "search.export"
EXPORT_NAME = "kết quả tra cứu văn bản.xlsx"


def export_job(session: Session, user_id: int, args: list[list[str]]) -> None:
    """The background job of an export asked for on the search screen: the request's
    arguments (``args``, pairs) read again, the results the user may see written to XLSX
    with its progress shown, kept in the store as the job's result."""
    from werkzeug.datastructures import MultiDict

    from app.core import storage
    from app.jobs import progress
    from app.security.models import AppUser

    user = session.get(AppUser, user_id)
    if user is None:
        raise LookupError(f"search export: user {user_id} is gone")
    request_args = MultiDict([(str(k), str(v)) for k, v in args])
    data = export_xlsx(session, user, request_args.get("q", ""), read_filters(request_args),
                       progress=progress.report)
    stored = storage.store(io.BytesIO(data), EXPORT_NAME, max_size=1 << 40)
    progress.set_result(session, stored, EXPORT_NAME, XLSX_MIME)
