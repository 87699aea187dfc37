"""Secrecy markings (độ mật). Secret documents never enter the system (Quy chế Điều 1):
intake refuses a PDF whose text carries a stamp line "MẬT", "TỐI MẬT" or "TUYỆT MẬT" (in
any case, with or without diacritics) or whose number and symbol says so. A word such as
"bí mật" inside a sentence is not a marking: only a line that is the stamp alone counts."""

import re
import unicodedata

MARKINGS = ("TUYỆT MẬT", "TỐI MẬT", "MẬT")

# A stamp line: the marking alone, maybe framed ("[MẬT]", "« MẬT »", "ĐỘ MẬT: MẬT").
_LINE = re.compile(
    r"^[\s\"'“”«»\[\]()*_\-–—|.:]*"
    r"(?:(?:ĐỘ|DO)\s*(?:MẬT|MAT)\s*:\s*)?"
    r"(?:(?P<level>TUYỆT|TUYET|TỐI|TOI)\s+)?(?:MẬT|MAT)"
    r"[\s\"'“”«»\[\]()*_\-–—|.:]*$")
_LEVELS = {"TUYỆT": "TUYỆT MẬT", "TUYET": "TUYỆT MẬT", "TỐI": "TỐI MẬT", "TOI": "TỐI MẬT"}
# In a number and symbol: a part of its own ("12-BC/TU-MẬT", "15/MẬT", "(TỐI MẬT)").
_SYMBOL = re.compile(r"(?:^|[^A-ZÀ-ỸĐ])(?:(?P<level>TUYỆT|TUYET|TỐI|TOI)\s*)?(?:MẬT|MAT)"
                     r"(?:$|[^A-ZÀ-ỸĐ])")


def _upper(text):
    return unicodedata.normalize("NFC", text or "").upper()


def _marking(match):
    return _LEVELS.get(match.group("level") or "", "MẬT")


def find_marking(text):
    """The secrecy marking a stamp line of ``text`` carries ("MẬT", "TỐI MẬT", "TUYỆT
    MẬT"), or None."""
    for line in _upper(text).splitlines():
        if len(line) > 40 or "M" not in line:
            continue
        match = _LINE.match(line)
        if match:
            return _marking(match)
    return None


def symbol_marking(symbol):
    """The secrecy marking the number and symbol carries, or None."""
    match = _SYMBOL.search(_upper(symbol))
    return _marking(match) if match else None
