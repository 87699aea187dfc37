"""API tokens verified once: a token's signature and claims are checked the first time a
worker sees it, and the verified claims are kept by the token's text. Later calls with the
same token only check that it has not expired since (the one claim that can change its
verdict with time); nothing else about a token can change. Flask-JWT-Extended otherwise
decodes every token twice on every call (once unverified, to find its key)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from app.core.kept import app_token

MAX_TOKENS = 4096


def keep_verified(jwt_manager: Any) -> None:
    """Put the kept verification on ``jwt_manager`` (Flask-JWT-Extended's)."""
    decode: Callable[..., dict] = jwt_manager._decode_jwt_from_config
    verified: OrderedDict[tuple, dict] = OrderedDict()
    lock = threading.Lock()

    def decode_kept(encoded_token: str, csrf_value: Any = None,
                    allow_expired: bool = False) -> dict:
        from flask_jwt_extended.config import config

        # Everything the verdict depends on besides the time: the token, the key and the
        # rules of the configuration.
        key = (encoded_token, csrf_value, config.decode_key, tuple(config.decode_algorithms),
               str(config.decode_audience), config.decode_issuer, config.leeway,
               config.identity_claim_key, config.verify_sub, app_token())
        with lock:
            claims = verified.get(key)
            if claims is not None:
                verified.move_to_end(key)
        if claims is not None:
            expires = claims.get("exp")
            if allow_expired or expires is None or time.time() < expires + config.leeway:
                return dict(claims)
        claims = decode(encoded_token, csrf_value=csrf_value, allow_expired=allow_expired)
        if not allow_expired:
            with lock:
                verified[key] = dict(claims)
                while len(verified) > MAX_TOKENS:
                    verified.popitem(last=False)
        return claims

    jwt_manager._decode_jwt_from_config = decode_kept
