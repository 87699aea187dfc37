"""The session cookie, sent back only when it says something new.

A screen's session expires after ``PERMANENT_SESSION_LIFETIME`` without a request (the idle
timeout): Flask signs the cookie again and sends it with every answer to move that limit.
Here it is sent again when the session changed, or when the cookie is older than a
thirtieth of the lifetime (a minute at most): the limit then moves by that step, and a
page between two steps costs no signing and no ``Set-Cookie``. The idle timeout stays
between the lifetime less one step and the lifetime (29 to 30 minutes by default)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

MAX_STEP_SECONDS = 60


class StampedSession(SecureCookieSession):
    """A cookie session that knows when its cookie was signed (None: not from a cookie)."""

    signed_at: datetime | None = None


class SteppedSessionInterface(SecureCookieSessionInterface):
    session_class = StampedSession

    def open_session(self, app: Flask, request: Request) -> StampedSession | None:
        if not app.secret_key:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:  # an API call with a token, a first visit: nothing to verify
            return self.session_class()
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:  # expired, altered or signed with another key
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        if signed_at is None:
            return True
        step = min(MAX_STEP_SECONDS, app.permanent_session_lifetime.total_seconds() / 30)
        return (datetime.now(UTC) - signed_at).total_seconds() >= step


def install(app: Flask) -> None:
    app.session_interface = SteppedSessionInterface()
