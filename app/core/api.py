"""What every API of ours shares: marshmallow's English messages answered in the user's
language, and a schema base that never creates related rows from a payload."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validates_schema  # noqa: F401

# marshmallow's built-in messages, marked here so that the catalog carries them.
KNOWN = {
    "Missing data for required field.": _l("Missing data for required field."),
    "Field may not be null.": _l("Field may not be null."),
    "Not a valid integer.": _l("Not a valid integer."),
    "Not a valid string.": _l("Not a valid string."),
    "Not a valid boolean.": _l("Not a valid boolean."),
    "Not a valid date.": _l("Not a valid date."),
    "Not a valid datetime.": _l("Not a valid datetime."),
    "Not a valid email address.": _l("Not a valid email address."),
    "Not a valid number.": _l("Not a valid number."),
    "Unknown field.": _l("Unknown field."),
    "Invalid input type.": _l("Invalid input type."),
    "Must be one of: {choices}.": _l("Must be one of: {choices}."),
}
_LENGTH = [
    (re.compile(r"^Longer than maximum length (\d+)\.$"),
     lambda m: _("At most %(n)s characters.", n=m.group(1))),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"),
     lambda m: _("At least %(n)s characters.", n=m.group(1))),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
     lambda m: _("Between %(a)s and %(b)s characters.", a=m.group(1), b=m.group(2))),
    (re.compile(r"^Must be one of: (.*)\.$"),
     lambda m: _("Must be one of: %(choices)s.", choices=m.group(1))),
]


def translate_message(message):
    if isinstance(message, dict):
        return {k: translate_message(v) for k, v in message.items()}
    if isinstance(message, list):
        return [translate_message(v) for v in message]
    if not isinstance(message, str):
        return message
    if message in KNOWN:
        return str(KNOWN[message])
    for pattern, render in _LENGTH:
        m = pattern.match(message)
        if m:
            return render(m)
    return message
