"""The helpers every step shares: the symbol parser (số và ký hiệu).

Assertions are on behaviour (DomainError and its field, rows, states, codes), never on
message text."""

import unicodedata

import pytest

from app.incoming import services

# -- parse_symbol ----------------------------------------------------------------------------

@pytest.mark.parametrize("raw,expected", [
    ("19-QC/HU", (19, "QC", "HU")),
    ("45-CV/VPHU", (45, "CV", "VPHU")),
    ("123-CV/HU", (123, "CV", "HU")),
    ("  19 - QC / HU ", (19, "QC", "HU")),
    ("12/QĐ-UBND", (12, "QĐ", "UBND")),
    ("123/2024/NĐ-CP", (123, "NĐ", "CP")),
    ("", (None, None, None)),
    (None, (None, None, None)),
    ("Công văn không số", (None, None, None)),
    ("CV/HU", (None, None, None)),
    ("19-QC", (None, None, None)),
])
def test_parse_symbol(raw, expected):
    assert services.parse_symbol(raw) == expected


def test_parse_symbol_normalises_nfd_input():
    nfc = "7-KẾ/HỘI"
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    number, kind, agency = services.parse_symbol(nfd)
    assert (number, kind, agency) == (7, "KẾ", "HỘI")
    assert unicodedata.is_normalized("NFC", kind) and unicodedata.is_normalized("NFC", agency)
