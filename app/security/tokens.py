"""API tokens verified once: a token's signature and claims are checked the first time a
worker sees it, and the verified claims are kept by the token's text. Later calls with the
same token only check that it has not expired since (the one claim that can change its
verdict with time); nothing else about a token can change. Flask-JWT-Extended otherwise
decodes every token twice on every call (once unverified, to find its key), and reads its
header again: the header, a function of the token's text alone, is kept the same way."""

from __future__ import annotations

import functools
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


def keep_headers() -> None:
    """Flask-JWT-Extended reads a token's header (unverified: the claims are what is
    verified) on every call; the header of a token text is kept (4,096 at most)."""
    from flask_jwt_extended import view_decorators

    read: Callable[[str], dict] = view_decorators.get_unverified_jwt_headers
    if getattr(read, "kept", False):
        return
    kept_header = functools.lru_cache(maxsize=MAX_TOKENS)(read)

    @functools.wraps(read)
    def header(encoded_token: str) -> dict:
        return dict(kept_header(encoded_token))

    header.kept = True  # type: ignore[attr-defined]
    view_decorators.get_unverified_jwt_headers = header
