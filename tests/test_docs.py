"""The project's documents hold what the code cites: every "docs/domain.md §N" in app/,
tests/ and the README names a section of docs/domain.md (each one of a range "§5.1–5.3"
too), and a section cited with its title in quotes ("§3 "Numbers"") says it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "docs" / "domain.md"
HEADING = re.compile(r"^#{2,3} §(\d+(?:\.\d+)?)\. (.+)$", re.M)
# What follows a citation, up to the end of its parenthesis or clause.
CITATION = re.compile(r"docs/domain\.md (§[^)\n;]*)")
SECTION = re.compile(r"§(\d+(?:\.\d+)?)(?:[–-](\d+(?:\.\d+)?))?(?: \"([^\"]+)\")?")
SUFFIXES = {".py", ".html", ".css", ".js", ".md", ".txt"}


def sections():
    """{"5.3": the text of §5.3 (its heading and body)}."""
    text = DOMAIN.read_text(encoding="utf-8")
    found = list(HEADING.finditer(text))
    return {m.group(1): text[m.start():(found[i + 1].start() if i + 1 < len(found)
                                        else len(text))]
            for i, m in enumerate(found)}


def expand(first, last):
    """The sections of "§first–last": §2–5 is 2, 3, 4, 5; §5.1–5.3 is 5.1, 5.2, 5.3."""
    if last is None:
        return [first]
    if "." not in first and "." not in last:
        return [str(n) for n in range(int(first), int(last) + 1)]
    major, low = first.split(".")
    high = last.split(".")[-1]
    return [f"{major}.{n}" for n in range(int(low), int(high) + 1)]


def citations():
    """(file, line number, section, quoted title or None) of every citation."""
    files = [ROOT / "README.md"] + [p for folder in ("app", "tests")
                                    for p in sorted((ROOT / folder).rglob("*"))
                                    if p.suffix in SUFFIXES and p.is_file()]
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for cited in CITATION.finditer(line):
                for first, last, title in SECTION.findall(cited.group(1)):
                    for section in expand(first, last or None):
                        yield path.relative_to(ROOT), number, section, title or None


def test_the_domain_sections_are_numbered_in_order():
    numbers = list(sections())
    majors = [n for n in numbers if "." not in n]
    assert majors == [str(n) for n in range(1, len(majors) + 1)]
    assert len(set(numbers)) == len(numbers)


def test_every_citation_names_a_section():
    known = sections()
    cited = list(citations())
    assert len(cited) >= 40, "the citations were not found"
    missing = [f"{path}:{line}: §{section}" for path, line, section, _title in cited
               if section not in known]
    assert not missing, "cited but not in docs/domain.md:\n" + "\n".join(missing)
    wrong = [f"{path}:{line}: §{section} \"{title}\"" for path, line, section, title in cited
             if title and section in known and title.lower() not in known[section].lower()]
    assert not wrong, "docs/domain.md does not say it there:\n" + "\n".join(wrong)


def test_expand():
    assert expand("2", "5") == ["2", "3", "4", "5"]
    assert expand("5.1", "5.3") == ["5.1", "5.2", "5.3"]
    assert expand("8", None) == ["8"]
