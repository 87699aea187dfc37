"""What ``make translations-update`` changed in a catalog, in three lines: the entries that
are new (to translate), fuzzy (to check) and obsolete (dropped, the code no longer says
them). Usage: python translations/summary.py BEFORE.po AFTER.po"""

import sys

from babel.messages.pofile import read_po


def _entries(path):
    with open(path, "rb") as fh:
        catalog = read_po(fh)
    return {message.id: message for message in catalog if message.id}


def _empty(message):
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return not all(s.strip() for s in strings)


def summary(before_path, after_path):
    """(new, fuzzy, obsolete) message ids, each sorted."""
    before, after = _entries(before_path), _entries(after_path)
    new = sorted((str(i) for i in after.keys() - before.keys()))
    new += sorted(str(i) for i, m in after.items() if i in before and _empty(m)
                  and not _empty(before[i]))
    fuzzy = sorted(str(i) for i, m in after.items() if m.fuzzy)
    obsolete = sorted(str(i) for i in before.keys() - after.keys())
    return new, fuzzy, obsolete


def main(argv):
    before, after = argv[1], argv[2]
    new, fuzzy, obsolete = summary(before, after)
    print(f"{after}: {len(new)} new, {len(fuzzy)} fuzzy, {len(obsolete)} obsolete")
    for title, ids in (("new (translate)", new), ("fuzzy (check)", fuzzy),
                       ("obsolete (dropped)", obsolete)):
        for message_id in ids[:20]:
            print(f"  {title}: {message_id}")
        if len(ids) > 20:
            print(f"  {title}: … and {len(ids) - 20} more")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
