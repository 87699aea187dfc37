"""The application factory. Core is imported with the package; the features and the web
shell when an app is built (importing one module, from a migration or a script, does not
load them all), each feature registering its part (``_register_features``)."""

import logging
import os
import secrets

from flask import Flask, g, has_request_context, jsonify, render_template, request, session
from flask_appbuilder import AppBuilder
from flask_appbuilder.security.sqla.models import Role
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, InterfaceError, OperationalError

import config as config_module
from app.core import api as api_conventions
from app.core import inputs, jsonio, links, sessions
from app.core.audit import action_label
from app.core.calendar import CalendarDay
from app.core.catalogs import ensure_compiled
from app.core.menucache import navbar_menu
from app.core.timeutil import fmt_date, fmt_datetime
from app.core.tracking import track
from app.core.views import install_form_conventions
from app.extensions import csrf, db, migrate
from app.web import parts


def create_app(config=None, **overrides):
    """Build the Flask app, its extensions and its AppBuilder (one per app, so that tests
    can build as many as they like)."""
    app = Flask(__name__, instance_relative_config=True)
    app.json = jsonio.FastJSONProvider(app)
    if config is None:
        config = config_module.DevelopmentConfig
    elif isinstance(config, str):
        config = config_module.CONFIGS[config]
    app.config.from_object(config() if isinstance(config, type) else config)
    app.config.update(overrides)
    sessions.install(app)  # the session cookie sent back only when it says something new
    inputs.install(app)  # before any route (the id converter) and any other request hook
    api_conventions.install(app)

    from app.security.passwords import check_password_complexity

    app.config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", check_password_complexity)
    _configure_logging(app)
    ensure_compiled(app.config.get("BABEL_TRANSLATION_DIRECTORIES"))
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(os.path.dirname(app.config["SQLALCHEMY_DATABASE_URI"][10:]) or ".",
                    exist_ok=True)

    from app.core import sqlite  # noqa: F401  (SQLite lower(); no JIT on PostgreSQL)

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir())
    csrf.init_app(app)

    with app.app_context():
        from app import models  # noqa: F401  (before AppBuilder: the metadata must be whole)
        from app.search.index import install as install_search_index

        install_search_index()

        configure_fab(app)
    _install_request_hooks(app)
    _register_features(app)
    _install_error_handlers(app)

    from app.cli import qlvb

    app.cli.add_command(qlvb)
    return app


def _migrations_dir():
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def _locale_without_writing_the_session(app, appbuilder):
    """FAB's locale selector writes the default language into the session when it holds
    none: an API call with a token would get a session cookie signed and sent back for
    it. Such a call reads the language without writing (the same language)."""
    select = appbuilder.bm.get_locale

    def locale():
        if has_request_context() and request.path.startswith("/api/") and \
                app.config["SESSION_COOKIE_NAME"] not in request.cookies and \
                "_l_" not in request.args:
            return session.get("locale") or appbuilder.bm.babel_default_locale
        return select()

    app.extensions["babel"].locale_selector = locale


def _template_translations(app):
    """The templates' ``_()`` with the request's catalog found once per request and
    language: Flask-Babel's looks up its context, domain and language again on every call
    (some forty a page). A change of language within the request (``force_locale``) is a
    new language object, and finds its own catalog."""
    from flask import g, has_app_context
    from flask_babel import get_translations

    def babel_context():
        return g.get("_flask_babel") if has_app_context() else None

    def translations():
        context = babel_context()
        kept = getattr(context, "qlvb_translations", None)
        if kept is not None and kept[0] is getattr(context, "babel_locale", None):
            return kept[1]
        found = get_translations()  # makes the context and settles its language
        context = babel_context()
        locale = getattr(context, "babel_locale", None)
        if locale is not None:
            context.qlvb_translations = (locale, found)
        return found

    app.jinja_env.install_gettext_callables(
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n))


