"""OCR accuracy and speed over the generated corpus (tests/ocr/corpus.py), per condition
(clean 300 dpi scans; noisy 200 dpi scans: skew, specks, blur, a red seal, JPEG quality 30):

- character accuracy: 1 - (edit distance / length) of the recognised first page against the
  born-digital text read in rows (pypdf's layout mode), whitespace collapsed on both sides;
  summed over the pages;
- each register field's exact-match rate (app/ocr/fields.py on the recognised text);
- seconds per page of the recognition (OCRmyPDF + Tesseract, 2 jobs), mean and worst, and
  the CPU seconds it used (all cores, Tesseract included), which the machine's other work
  does not inflate.

    python -m bench.ocr [--condition clean300 --condition noisy200] [--doc cv-tu ...]

Targets: clean 300 dpi ≥ 98 % characters and ≥ 95 % of each field; noisy
200 dpi ≥ 93 % and ≥ 85 %; a one-page scan in ≤ 5 s on two cores."""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from app.ocr import engine, read_fields  # noqa: E402
from tests.ocr import corpus  # noqa: E402

CONDITIONS = {"clean300": (300, False), "noisy200": (200, True)}
LABELS = {"clean300": "clean, 300 dpi", "noisy200": "noisy, 200 dpi"}


def distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions of one character)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def measure(condition: str, keys: tuple[str, ...] | None, verbose: bool) -> dict[str, object]:
    dpi, noisy = CONDITIONS[condition]
    errors = length = 0
    hits = dict.fromkeys(corpus.FIELDS, 0)
    seconds, cpu = [], []
    samples = corpus.samples(dpi, noisy, keys)
    for sample in samples:
        start, used = time.perf_counter(), _cpu()
        result = engine.recognise(sample.pdf)
        seconds.append(time.perf_counter() - start)
        cpu.append(_cpu() - used)
        text = result.page_texts[0]
        errors += distance(corpus.squash(text), sample.reference)
        length += len(sample.reference)
        found = read_fields(text).as_dict()
        for name in corpus.FIELDS:
            hits[name] += found[name] == sample.fields[name]
            if verbose and found[name] != sample.fields[name]:
                print(f"  {condition} {sample.key} {name}: {found[name]!r} "
                      f"(expected {sample.fields[name]!r})", flush=True)
    pages = len(samples)
    return {"condition": condition, "pages": pages,
            "characters": 1 - errors / length if length else 0.0,
            "fields": {name: hits[name] / pages for name in corpus.FIELDS},
            "mean": statistics.mean(seconds), "worst": max(seconds),
            "cpu": statistics.mean(cpu)}


def _cpu() -> float:
    """CPU seconds of this process and its finished children (Tesseract), all cores."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def table(rows: list[dict[str, object]]) -> str:
    head = ["Scans", "Pages", "Characters", *corpus.FIELDS, "s/page (mean)", "s/page (worst)",
            "CPU s/page"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        fields = row["fields"]
        assert isinstance(fields, dict)
        cells = [LABELS[str(row["condition"])], str(row["pages"]),
                 f"{float(row['characters']):.1%}"]  # type: ignore[arg-type]
        cells += [f"{fields[name]:.0%}" for name in corpus.FIELDS]
        cells += [f"{row['mean']:.1f}", f"{row['worst']:.1f}", f"{row['cpu']:.1f}"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--condition", action="append", choices=sorted(CONDITIONS))
    parser.add_argument("--doc", action="append", help="a corpus key (default: all)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="name every field read wrong")
    args = parser.parse_args(argv)
    missing = engine.missing()
    if missing is not None:
        print(f"OCR unavailable: {missing} is not installed (make ocr-deps)", file=sys.stderr)
        return 1
    keys = tuple(args.doc) if args.doc else None
    before = os.getloadavg()[0]
    rows = [measure(name, keys, args.verbose) for name in args.condition or CONDITIONS]
    print(table(rows))
    # Seconds depend on what else the machine runs: say how busy it was.
    print(f"\nload average (1 min): {before:.1f} before, {os.getloadavg()[0]:.1f} after; "
          f"{os.cpu_count()} cores")
    return 0


if __name__ == "__main__":
    sys.exit(main())
