"""The register fields read from a document's first page: issuing agency,
number and symbol, place and date, type, trích yếu, signer and recipients, laid out as
Hướng dẫn 36-HD/VPTW (Party) and Nghị định 30/2020 Phụ lục I (State) place them.

The text is what OCR gives: diacritics may be dropped or wrong, "Số" may read "S6", the
two header columns may be joined on one line. Every pattern is matched on a folded copy
(no diacritics, lower case, one character for each character of the text), and each value
is taken from the original text at the same place, so a clean page gives the exact words.
Pure functions; every field is None when it is not found."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# (name on the page, code) — the types of Quy định 399-QĐ/TW and NĐ 30 Phụ lục III, with
# the codes the reference data uses (app/demo/data.py DOCUMENT_TYPES).
DOCUMENT_TYPES: tuple[tuple[str, str], ...] = (
    ("Nghị quyết", "NQ"), ("Quyết định", "QĐ"), ("Chỉ thị", "CT"), ("Kết luận", "KL"),
    ("Quy chế", "QC"), ("Quy định", "QĐi"), ("Thông tri", "TT"), ("Hướng dẫn", "HD"),
    ("Thông báo", "TB"), ("Thông cáo", "TC"), ("Báo cáo", "BC"), ("Kế hoạch", "KH"),
    ("Chương trình", "CTr"), ("Tờ trình", "TTr"), ("Đề án", "ĐA"), ("Phương án", "PA"),
    ("Dự án", "DA"), ("Công văn", "CV"), ("Biên bản", "BB"), ("Giấy mời", "GM"),
    ("Giấy giới thiệu", "GGT"), ("Công điện", "CĐ"), ("Tuyên bố", "TBo"),
)


# The words agencies' names are made of (36-HD/VPTW, NĐ 30): an OCR misreading of one of
# them ("ĐĂNG BỘ", "ỦY BẠN") is put back to its spelling when its letters fold alike.
AGENCY_WORDS: tuple[str, ...] = (
    "ĐẢNG BỘ", "ĐẢNG ỦY", "TỈNH ỦY", "THÀNH ỦY", "HUYỆN ỦY", "QUẬN ỦY", "THỊ ỦY", "CHI BỘ",
    "BAN CHẤP HÀNH", "BAN THƯỜNG VỤ", "ỦY BAN KIỂM TRA", "BAN TỔ CHỨC", "BAN TUYÊN GIÁO",
    "BAN DÂN VẬN", "BAN NỘI CHÍNH", "VĂN PHÒNG", "ỦY BAN NHÂN DÂN", "HỘI ĐỒNG NHÂN DÂN",
    "ỦY BAN MẶT TRẬN TỔ QUỐC", "TRUNG ƯƠNG", "TỈNH", "HUYỆN", "THÀNH PHỐ", "XÃ", "PHƯỜNG",
    "THỊ TRẤN", "SỞ", "PHÒNG", "CÔNG AN", "QUÂN SỰ", "VÀ",
)


@dataclass(frozen=True)
class Fields:
    """What the first page says of the register fields; None where it says nothing
    readable."""

    author: str | None = None
    symbol: str | None = None
    place: str | None = None
    document_date: date | None = None
    document_type: str | None = None
    summary: str | None = None
    signer: str | None = None
    recipients: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        """The fields as JSON values (the date as dd/mm/yyyy, no recipients as null)."""
        return {
            "author": self.author, "symbol": self.symbol,
            "document_date": (self.document_date.strftime("%d/%m/%Y")
                              if self.document_date else None),
            "document_type": self.document_type, "summary": self.summary,
            "signer": self.signer, "place": self.place,
            "recipients": list(self.recipients) or None,
        }


def fold(text: str) -> str:
    """``text`` without diacritics, "đ" as "d", in lower case, and exactly as long, so that a
    match in the folded copy is a slice of the original."""
    out = []
    for char in text:
        base = unicodedata.normalize("NFD", char)[0]
        if base in "đĐðÐ":
            base = "d"
        folded = base.lower()
        out.append(folded if len(folded) == 1 else base)
    return "".join(out)


def _blank(line: str, spans: Sequence[tuple[int, int]]) -> str:
    """``line`` with the characters of ``spans`` turned into spaces (same length)."""
    chars = list(line)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _clean(text: str) -> str:
    """``text`` without the specks OCR reads as punctuation: tokens with no letter or digit
    (a dash between words stays), and stray marks at either end."""
    tokens = text.split()
    kept = [token for index, token in enumerate(tokens)
            if any(c.isalnum() for c in token)
            or (token in "-–" and 0 < index < len(tokens) - 1)]
    return " ".join(kept).strip(" \"'`^ˆ¬_-–—~.,:;|\\")


# The national headings of the right column: they name no agency.
# Each word may gain or lose a letter to OCR ("ĐẢẲNG"): the phrase as a whole is specific.
_HEADINGS = re.compile(
    r"d\w{1,3}g\s*c\w{1,3}g\s*s\w{1,3}n\s*vi?\w{0,2}t\s*n\w{1,2}m"
    r"|cong\s*ho[aà]\s*xa\s*h[o0]i\s*chu\s*ngh[il1]a\s*vi[e&]t\s*nam"
    r"|d[o0]c\s*l[a4]p\s*[-–—~]?\s*t[uư]\s*do\s*[-–—~]?\s*h[a4]nh\s*ph[uú]c")
_SYMBOL = re.compile(
    r"(?:^|(?<=\W))s\s*[o0-9d]\s*[.:;,]?\s*"
    r"(\d{1,5}\s*[-/]\s*[a-z0-9]+(?:\s*[-/]\s*[a-z0-9]+)*)")
_DATE = re.compile(
    r"[,.]?\s*ng[a4]y[\s.,:-]*([o\d]{1,2})[\s.,:-]*th[a4]ng[\s.,:-]*([o\d]{1,2})[\s.,:-]*"
    r"n[a4]m[\s.,:-]*([o\d]{4})")
_VV = re.compile(r"^\W*v\s*(?:[/|]\s*v?|[l1i]\s*v)\b\.?\s*:?\s*")
_RECIPIENTS = re.compile(r"n[oơ][il1]\s*nh[aâ]n\s*:?")
_AUTHORITY = re.compile(
    r"(?:^|\s)(?:t\s*/\s*m|k\s*/\s*t|t\s*/\s*l|tm\.|kt\.|tl\.|tuq\.|q\.)\s", re.ASCII)
_BODY_START = re.compile(r"^\W*(?:kinh\s*gui|can\s*cu|thuc\s*hien|-{3,}|_{3,}|\d+\.)")
_NAME_WORD = re.compile(r"^[^\W\d_][^\W\d_]*$")
_NOT_NAMES = {"da ky", "noi nhan", "nhu tren", "luu vt"}


def _lines(text: str) -> list[str]:
    page = text.split("\f", 1)[0]
    return [unicodedata.normalize("NFC", line).rstrip() for line in page.splitlines()]


def _symbol_text(raw: str) -> str:
    """A symbol as written: capitals, digits, "Đ", the "i"/"r" of QĐi, CTr, TTr; OCR's
    diacritics on other letters and its doubled "Đ" dropped."""
    out = []
    for char in re.sub(r"\s+", "", raw):
        if char in "ĐđÐð":
            out.append("Đ")
        else:
            out.append(unicodedata.normalize("NFD", char)[0])
    return re.sub("Đ{2,}", "Đ", "".join(out))


def _symbol(lines: list[str]) -> tuple[int, str | None, tuple[int, int]]:
    """(index of the line, the number and symbol, its span in the line), first at the
    start of a line, else anywhere."""
    found: tuple[int, str | None, tuple[int, int]] = (-1, None, (0, 0))
    for index, line in enumerate(lines):
        match = _SYMBOL.search(fold(line))
        if match is None:
            continue
        value = _symbol_text(line[match.start(1):match.end(1)])
        hit = (index, value, match.span())
        if not line[:match.start()].strip(" *-.:|"):
            return hit
        if found[1] is None:
            found = hit
    return found


def _title_case(word: str) -> bool:
    return bool(_NAME_WORD.match(word)) and word[0].isupper() and (
        len(word) == 1 or word[1:].islower())


def _place(before: str) -> str | None:
    """The place name ending ``before``: its last few title-case words ("Hưng Yên")."""
    words = before.rstrip(" ,").split()
    taken: list[str] = []
    while words and _title_case(words[-1]) and len(taken) < 5:
        taken.insert(0, words.pop())
    return " ".join(taken) or None


def _date(lines: list[str]) -> tuple[int, str | None, date | None, tuple[int, int]]:
    for index, line in enumerate(lines):
        match = _DATE.search(fold(line))
        if match is None:
            continue
        day, month, year = (int(g.replace("o", "0")) for g in match.groups())
        try:
            value: date | None = date(year, month, day)
        except ValueError:
            value = None
        place = _place(line[:match.start()])
        start = match.start() - (len(place) + 2 if place else 0)
        return index, place, value, (max(start, 0), match.end())
    return -1, None, None, (0, 0)


def _upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 2 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _types(types: Mapping[str, str] | None) -> dict[str, str]:
    """Folded type name → code."""
    pairs = dict(DOCUMENT_TYPES)
    if types:
        pairs.update(types)
    return {_key(name): code for name, code in pairs.items()}


def _key(title: str) -> str:
    """A title as compared: folded, letters only (OCR joins and splits its words)."""
    return re.sub(r"[^a-z]", "", fold(title))


def _title(lines: list[str], start: int, codes: dict[str, str]) -> tuple[int, str | None]:
    """(index, code) of the type title: an upper-case line that is a type's name alone."""
    for index in range(max(start, 0), len(lines)):
        line = re.sub(r"^\W+|\W+$", "", lines[index])
        key = _key(line)
        if key in codes and _upper(line):
            return index, codes[key]
    return -1, None


