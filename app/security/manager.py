"""The security manager: our user model and views, login limits, lockout, audit of
logins, and a per-request cache of the user's permissions."""

import logging

from flask import current_app, flash, g, has_app_context, has_request_context, jsonify, request
from flask_appbuilder import expose
from flask_appbuilder.api import safe
from flask_appbuilder.const import API_SECURITY_PROVIDER_DB
from flask_appbuilder.security.api import SecurityApi as FabSecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager
from flask_appbuilder.security.views import (
    AuthDBView,
    UserInfoEditView,
)
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from app.core import audit
from app.core.fab import PermissionSetMixin
from app.core.inputs import CleanTextFormsMixin, with_clean_text
from app.security import lockout, tokens
from app.security.labels import (
    AppPermissionModelView,
    AppPermissionViewModelView,
    AppViewMenuModelView,
)
from app.security.models import AppUser
from app.security.views import (
    AppResetPasswordView,
    AppRoleModelView,
    AppUserDBModelView,
    AppUserGroupModelView,
)

log = logging.getLogger(__name__)

# The methods the rate limits apply to (signing in).
LIMITED_METHODS = ("POST",)


def limit_free():
    """Whether the request is of a method no rate limit applies to."""
    return request.method not in LIMITED_METHODS

LOCKED_MESSAGE = _l(
    "This account is locked. Contact the system administrator or your unit's IT officer "
    "to unlock it."
)


def _login_username():
    if request.is_json:
        data = request.get_json(silent=True) or {}
        name = data.get("username") if isinstance(data, dict) else None
    else:
        name = request.form.get("username")
    return str(name or "").strip().lower()[:128]


def login_key():
    """Rate-limit key of a login attempt: client address and the user name tried."""
    return f"login:{get_remote_address()}:{_login_username()}"


def login_address():
    """The client address a sign-in comes from (behind a proxy, as ProxyFix sets it)."""
    return (get_remote_address() or "unknown")[:64]


def login_address_key():
    return f"login-addr:{get_remote_address()}"


def _named(view, name):
    """``view`` under FAB's own class name ``name``: the same endpoints as FAB's screen."""
    return type(name, (view,), {})


def _checked(view):
    """``view`` (a security screen of FAB) with its action routes checked, the text of its
    forms cleaned, and without its /download/<filename> route (it serves FAB uploads, which
    this app has none of, and answered 500); same name, so its endpoints and permissions
    are unchanged."""
    from app.core.views import KnownActionsMixin

    return type(view.__name__, (KnownActionsMixin, CleanTextFormsMixin, view), {
        "exclude_route_methods": set(view.exclude_route_methods) | {"download"}})


# FAB's own form for a user's name and e-mail, with its text cleaned (same name, so the same
# endpoints and permission).
_UserInfoEditView = type("UserInfoEditView", (UserInfoEditView,),
                         {"form": with_clean_text(UserInfoEditView.form)})


class AppSecurityApi(FabSecurityApi):
    """FAB's API login (its routes and limits unchanged), saying in Vietnamese why a
    locked account is refused. FAB reads the payload's "provider" without checking it is
    there: a login without it answered 500. Accounts here are the database's, so a login
    that names no provider uses it."""

    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        payload = request.get_json(silent=True)  # cached: FAB's login reads the same dict
        if isinstance(payload, dict) and "provider" not in payload:
            payload["provider"] = API_SECURITY_PROVIDER_DB
        g.pop("login_refusal", None)
        response = super().login()
        refusal = g.pop("login_refusal", None)
        if refusal and response.status_code == 401:
            return self.response(401, message=refusal)
        return response

    login.__doc__ = FabSecurityApi.login.__doc__


class AppAuthDBView(AuthDBView):
    invalid_login_message = _l("Wrong user name or password. Please try again.")


