"""Our own Vietnamese folding, the same for the index and the query on both databases:
lowercase, accents stripped, đ → d, words of letters and digits only. The query is parsed
into plain words, quoted phrases and a last word matched as a prefix; no character of the
user's input ever reaches FTS or SQL syntax (both backends receive these words only)."""

import functools
import re
import unicodedata
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# Longest word kept (PostgreSQL ignores words over 2047 bytes, FTS5 does not; and a
# tsvector must stay under 1 MB): longer "words" are codes or noise, never searched.
MAX_WORD = 32
# Words of a document indexed (metadata first, then its files): PostgreSQL counts
# positions up to 16,383 only; past that its phrases would no longer match FTS5's.
MAX_WORDS = 16000
# What the user may type.
MAX_QUERY_CHARS = 500
MAX_QUERY_WORDS = 16

_WORD = re.compile(r"[^\W_]+")
_SPECIAL = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"}


@functools.lru_cache(maxsize=4096)
def fold_char(ch):
    """One character folded: lowercase without accents ('' for a combining mark)."""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    decomposed = unicodedata.normalize("NFD", ch.lower())
    out = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPECIAL.get(out, out)


def fold(text):
    """``text`` lowercased, without accents, đ as d ("Đảng ủy" → "dang uy")."""
    return "".join(fold_char(c) for c in text or "")


def words(text):
    """The folded words of ``text`` as both backends index them."""
    return [w for w in _WORD.findall(fold(text)) if len(w) <= MAX_WORD]


def index_body(text):
    """The folded words of a document, space-separated, at most MAX_WORDS of them."""
    return " ".join(words(text)[:MAX_WORDS])


@dataclass
class Query:
    """A parsed query: every word and every phrase must match; ``prefix`` (the last
    word typed, if not in quotes) matches the start of a word."""

    terms: list = field(default_factory=list)
    phrases: list = field(default_factory=list)
    prefix: str = ""

    def is_empty(self):
        return not (self.terms or self.phrases or self.prefix)

    def word_count(self):
        return len(self.terms) + sum(len(p) for p in self.phrases) + bool(self.prefix)

    def highlight_words(self):
        return set(self.terms) | {w for p in self.phrases for w in p}


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Operators typed in capitals out of habit: every word must match anyway.
_OPERATORS = re.compile(r"\b(?:AND|OR|NOT|NEAR)\b")


def parse(text):
    """Words outside quotes, "phrases" inside (an unpaired quote counts as a space; AND, OR,
    NOT and NEAR in capitals are dropped); the last word outside quotes is a prefix when
    nothing follows it."""
    text = _CONTROL.sub(" ", text or "")
    parts = text.split('"')
    if len(parts) % 2 == 0:  # unpaired quote: the last one opens nothing
        parts[-2:] = [parts[-2] + " " + parts[-1]]
    parts = [p if i % 2 else _OPERATORS.sub(" ", p) for i, p in enumerate(parts)]
    query = Query()
    for i, part in enumerate(parts):
        found = words(part)
        if i % 2:
            if len(found) == 1:
                query.terms.append(found[0])
            elif found:
                query.phrases.append(found)
        else:
            query.terms.extend(found)
    last = parts[-1]
    if (len(parts) % 2 and query.terms and last.strip() and last == last.rstrip()
            and words(last)[-1:] == query.terms[-1:] and len(query.terms[-1]) >= 2):
        query.prefix = query.terms.pop()
    query.terms = list(dict.fromkeys(query.terms))
    return query


def fts5_match(query):
    """The FTS5 MATCH expression of ``query``: every word and phrase in double quotes
    (our words hold letters and digits only), AND-ed."""
    items = [f'"{w}"' for w in query.terms] + [f'"{" ".join(p)}"' for p in query.phrases]
    if query.prefix:
        items.append(f'"{query.prefix}"*')
    return " AND ".join(items)


def pg_tsquery(query):
    """The PostgreSQL tsquery text of ``query`` (words of letters and digits only)."""
    items = list(query.terms) + ["(" + " <-> ".join(p) + ")" for p in query.phrases]
    if query.prefix:
        items.append(f"{query.prefix}:*")
    return " & ".join(items)


class _OneForOne(dict):
    """Code point → its folded character, where folding gives exactly one; "\0" where it
    gives none or several (a combining mark, a ligature): ``str.translate``'s table."""

    def __missing__(self, code):
        folded = fold_char(chr(code))
        value = folded if len(folded) == 1 else "\0"
        self[code] = value
        return value


_ONE_FOR_ONE = _OneForOne()


def _folded_with_origin(text):
    """(folded text, for each folded character the index of its original character)."""
    folded = text.translate(_ONE_FOR_ONE)
    if "\0" not in folded:  # each character folded to one, in its own place
        return folded, range(len(text))
    out, origin = [], []
    for i, ch in enumerate(text):
        f = fold_char(ch)
        out.append(f)
        origin.extend([i] * len(f))
    return "".join(out), origin


def snippet(text, query, width=240):
    """The passage of ``text`` with the most matched words, HTML-escaped, each matched word
    in <mark>; the beginning of ``text`` when nothing matches."""
    text = text or ""
    folded, origin = _folded_with_origin(text)
    wanted = query.highlight_words()
    spans = []
    for m in _WORD.finditer(folded):
        w = m.group()
        if w in wanted or (query.prefix and w.startswith(query.prefix)):
            spans.append((origin[m.start()], origin[m.end() - 1] + 1))
    start = 0
    if spans:
        best = max(range(len(spans)), key=lambda i: sum(
            1 for s in spans[i:] if s[1] - spans[i][0] <= width))
        start = max(0, spans[best][0] - width // 4)
        while start > 0 and not text[start - 1].isspace():
            start -= 1
    end = min(len(text), start + width)
    while end < len(text) and not text[end - 1].isspace() and end - start < width + 30:
        end += 1
    out, pos = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s]))
        out.append(Markup("<mark>%s</mark>") % text[s:e])
        pos = e
    out.append(escape(text[pos:end]))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return Markup(prefix) + Markup("").join(out) + Markup(suffix)