def _trim(line: str) -> str:
    """A line without specks, nor a lone mark or letter OCR saw at either end."""
    return _clean(re.sub(r"^\S(?:\s+|$)|(?:^|\s+)\S$", " ", line.strip()))


def _paragraph(lines: list[str], start: int, limit: int = 4) -> list[str]:
    """The lines from ``start`` up to a blank line, the start of the body, or ``limit``."""
    taken: list[str] = []
    while start < len(lines) and not _clean(lines[start]):
        start += 1
    for line in lines[start:start + limit]:
        line = _trim(line)
        if not line or (taken and _BODY_START.search(fold(line))):
            break
        taken.append(line)
    return taken


def _summary(lines: list[str], title_at: int, codes: dict[str, str],
             after: int) -> tuple[str | None, str | None]:
    """(type code, trích yếu): the lines under the type title, or the "V/v …" of a công
    văn (which has no title)."""
    if title_at >= 0:
        taken = _paragraph(lines, title_at + 1)
        text = _prose(" ".join(taken))
        title = re.sub(r"^\W+|\W+$", "", lines[title_at])
        return codes.get(_key(title)), (
            text[:1].upper() + text[1:] if text else None)
    for index in range(max(after, 0), len(lines)):
        folded = fold(lines[index].strip())
        match = _VV.match(folded)
        if match is None:
            continue
        first = lines[index].strip()[match.end():]
        taken = ([_trim(first)] if _trim(first) else []) + _paragraph(lines, index + 1, limit=3)
        text = _prose(" ".join(taken))
        return "CV", ("V/v " + text) if text else None
    return None, None


