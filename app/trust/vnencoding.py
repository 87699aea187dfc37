"""Legacy Vietnamese encodings (before TCVN 6909:2001, Unicode): TCVN3 (ABC, fonts
``.VnTime``…) and VNI (fonts ``VNI-Times``…). Text typed in those fonts and pasted into a
form arrives as Latin-1 look-alikes (``Céng hoµ``, ``Coäng hoøa``); it is converted to
Unicode, and every text input is normalised to NFC.

The tables are ours; detection is deliberately conservative: text that already holds a
Vietnamese letter outside Latin-1 (ă, đ, ơ, ư, ạ …) is never touched, and a conversion
needs characters no Unicode Vietnamese text uses."""

import re
import unicodedata

# -- TCVN3 (ABC): one byte per letter --------------------------------------------------------

_TCVN3_ROWS = {
    # base letter: (huyền, hỏi, ngã, sắc, nặng) in TCVN3 order of the code chart
    "a": "µ¶·¸¹", "ă": "»¼½¾Æ", "â": "ÇÈÉÊË", "e": "ÌÎÏÐÑ", "ê": "ÒÓÔÕÖ",
    "i": "×ØÜÝÞ", "o": "ßáâãä", "ô": "åæçèé", "ơ": "êëìíî", "u": "ïñòóô",
    "ư": "õö÷øù", "y": "úûüýþ",
}
_TONES = ("\u0300", "\u0309", "\u0303", "\u0301", "\u0323")  # huyền hỏi ngã sắc nặng

TCVN3 = {"¨": "ă", "©": "â", "ª": "ê", "«": "ô", "¬": "ơ", "\xad": "ư", "®": "đ",
         "¡": "Ă", "¢": "Â", "£": "Ê", "¤": "Ô", "¥": "Ơ", "¦": "Ư", "§": "Đ"}
for _base, _codes in _TCVN3_ROWS.items():
    for _code, _tone in zip(_codes, _TONES, strict=True):
        TCVN3[_code] = unicodedata.normalize("NFC", _base + _tone)

# -- VNI (Windows): a base letter followed by mark characters ---------------------------------

