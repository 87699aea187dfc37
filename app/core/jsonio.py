"""JSON answers written by orjson instead of the standard library's encoder: the values
Flask's provider writes (keys sorted unless ``sort_keys`` is off; dates, decimals,
translated texts and the rest of what orjson leaves aside turned into JSON by Flask's own
rules), written several times faster. A reader of JSON reads the same values; the text
differs where JSON allows: non-ASCII written as UTF-8 rather than escaped, no spaces,
integer keys sorted as text. orjson also writes NaN as null and an Enum as its value,
where the standard encoder writes NaN and refuses an Enum; what orjson refuses (an integer
over 64 bits) is written by the standard encoder. Options given to ``dumps`` (the
templates' ``tojson``, the session) take the standard way."""

from __future__ import annotations

from typing import Any

import orjson
from flask.json.provider import DefaultJSONProvider

OPTIONS = (orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
           | orjson.OPT_PASSTHROUGH_DATACLASS)


class FastJSONProvider(DefaultJSONProvider):
    def _write(self, obj: Any) -> bytes:
        options = OPTIONS if self.sort_keys else OPTIONS & ~orjson.OPT_SORT_KEYS
        try:
            return orjson.dumps(obj, default=self.default, option=options)
        except TypeError:  # what orjson refuses (an integer over 64 bits, a nested default)
            return super().dumps(obj).encode()

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        if kwargs:  # an explicit option of the standard encoder: its own way
            return super().dumps(obj, **kwargs)
        return self._write(obj).decode()

    def response(self, *args: Any, **kwargs: Any) -> Any:
        if self.compact is False or (self.compact is None and self._app.debug):
            return super().response(*args, **kwargs)  # indented for reading
        obj = self._prepare_response_obj(args, kwargs)
        app: Any = self._app
        return app.response_class(self._write(obj) + b"\n", mimetype=self.mimetype)