class AppSecurityManager(PermissionSetMixin, SecurityManager):
    user_model = AppUser
    userdbmodelview = _checked(AppUserDBModelView)
    rolemodelview = _checked(AppRoleModelView)
    groupmodelview = _checked(_named(AppUserGroupModelView, "UserGroupModelView"))
    # Permissions and view menus named in Vietnamese (app/security/labels.py).
    permissionmodelview = _checked(AppPermissionModelView)
    viewmenumodelview = _checked(AppViewMenuModelView)
    permissionviewmodelview = _checked(_named(AppPermissionViewModelView,
                                              "PermissionViewModelView"))
    resetpasswordview = AppResetPasswordView
    userinfoeditview = _UserInfoEditView
    authdbview = AppAuthDBView
    security_api = AppSecurityApi
    # FAB's user statistics chart loads Google Charts from the internet.
    userstatschartview = None

    # -- wiring ---------------------------------------------------------------------------
    def __init__(self, appbuilder):
        super().__init__(appbuilder)
        from app.core.views import AppSQLAInterface

        # A database refusal on the user screen becomes a message, not FAB's raw SQL.
        self.userdbmodelview.datamodel = AppSQLAInterface(self.user_model)

    def register_views(self):
        super().register_views()
        cfg = current_app.config
        per_user = cfg.get("LOGIN_RATE_LIMIT", "5 per minute")
        per_address = cfg.get("LOGIN_RATE_LIMIT_PER_ADDRESS", "60 per minute")
        blueprints = [self.auth_view.blueprint]
        for view in self.appbuilder.baseviews:
            if isinstance(view, FabSecurityApi) and view.blueprint is not None:
                blueprints.append(view.blueprint)
        for bp in blueprints:
            self.limiter.limit(per_user, key_func=login_key, methods=list(LIMITED_METHODS),
                               scope="login-user")(bp)
            self.limiter.limit(per_address, key_func=login_address_key,
                               methods=list(LIMITED_METHODS), scope="login-address")(bp)
        # The limits above are the application's only ones, all on signing in (POST): a
        # request of another method is not looked at by the limiter, which otherwise
        # resolves the limits of every page and API call (tests/security/
        # test_account_security.py checks that no limit applies to another method).
        self.limiter.request_filter(limit_free)

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)

        # A malformed or expired token is a 401, not flask-jwt-extended's 422.
        @jwt_manager.invalid_token_loader
        def _invalid(reason):
            return jsonify(message=str(_l("Invalid or expired token."))), 401

        @jwt_manager.unauthorized_loader
        def _missing(reason):
            return jsonify(message=str(_l("Not signed in."))), 401

        @jwt_manager.expired_token_loader
        def _expired(header, data):
            return jsonify(message=str(_l("Invalid or expired token."))), 401

        tokens.keep_verified(jwt_manager)  # a token's signature checked once per worker
        tokens.keep_headers()
        return jwt_manager

    # -- authentication ---------------------------------------------------------------------
    def auth_user_db(self, username, password):
        """Refuse locked accounts (permanently, or from this address for a while: see
        ``app/security/lockout.py``); count each wrong password per account and address."""
        user = None
        if username:
            user = self.find_user(username=username) or self.find_user(email=username)
        if user is not None and user.is_locked:
            audit.record(self.session, "login_refused_locked", user, user=user)
            self.session.commit()
            self._refuse(str(LOCKED_MESSAGE))
            return None
        address = login_address()
        config = current_app.config
        if user is not None:
            lock = lockout.current_lock(self.session, user, address, config)
            if lock is not None:
                audit.record(self.session, "login_refused_locked", user, user=user, details={
                    "address": address, "lock": lock.address,
                    "until": lock.locked_until.isoformat(timespec="seconds")})
                self.session.commit()
                self._refuse(lockout.refusal_message(lock))
                return None
        result = super().auth_user_db(username, password)
        if result is None and user is None and username:
            audit.record(self.session, "login_failed", object_type="AppUser",
                         details={"username": str(username)[:128], "known": False},
                         username=str(username)[:128])
            self.session.commit()
        elif result is None and user is not None and user.active:
            if lockout.record_failure(self.session, user, address, config):
                lock = lockout.current_lock(self.session, user, address, config)
                if lock is not None:
                    self._refuse(lockout.refusal_message(lock))
            self.session.commit()
        elif result is not None:
            lockout.record_success(self.session, result, address)
            self.session.commit()
        return result

    @staticmethod
    def _refuse(message):
        """Say why a sign-in was refused: a flash on the form, the API's 401 message."""
        if not has_request_context():
            return
        g.login_refusal = message
        if not request.is_json:
            flash(message, "danger")

    def on_user_login(self, user):
        audit.record(self.session, "login", user, user=user)
        self.session.commit()

    def on_user_login_failed(self, user):
        audit.record(self.session, "login_failed", user, user=user,
                     details={"failures": user.fail_login_count})
        self.session.commit()

    def on_user_logout(self, user):
        if user is not None and getattr(user, "id", None):
            audit.record(self.session, "logout", user, user=user)
            self.session.commit()

    # -- permissions: kept per security stamp, answered once per request -------------------
    def get_user_by_id(self, pk):
        """The account and the security stamp in one statement (``app/security/stamp.py``),
        its roles and groups given from what was read for that account and stamp (they
        change only with the stamp); the plain read where the stamp's table is missing."""
        from sqlalchemy.exc import SQLAlchemyError

        from app.security import stamp

        if not has_request_context() or current_app.extensions.get("qlvb.stamp.missing"):
            return super().get_user_by_id(pk)
        statement = self._user_statement()
        try:
            row = self.session.execute(statement, {"pk": pk}).first()
        except SQLAlchemyError as error:
            self.session.rollback()
            log.warning("security stamp unreadable (%s): permissions read on every request",
                        error)
            current_app.extensions["qlvb.stamp.missing"] = "security_stamp" in str(error)
            stamp.note(None)
            return super().get_user_by_id(pk)
        if row is None:
            return None
        user, current = row
        stamp.note(current)
        if current is not None and "roles" not in user.__dict__:
            held = stamp.kept("account-roles", user.id, current,
                              lambda: stamp.read_account_roles(self.session, self.user_model,
                                                               user.id))
            stamp.give_roles(self.session, user, held)
        return user

    def _user_statement(self):
        """The account by id (``pk``) with the stamp: one statement, built once."""
        statement = self.__dict__.get("_kept_user_statement")
        if statement is None:
            from sqlalchemy import bindparam, select
            from sqlalchemy.orm import lazyload

            from app.security import stamp

            # The account's own row: its unit (shown by the landing page only) loads on
            # first use, from the session when a page has already read it.
            statement = (select(self.user_model, stamp.stamp_column())
                         .where(self.user_model.id == bindparam("pk"))
                         .options(lazyload(self.user_model.unit)))
            self.__dict__["_kept_user_statement"] = statement
        return statement

    def _role_permission_set(self, role_ids):
        from app.security import stamp

        key = tuple(sorted(role_ids))
        cache = g.setdefault("_perm_cache", {}) if has_app_context() else {}
        if key not in cache:
            cache[key] = stamp.kept("permissions", key, stamp.request_stamp(self.session),
                                    lambda: self._read_permission_set(key))
        return cache[key]

    def _read_permission_set(self, role_ids):
        from flask_appbuilder.security.sqla.models import (
            Permission,
            PermissionView,
            ViewMenu,
            assoc_permissionview_role,
        )
        rows = (
            self.session.query(Permission.name, ViewMenu.name)
            .join(PermissionView, PermissionView.permission_id == Permission.id)
            .join(ViewMenu, PermissionView.view_menu_id == ViewMenu.id)
            .join(assoc_permissionview_role,
                  assoc_permissionview_role.c.permission_view_id == PermissionView.id)
            .filter(assoc_permissionview_role.c.role_id.in_(role_ids))
            .all()
        )
        return frozenset(rows)

    def is_item_public(self, permission_name, view_name):
        """FAB's question (asked first on every API call, before the token's account is
        read), answered from the public role's permission set, kept per security stamp.
        A call with a token, before it has read the stamp, takes a "no" of the latest stamp
        the worker has seen as it is (the token's account is read next, with the current
        stamp: a resource opened to everyone is open from the worker's next call on); a
        "yes", and every call without a token, is checked against the current stamp."""
        from app.security import stamp

        def public_set():
            role = self.get_public_role()
            return self._read_permission_set((role.id,)) if role is not None else frozenset()

        if not stamp.read_in_request() and request.headers.get("Authorization"):
            last = stamp.last_seen()
            if last is not None and \
                    (permission_name, view_name) not in stamp.kept("public", None, last,
                                                                  public_set):
                return False
        perms = stamp.kept("public", None, stamp.request_stamp(self.session), public_set)
        return (permission_name, view_name) in perms

    def has_access(self, permission_name, view_name):
        """FAB's check, answered once per request for a signed-in user: a page asks about
        its menu entries, its buttons and each row's links, often the same ones."""
        from flask_login import current_user

        token_user = g.get("_jwt_extended_jwt_user", {}).get("loaded_user") \
            if has_request_context() else None
        if token_user is not None and self._token_only():
            # An API call with a token and no session: FAB's answer for its token's account,
            # without looking for a signed-in account first (there is none).
            if token_user.is_active:
                return self._has_view_access(token_user, permission_name, view_name)
            return self.is_item_public(permission_name, view_name)
        if not has_request_context() or not current_user.is_authenticated:
            return super().has_access(permission_name, view_name)
        key = (getattr(g.get("user"), "id", None), permission_name, view_name)
        cache = g.setdefault("_has_access", {})
        if key not in cache:
            cache[key] = super().has_access(permission_name, view_name)
        return cache[key]

    @staticmethod
    def _token_only():
        """Whether the request carries no signed-in account: no account in its session and
        no remember-me cookie (Flask-Login has nothing to load)."""
        from flask import session

        name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        return "_user_id" not in session and name not in request.cookies

    def permission_set(self, user):
        """The (permission, resource) pairs of ``user``'s roles (cached per request)."""
        role_ids = [r.id for r in self.get_user_roles(user)]
        return self._role_permission_set(role_ids) if role_ids else set()