_PLAIN = dict(zip("ùøûõï", ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323"), strict=True))
_CIRC = dict(zip("áàåãä", ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323"), strict=True))
_BREVE = dict(zip("éèúüë", ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323"), strict=True))


def _vni_table():
    table = {}

    def add(seq, text):
        table[seq] = unicodedata.normalize("NFC", text)
        table[seq.upper()] = unicodedata.normalize("NFC", text).upper()
        if len(seq) > 1:  # a capital typed with the lower-case mark
            table[seq[0].upper() + seq[1:]] = unicodedata.normalize("NFC", text).upper()

    for base in "aeouy":
        for mark, tone in _PLAIN.items():
            add(base + mark, base + tone)
    for base in "aeo":
        add(base + "â", base + "\u0302")
        for mark, tone in _CIRC.items():
            add(base + mark, base + "\u0302" + tone)
    add("aê", "ă")
    for mark, tone in _BREVE.items():
        add("a" + mark, "a\u0306" + tone)
    for single, horn in (("ô", "o\u031b"), ("ö", "u\u031b")):
        add(single, horn)
        for mark, tone in _PLAIN.items():
            add(single + mark, horn + tone)
    for single, letter in (("í", "í"), ("ì", "ì"), ("æ", "ỉ"), ("ó", "ĩ"), ("ò", "ị"),
                           ("î", "ỵ"), ("ñ", "đ")):
        add(single, letter)
    return table


VNI = _vni_table()
_VNI_PATTERN = re.compile("|".join(re.escape(k) for k in sorted(VNI, key=len, reverse=True)))

# Vietnamese letters that Unicode text may carry inside Latin-1.
_VN_LATIN1 = set("ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý")
# Characters only a VNI mark can explain (not Vietnamese letters themselves).
_VNI_ONLY = set("øûïëüåäöñæîØÛÏËÜÅÄÖÑÆÎ")
_VOWELS = set("aeiouyAEIOUY")
# TCVN3 codes that are symbols in Latin-1: no VNI or Unicode text has them between letters.
_TCVN3_SYMBOLS = set("µ¶·¸¹»¼½¾¨©ª«¬\xad®¡¢£¤¥¦§")


def _latin1_only(text):
    return all(ord(c) < 256 for c in text)


def detect(text):
    """"tcvn3", "vni" or None: the legacy encoding ``text`` appears to be typed in."""
    if not text or not _latin1_only(text):
        return None
    high = [i for i, c in enumerate(text) if ord(c) >= 0xA0]
    if not high:
        return None
    foreign = [text[i] for i in high if text[i] not in _VN_LATIN1]
    if not foreign:
        return None  # plain Vietnamese within Latin-1 (e.g. "Tôi đã" would not be here)
    # VNI writes a base letter then its marks: most high characters follow a vowel (or
    # start a word, as đ does); TCVN3 writes whole letters, often after a consonant.
    consistent = sum(1 for i in high if i > 0 and (text[i - 1] in _VOWELS or text[i - 1]
                                                   in "ôöÔÖ")
                     or (text[i] in "ñÑ" and (i == 0 or not text[i - 1].isalpha())))
    if (any(c in _VNI_ONLY for c in foreign) and consistent >= 0.6 * len(high)
            and not any(c in _TCVN3_SYMBOLS for c in foreign)):
        return "vni"
    if all(c in TCVN3 for c in foreign):
        return "tcvn3"
    return None


def to_unicode(text, encoding):
    if encoding == "tcvn3":
        return "".join(TCVN3.get(c, c) for c in text)
    if encoding == "vni":
        return _VNI_PATTERN.sub(lambda m: VNI[m.group(0)], text)
    return text


# -- is the converted text Vietnamese? ---------------------------------------------------------

# A syllable, once its tone mark is set aside: an initial consonant, a vowel group, a final.
_INITIALS = ("ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|b|c|d|đ|g|h|k|l|m|n|p|r|s|t|v|x")
_VOWEL_GROUPS = (
    "uyê|uya|uyu|iêu|yêu|oai|oay|oao|oeo|uây|uôi|ươi|ươu|uơ|"
    "ai|ao|au|ay|âu|ây|eo|êu|ia|iê|iu|oa|oă|oe|oi|oo|ôi|ơi|ua|uâ|uê|ui|uô|uy|ưa|ưi|ưu|ươ|yê|"
    "a|ă|â|e|ê|i|o|ô|ơ|u|ư|y")
_FINALS = "ch|ng|nh|c|m|n|p|t"
_SYLLABLE = re.compile(rf"^(?:{_INITIALS})?(?:{_VOWEL_GROUPS})(?:{_FINALS})?$")
_TONE_MARKS = set(_TONES)
_WORD = re.compile(r"[^\W\d_]+")


def is_syllable(word):
    """Whether ``word`` spells a Vietnamese syllable: one tone mark at most, on a valid
    initial + vowel group + final."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    tones = [c for c in decomposed if c in _TONE_MARKS]
    if len(tones) > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    return bool(_SYLLABLE.match(base))


def plausible(original, converted):
    """Whether ``converted`` reads as Vietnamese where the conversion changed ``original``:
    nearly every word it changed is a Vietnamese syllable. Spanish, German or French text
    (ñ, ü, ß, ç…) also looks like TCVN3/VNI, but its words do not convert to syllables."""
    before = _WORD.findall(original)
    after = _WORD.findall(converted)
    changed = [w for w in after if w not in before] if len(before) != len(after) else [
        a for b, a in zip(before, after, strict=True) if a != b]
    if not changed:
        return False
    valid = sum(1 for w in changed if is_syllable(w))
    return valid >= 0.9 * len(changed)


def clean(text, convert=True):
    """``(text in NFC, encoding converted from or None)``: converted from a legacy
    encoding only when it looks typed in one and reads as Vietnamese once converted (and
    ``convert``: the user did not ask to keep it as typed)."""
    if not isinstance(text, str) or not text:
        return text, None
    encoding = detect(text) if convert else None
    if encoding:
        converted = to_unicode(text, encoding)
        if plausible(text, converted):
            return unicodedata.normalize("NFC", converted), encoding
        encoding = None
    return unicodedata.normalize("NFC", text), encoding


# Font names of the legacy encodings, as PDFs carry them (/BaseFont, after a subset tag).
_LEGACY_FONT = re.compile(r"^(?:[A-Z]{6}\+)?(?P<name>\.?Vn[A-Za-z0-9\-]*|VNI[-_ ]?[A-Za-z0-9\-]*)")


def legacy_font_kind(base_font):
    """"tcvn3" for ``.VnTime``-like fonts, "vni" for ``VNI-Times``-like ones, else None."""
    m = _LEGACY_FONT.match(base_font.lstrip("/"))
    if not m:
        return None
    name = m.group("name")
    if name.startswith(".Vn") or name.startswith("Vn"):
        return "tcvn3"
    if name.upper().startswith("VNI"):
        return "vni"
    return None