def _prose(text: str) -> str:
    """A trích yếu without OCR's specks: dots not in a number, marks stuck to words."""
    text = re.sub(r"(?<!\d)\.|\.(?!\d)|(?<=[^\W\d])-(?=[^\W\d])", " ", text)
    words = [word.strip(":;\"'`¬^ˆ~|_") for word in text.split()]
    return _clean(" ".join(word for word in words if word))


_SHORT_WORDS = {"uy", "bo", "so", "xa", "va", "ha", "da", "tu", "ba", "an", "to", "vu", "ly"}


def _short(word: str) -> bool:
    """Whether a two-letter capital word is a word of a name ("ỦY", "BỘ", "XÃ"), not a
    speck read as letters ("KV")."""
    return len(word) == 2 and (not word.isascii() or fold(word) in _SHORT_WORDS)


def _agency_words(name: str) -> str:
    """``name`` with the agency words OCR misread put back (``AGENCY_WORDS``)."""
    folded = fold(name)
    spans: list[tuple[int, int, str]] = []
    for phrase in sorted(AGENCY_WORDS, key=len, reverse=True):
        pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, fold(phrase).split())) + r"(?!\w)"
        for match in re.finditer(pattern, folded):
            if all(match.end() <= start or match.start() >= end for start, end, _ in spans):
                spans.append((match.start(), match.end(), phrase))
    for start, end, phrase in sorted(spans, reverse=True):
        name = name[:start] + phrase + name[end:]
    return name