def configure_fab(app):
    """One place wires Flask-AppBuilder: our security manager, index view, templates."""
    from app.reference.models import DocumentType, Term
    from app.security.labels import install as install_permission_labels
    from app.security.manager import AppSecurityManager
    from app.security.models import AppUser
    from app.units.models import Unit
    from app.web.index import IndexView
    from app.web.menu import register_views

    install_form_conventions()
    install_permission_labels()
    appbuilder = AppBuilder(
        security_manager_class=AppSecurityManager,
        indexview=IndexView,
        base_template="qlvb/base.html",
        update_perms=app.config.get("FAB_UPDATE_PERMS", False),
    )
    appbuilder.init_app(app, db.session)
    _locale_without_writing_the_session(app, appbuilder)
    _template_translations(app)
    register_views(appbuilder)
    track(AppUser, ignore={"last_login", "login_count", "fail_login_count", "changed_on",
                           "changed_by_fk", "changed_by", "created_on", "locked_at",
                           "locked_reason", "created_by", "created_by_fk"})
    track(Role)
    track(Unit, ignore={"created_at", "children"})
    track(DocumentType)
    track(Term)
    track(CalendarDay)
    return appbuilder


def _register_features(app: Flask) -> None:
    """Each feature adds what it contributes to the shell and to the features below it
    (``app/core/registry.py``) and connects to the signals it answers; no import does it."""
    from app.exchange import views as exchange
    from app.incidents import services as incidents
    from app.incoming import views as incoming
    from app.notifications import services as notifications
    from app.outgoing import services as outgoing
    from app.records import views as records
    from app.registers import views as registers
    from app.search import scans
    from app.search import views as search
    from app.trust import views as trust

    # The order of the top bar's counters: notifications, incoming work, outgoing work.
    for feature in (trust, notifications, incidents, incoming, outgoing, registers, records, search,
                    exchange, scans):
        feature.init_app(app)


def _configure_logging(app):
    level = getattr(logging, str(app.config.get("LOG_LEVEL", "INFO")).upper(), logging.INFO)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("flask_appbuilder").setLevel(logging.WARNING)
    # FAB warns at every start about filters of its own role screens.
    logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)


def _install_request_hooks(app):
    from app.web.topbar import top_bar_counts, user_bar

    app.jinja_env.globals["csp_nonce"] = lambda: g.get("csp_nonce", "")
    app.jinja_env.globals["audit_label"] = action_label
    app.jinja_env.globals["qlvb_navbar_menu"] = navbar_menu
    app.jinja_env.filters["vndate"] = fmt_date
    app.jinja_env.filters["vndatetime"] = fmt_datetime
    links.install(app)  # FAB's list links, built once per request
    from app.core import sqlite

    sqlite.install(app, db)  # runs before Flask-SQLAlchemy's teardown (reverse order)
    parts.install(app)  # the layout's style sheets and scripts, rendered once per language

    @app.before_request
    def _session_and_nonce():
        g.csp_nonce = secrets.token_urlsafe(16)
        # The session cookie expires after PERMANENT_SESSION_LIFETIME of inactivity. An API
        # call without the cookie (a token) gets none: nothing to sign and send back.
        if request.path.startswith("/api/") and \
                app.config["SESSION_COOKIE_NAME"] not in request.cookies:
            return  # a call with a token: no session to keep alive
        # Set once: setting it marks the session changed, which would send it back.
        if not session.permanent:
            session.permanent = True

    @app.context_processor
    def _top_bar():
        return {"top_bar": top_bar_counts, "user_bar": user_bar}

    @app.after_request
    def _security_headers(response):
        nonce = g.get("csp_nonce", "")
        if g.get("inline_file"):
            # A stored file shown inline (PDF preview): the browser's viewer needs its
            # plugin; the file itself passed the safety check at intake.
            response.headers["Content-Security-Policy"] = "frame-ancestors 'self'"
        else:
            response.headers["Content-Security-Policy"] = (
                "default-src 'self'; "
                f"script-src 'self' 'nonce-{nonce}'; "
                "style-src 'self' 'unsafe-inline'; "
                "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
                "object-src 'none'; base-uri 'self'; form-action 'self'; "
                "frame-ancestors 'self'"
            )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["Referrer-Policy"] = "same-origin"
        return _denied_as_403(response)

    def _denied_as_403(response):
        # FAB answers a signed-in user's missing permission with a redirect to the login
        # page (which sends them back: a loop); answer 403 instead.
        location = response.headers.get("Location", "")
        if (response.status_code == 302 and "/login/" in location
                and current_user.is_authenticated and not request.path.startswith("/login")):
            flashes = session.get("_flashes", [])
            session["_flashes"] = [f for f in flashes if f[0] != "danger"]
            body, code = render_template(
                "qlvb/error.html", code=403,
                message=_("You do not have permission to do this."),
                base_template=app.appbuilder.base_template, appbuilder=app.appbuilder), 403
            response = app.response_class(body, status=code)
        return response


