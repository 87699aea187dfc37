"""What every API of ours shares: marshmallow's English messages answered in the user's
language, and a schema base that never creates related rows from a payload."""

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from marshmallow import Schema, ValidationError, fields, validate, validates_schema  # noqa: F401

from app.core.errors import DomainError
from app.core.inputs import MAX_ID
from app.core.workflow import ConflictError

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
    "Not a valid id.": _l("Not a valid id."),
    "Not a valid list.": _l("Not a valid list."),
    "Not a valid mapping type.": _l("Not a valid mapping type."),
    "Not a valid time.": _l("Not a valid time."),
    "Not a valid UUID.": _l("Not a valid UUID."),
    # Flask-AppBuilder's REST API
    "Arguments are not correct": _l("Arguments are not correct"),
    "Could not process entity": _l("Could not process entity"),
    "Not authorized": _l("Not authorized"),
    "Forbidden": _l("Forbidden"),
    "Not found": _l("Not found"),
    "Internal error": _l("Internal error"),
    "Fatal error": _l("Fatal error"),
    "Request is not JSON": _l("Request is not JSON"),
    "Request payload is not JSON": _l("Request payload is not JSON"),
    "Not a valid rison/json argument": _l("Not a valid rison/json argument"),
    "Not a valid rison argument": _l("Not a valid rison argument"),
    "Invalid login. Please try again.": _l("Invalid login. Please try again."),
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
    (re.compile(r"^Must be greater than or equal to (-?[\d.]+) and less than or equal to "
                r"(-?[\d.]+)\.$"),
     lambda m: _("Must be between %(a)s and %(b)s.", a=m.group(1), b=m.group(2))),
    (re.compile(r"^Must be greater than or equal to (-?[\d.]+)\.$"),
     lambda m: _("Must be at least %(a)s.", a=m.group(1))),
    (re.compile(r"^Must be less than or equal to (-?[\d.]+)\.$"),
     lambda m: _("Must be at most %(b)s.", b=m.group(1))),
    (re.compile(r"^Filter column: (.*) not allowed to filter$"),
     lambda m: _("The column %(col)s cannot be filtered on.", col=m.group(1))),
    (re.compile(r"^Order column: (.*) not allowed"),
     lambda m: _("The column %(col)s cannot be ordered by.", col=m.group(1))),
]


class Id(fields.Integer):
    """An id in a payload: a whole number within the id columns' range (a larger one
    would reach the database and fail there)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("validate", validate.Range(min=1, max=MAX_ID, error="Not a valid id."))
        super().__init__(**kwargs)


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


def _translated_api_errors(response):
    """Every refusal of the API (ours, Flask-AppBuilder's, marshmallow's) in the user's
    language: the ``message`` of a JSON 4xx/5xx answer goes through the catalog."""
    from flask import request

    if response.status_code < 400 or not request.path.startswith("/api/") \
            or not response.is_json or response.direct_passthrough:
        return response
    body = response.get_json(silent=True)
    if not isinstance(body, dict):
        return response
    if "message" in body:
        translated = translate_message(body["message"])
        if translated != body["message"]:
            import json

            body["message"] = translated
            response.set_data(json.dumps(body, ensure_ascii=False))
    return response


def _database_errors_raised(response_500):
    """FAB's ``@safe`` answers any exception with a 500 "Fatal error": a database that is
    out of reach or a value out of a column's range goes on to the app's handlers (503,
    400) instead."""
    import functools
    import sys

    from sqlalchemy.exc import DataError, InterfaceError, OperationalError

    @functools.wraps(response_500)
    def wrapper(self, message=None):
        error = sys.exc_info()[1]
        if isinstance(error, (DataError, InterfaceError, OperationalError, OverflowError)):
            raise error
        return response_500(self, message=message)

    return wrapper


def install(app):
    from flask_appbuilder.api import BaseApi

    if not getattr(BaseApi.response_500, "__wrapped__", None):
        BaseApi.response_500 = _database_errors_raised(BaseApi.response_500)
    app.after_request(_translated_api_errors)


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

        if isinstance(error, ConflictError):
            # The document moved on (the same request, repeated, has just done it).
            return self.response(409, message=str(error))
        return self.response_422(message=str(error))

    def _step(self, pk, action):
        """Run ``action(session, doc)`` on document ``pk``, in one transaction."""

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

        body = request.get_json(silent=True) if request.is_json else None
        if not isinstance(body, dict):
            raise DomainError(_("The request body must be JSON."))
        return body

    def _json(self, schema):
        return schema.load(self._json_object())