def _author(lines: list[str], until: int, cut: dict[int, list[tuple[int, int]]]) -> str | None:
    """The agency's name: the upper-case lines of the top-left block, above the number."""
    parts: list[str] = []
    for index in range(0, until):
        line = _blank(lines[index], cut.get(index, []))
        folded = fold(line)
        line = _blank(line, [m.span() for m in _HEADINGS.finditer(folded)])
        words = [word for word in (w.strip("\"'`^ˆ¬_-–—~,:;|*") for w in
                                   re.split(r"[\s.]+", line))
                 if word.isalpha() and word.isupper() and (len(word) > 2 or _short(word))]
        if words:
            parts.extend(words)
    return _agency_words(" ".join(parts)) or None


def _name_at_end(line: str) -> str | None:
    words = _clean(line).split()
    taken: list[str] = []
    while words and _title_case(words[-1]) and len(taken) < 5:
        taken.insert(0, words.pop())
    if len(taken) < 2:
        return None
    name = " ".join(taken)
    return None if _squash(fold(name)) in _NOT_NAMES else name


def _signer(lines: list[str], after: int) -> str | None:
    """The signer: the last name line below the authority ("T/M", "K/T", "TL." …) or, when
    there is none, below "Nơi nhận"."""
    authority = recipients = -1
    for index in range(max(after, 0), len(lines)):
        folded = " " + fold(lines[index]) + " "
        if _AUTHORITY.search(folded):
            authority = index
        elif _RECIPIENTS.search(folded):
            recipients = index
    start = authority if authority >= 0 else recipients
    if start < 0:
        return None
    names = [name for line in lines[start + 1:] if (name := _name_at_end(line))]
    return names[-1] if names else None


def _item(text: str) -> str:
    """A recipient without what the signature column put beside it on the same line."""
    text = re.split(r";|\.\s|\s{3,}", text)[0]
    match = _AUTHORITY.search(" " + fold(text) + " ")
    if match:
        text = text[:max(match.start() - 1, 0)]
    words = text.split()
    run = 0
    while run < len(words) - 1 and _upper(words[-1 - run]):
        run += 1
    tail = words[len(words) - run:]
    if (run >= 2 and not _upper(" ".join(words[:-run])) and sum(map(len, tail)) >= 6
            and not any(word[-1] in ",:" for word in tail)):
        words = words[:-run]
    return " ".join(words).rstrip(" ;,.")


def _recipients(lines: list[str], after: int) -> tuple[str, ...]:
    """The items of "Nơi nhận:": the lines that start with a dash below it."""
    for index in range(max(after, 0), len(lines)):
        if not _RECIPIENTS.search(fold(lines[index])):
            continue
        items: list[str] = []
        for line in lines[index + 1:]:
            match = re.match(r"^\s*[-–—•+]\s*(.+?)\s*$", line)
            if match is None:
                if items and line.strip():
                    break
                continue
            item = _item(match.group(1))
            if item:
                items.append(item)
        return tuple(items)
    return ()


def read_fields(text: str, types: Mapping[str, str] | None = None) -> Fields:
    """The register fields of the document whose first page is ``text`` (pages are
    separated by form feeds); ``types`` adds or renames type names (name → code)."""
    lines = _lines(text)
    codes = _types(types)
    symbol_at, symbol, symbol_span = _symbol(lines)
    date_at, place, day, date_span = _date(lines)
    cut: dict[int, list[tuple[int, int]]] = {}
    if symbol_at >= 0:
        cut.setdefault(symbol_at, []).append(symbol_span)
    if date_at >= 0:
        cut.setdefault(date_at, []).append(date_span)
    header_end = max(symbol_at, date_at)
    author_until = symbol_at if symbol_at >= 0 else (date_at if date_at >= 0 else
                                                     min(len(lines), 4))
    title_at, _code = _title(lines, header_end + 1, codes)
    document_type, summary = _summary(lines, title_at, codes, header_end + 1)
    body = max(title_at, header_end)
    return Fields(
        author=_author(lines, author_until, cut), symbol=symbol, place=place,
        document_date=day, document_type=document_type, summary=summary,
        signer=_signer(lines, body + 1), recipients=_recipients(lines, body + 1))