def _wants_json():
    return request.path.startswith("/api/") or request.is_json


def _install_error_handlers(app):
    def _page(code, message):
        if _wants_json():
            return jsonify(message=message), code
        try:
            if "user" not in g:  # refused before FAB's own hooks ran (CSRF, limits)
                g.user = current_user
            return render_template("qlvb/error.html", code=code, message=message,
                                   base_template=app.appbuilder.base_template,
                                   appbuilder=app.appbuilder), code
        except Exception:  # the menu and the user need the database: a page without them
            app.logger.exception("error page %s rendered without the menu", code)
            db.session.rollback()
            return _bare_page(code, message)

    def _bare_page(code, message):
        return render_template("qlvb/unavailable.html", code=code, message=message), code

    @app.errorhandler(400)
    def _bad_request(error):
        description = getattr(error, "description", None)
        if not isinstance(description, str) or description.startswith("The browser"):
            description = _("The request is not valid.")  # Werkzeug's English default
        return _page(400, description)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def _out_of_range(error):
        # A value that passed a form or schema but not the column (a number past the
        # integer range): the request was wrong, nothing was written.
        db.session.rollback()
        app.logger.warning("value refused by the database on %s: %s", request.path,
                           str(error).splitlines()[0][:200])
        return _page(400, _("A value sent is outside the range its field accepts."))

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_unavailable(error):
        app.logger.error("database unavailable on %s: %s", request.path,
                         str(error).splitlines()[0][:200])
        try:
            db.session.rollback()
        except Exception:  # noqa: S110  (the connection is gone; nothing to undo)
            pass
        message = _("The system is temporarily unavailable (the database cannot be "
                    "reached). Try again in a few minutes.")
        if _wants_json():
            response = jsonify(message=message)
        else:
            response = app.make_response(_bare_page(503, message))
        response.status_code = 503
        response.headers["Retry-After"] = "60"
        return response

    @app.errorhandler(429)
    def _too_many(error):
        return _page(429, _("Too many attempts. Wait a minute and try again."))

    @app.errorhandler(413)
    def _too_large(error):
        limit = app.config.get("MAX_CONTENT_LENGTH") or 0
        if request.content_length is not None and request.content_length <= limit:
            # The body is within the upload limit: what overflowed is a text field past
            # MAX_FORM_MEMORY_SIZE (Werkzeug answers both with the same 413).
            kb = (app.config.get("MAX_FORM_MEMORY_SIZE") or 500_000) // 1000
            return _page(413, _("A text field is longer than the allowed %(kb)d KB; shorten "
                                "it (long texts belong in an attached file).", kb=kb))
        mb = limit // (1024 * 1024)
        return _page(413, _("The file is larger than the allowed %(mb)d MB.", mb=mb))

    @app.errorhandler(CSRFError)
    def _csrf(error):
        app.logger.warning("CSRF refused on %s", request.path)
        return _page(400, _("The form has expired or was not sent from this site. "
                            "Reload the page and try again."))

    @app.errorhandler(404)
    def _not_found(error):
        return _page(404, _("The page or record was not found, or you may not see it."))

    @app.errorhandler(410)
    def _gone(error):  # a file withheld or destroyed (the reason is its description)
        description = getattr(error, "description", None)
        if not isinstance(description, str) or description.startswith("The requested URL"):
            description = _("The page or record was not found, or you may not see it.")
        return _page(410, description)

    @app.errorhandler(403)
    def _forbidden(error):
        return _page(403, _("You do not have permission to do this."))

    @app.errorhandler(500)
    def _server_error(error):
        db.session.rollback()
        return _page(500, _("An unexpected error occurred. It has been logged."))
