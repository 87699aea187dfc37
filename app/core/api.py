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


class DocumentStepsApiMixin:
    """The steps of a document API: each runs on a document the user may see (404
    otherwise), in one transaction; a broken rule answers 422 with its message, a bad
    payload 400, and nothing of it is kept. Subclasses define ``_summary(doc, status)``."""

    def _refusal(self, error, uploads=None):
        import logging

        from flask import g

        if uploads is not None:
            uploads.undo()
        self.datamodel.session.rollback()
        logging.getLogger(__name__).info("api %s refused: %s (user %s)", type(self).__name__,
                                         error, getattr(g.user, "username", None))
        if isinstance(error, ValidationError):
            return self.response_400(message=translate_message(error.messages))
        from app.core.workflow import ConflictError

        if isinstance(error, ConflictError):
            # The document moved on (the same request, repeated, has just done it).
            return self.response(409, message=str(error))
        return self.response_422(message=str(error))

    def _step(self, pk, action):
        """Run ``action(session, doc)`` on document ``pk``, in one transaction."""

        from app.core.errors import DomainError

        doc = self.scoped_get(pk)
        if doc is None:
            return self.response_404()
        session = self.datamodel.session
        try:
            action(session, doc)
            session.commit()
        except (DomainError, ValidationError) as error:
            return self._refusal(error)
        return self._summary(doc)

    def _json_object(self):
        from flask import request

        from app.core.errors import DomainError

        body = request.get_json(silent=True) if request.is_json else None
        if not isinstance(body, dict):
            raise DomainError(_("The request body must be JSON."))
        return body

    def _json(self, schema):
        return schema.load(self._json_object())
