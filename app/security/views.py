"""Account screens: the admin's user view (FAB's, with unit, position, phone, kind and
lock/unlock), the role view marking built-in roles, the unit IT officer's view of the
accounts of their own unit, and the owner's "lost control of my account" button."""

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.const import PERMISSION_PREFIX
from flask_appbuilder.fields import QuerySelectMultipleField
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.hooks import before_request
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.security.sqla.models import PermissionView, Role
from flask_appbuilder.security.views import (
    ResetPasswordView,
    RoleModelView,
    UserDBModelView,
    UserGroupModelView,
)
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_appbuilder.widgets import ListWidget, ShowWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import logout_user
from markupsafe import Markup
from sqlalchemy import false
from wtforms import PasswordField, SelectField, TextAreaField, validators

from app.core.errors import DomainError
from app.core.fab import base_filters
from app.core.inputs import CleanForm, CleanTextFormsMixin, valid_id
from app.core.scope import UnitScopedMixin, action_pks, current_user
from app.core.timeutil import fmt_datetime, utcnow
from app.core.views import AppModelView, AppSQLAInterface, KnownActionsMixin, RuleFormsMixin
from app.extensions import db
from app.security import labels, lockout, policy, services
from app.security import permissions as P
from app.security.models import ACCOUNT_KINDS, AppUser, LoginGuard

_USER_LABELS = {
    "unit": _l("Unit"),
    "unit_name": _l("Unit"),
    "position": _l("Position"),
    "phone": _l("Phone"),
    "kind": _l("Kind of account"),
    "kind_label": _l("Kind of account"),
    "locked_at": _l("Locked at"),
    "locked_reason": _l("Reason for locking"),
    "is_locked": _l("Locked"),
    "active": _l("Active"),
    "roles": _l("Roles"),
}


def _kind_choices():
    return [(k, str(v)) for k, v in ACCOUNT_KINDS.items()]


def _yes_no(value):
    return _("Yes") if value else _("No")


def _lock_reason(value):
    return str(services.LOCK_REASONS.get(value, value or ""))


def _grantable_role_ids(session, actor):
    return [r.id for r in policy.grantable_roles(actor, session.query(Role).all())]


def manageable_accounts_clause(session, actor):
    """SQL condition on AppUser: the accounts ``actor`` may manage (the policy's rule,
    with the roles' check made once per role); None for the system admin."""
    if policy.is_system_admin(actor):
        return None
    clause = ~AppUser.roles.any(Role.id.notin_(_grantable_role_ids(session, actor)))
    if not policy.sees_all_units(actor):
        clause = clause & (AppUser.unit_id == actor.unit_id)
    return clause


class ManageableAccountFilter(BaseFilter):
    """Only the accounts the signed-in user may manage (``policy.may_manage_account``):
    the others are not even offered."""

    name = "Manageable accounts"
    arg_name = None  # never offered in the search form

    def apply(self, query, value):
        actor = current_user()
        if actor is None:
            return query.filter(false())
        clause = manageable_accounts_clause(self.datamodel.session, actor)
        return query if clause is None else query.filter(clause)


def _grantable_role_names():
    actor = current_user()
    return [r.name for r in policy.grantable_roles(actor, db.session.query(Role).all())]


class _AccountRules:
    """Shared by the admin's and the unit IT officer's user screens: every route that
    names an account asks the policy first; one the user may not manage answers 404 (as
    if it did not exist, like the list that never shows it) and the try is audited."""

    def _check_account(self, item):
        try:
            services.check_account(self.datamodel.session, item)
        except DomainError:
            self.datamodel.session.rollback()
            raise

    def _account_or_404(self, pk, what):
        actor = current_user()
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            abort(404)
        if not 0 < pk < 2**63:
            abort(404)
        session = self.datamodel.session
        target = session.get(AppUser, pk)
        if target is None:
            abort(404)
        if not policy.may_manage_account(actor, target):
            services.refuse_account_action(session, actor, target, what)
            abort(404)
        return target

    @before_request(only=["show", "edit", "delete", "action", "action_post",
                          "reset_password"])
    def _guard_accounts(self):
        what = request.endpoint.rsplit(".", 1)[-1]
        if current_user() is None or not self._may_use(what):
            return None  # FAB's own check refuses (or sends the visitor to the login page)
        if request.view_args and "pk" in request.view_args:
            if what == "action":
                what = f"action:{request.view_args.get('name')}"
            self._account_or_404(request.view_args["pk"], what)
        else:
            what = f"action:{request.form.get('action')}"
            for pk in request.form.getlist("rowid"):
                self._account_or_404(pk, what)
        return None

    def _may_use(self, handler):
        """Whether the user holds the permission of the route at all (the policy is asked
        only of those who do)."""
        if handler in ("action", "action_post"):
            name = (request.view_args or {}).get("name") or request.form.get("action")
            if not name or name not in self.actions:
                return False
            permission = self.get_action_permission_name(name)
        else:
            try:
                permission = PERMISSION_PREFIX + self.get_method_permission(handler)
            except AttributeError:
                return True  # no permission of its own: the policy decides
        return self.appbuilder.sm.has_access(permission, self.class_permission_name)

    def _check_may_manage(self, item, what):
        """The account as the form would leave it (roles, unit) must still be one the
        user may manage: a forged role id or unit is refused and audited."""
        actor = current_user()
        # The role field silently drops an id it does not offer: a forged one is refused.
        forged = set(request.form.getlist("roles")) - {str(r.id) for r in item.roles or []}
        with self.datamodel.session.no_autoflush:  # a new account is not in the session yet
            allowed = policy.may_manage_account(actor, item)
        if forged or not allowed:
            services.refuse_account_action(self.datamodel.session, actor, item, what, {
                "roles": sorted(r.name for r in item.roles or []),
                "forged_role_ids": sorted(forged)})
            raise DomainError(_("You may not give these roles or manage this account: "
                                "it would hold more rights than yours."), field="roles")

    def _lock_items(self, items, lock):
        items = items if isinstance(items, list) else [items]
        session = self.datamodel.session
        changed = 0
        actor = current_user()
        for user in items:
            if not policy.may_manage_account(actor, user):
                services.refuse_account_action(session, actor, user,
                                               "lock" if lock else "unlock")
                abort(404)
            if lock:
                changed += services.lock_account(session, user, reason="admin", actor=g.user)
            else:
                changed += services.unlock_account(session, user, actor=g.user)
        session.commit()
        message = _("%(n)d account(s) locked.", n=changed) if lock else \
            _("%(n)d account(s) unlocked.", n=changed)
        flash(message, "success")
        return redirect(self.get_redirect())

    @action("lock", _l("Lock"), _l("Lock the selected accounts?"), "fa-lock",
            multiple=True, single=True)
    def lock(self, items):
        return self._lock_items(items, lock=True)

    @action("unlock", _l("Unlock"), _l("Unlock the selected accounts?"), "fa-unlock",
            multiple=True, single=True)
    def unlock(self, items):
        return self._lock_items(items, lock=False)


class AppUserDBModelView(RuleFormsMixin, _AccountRules, UserDBModelView):
    """The system admin's user screen (FAB's security UI) with our fields."""

    class_permission_name = "UserDBModelView"
    list_columns = ["first_name", "last_name", "username", "unit", "position", "kind_label",
                    "active", "is_locked", "roles"]
    search_columns = ["first_name", "last_name", "username", "email", "unit", "active",
                      "roles", "kind"]
    add_columns = ["first_name", "last_name", "username", "email", "unit", "position",
                   "phone", "kind", "active", "roles", "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "username", "email", "unit", "position",
                    "phone", "kind", "active", "roles"]
    show_fieldsets = [
        (_l("User info"), {"fields": ["username", "kind_label", "active", "is_locked",
                                       "locked_at", "locked_reason", "roles", "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email", "unit",
                                           "position", "phone"], "expanded": True}),
        (_l("Audit Info"), {"fields": ["last_login", "fail_login_count", "created_on",
                                        "changed_on"], "expanded": False}),
    ]
    user_show_fieldsets = [
        (_l("User info"), {"fields": ["username", "roles", "login_count"]}),
        (_l("Personal Info"), {"fields": ["first_name", "last_name", "email", "unit",
                                           "position", "phone"], "expanded": True}),
    ]
    label_columns = {**UserDBModelView.label_columns, **_USER_LABELS}
    validators_columns = {
        "roles": [validators.DataRequired(message=_l("Choose at least one role."))],
    }
    formatters_columns = {
        "is_locked": _yes_no, "active": _yes_no, "locked_reason": _lock_reason,
        "last_login": fmt_datetime, "created_on": fmt_datetime, "changed_on": fmt_datetime,
        "locked_at": fmt_datetime,
    }
    add_form_extra_fields = {
        **UserDBModelView.add_form_extra_fields,
        "kind": SelectField(_l("Kind of account"), choices=_kind_choices, default="person"),
    }
    edit_form_extra_fields = {
        "kind": SelectField(_l("Kind of account"), choices=_kind_choices),
    }
    # The system admin sees all; a custom role given this screen sees only the accounts
    # it may manage, and is offered only the roles it may give.
    base_filters = [["id", ManageableAccountFilter, None]]
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "roles": [["name", FilterInFunction, _grantable_role_names]],
    }

    def pre_add(self, item):
        self._check_may_manage(item, "add")
        self._check_account(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._check_may_manage(item, "edit")
        self._check_account(item)
        super().pre_update(item)


class GroupedPermissionsWidget:
    """The permissions of the role editor as check boxes grouped by area, then by what
    they apply to, each with its Vietnamese name and one line on what it allows
    (app/security/labels.py), instead of one long list of identifiers."""

    def __call__(self, field, **kwargs):
        chosen = {pv.id for pv in field.data or []}
        objects = [obj for _pk, obj in field._get_object_list()]
        out = [Markup('<div class="qlvb-perms" id="{}">').format(field.id)]
        for number, (area, groups) in enumerate(labels.grouped(objects)):
            out.append(Markup('<details class="qlvb-perm-area" open><summary>{}</summary>')
                       .format(area))
            for index, (label, allows, pvs) in enumerate(groups):
                group_id = f"{field.id}-g{number}-{index}"
                out.append(Markup('<fieldset class="qlvb-perm-group" aria-describedby="{}">'
                                  '<legend>{}</legend><p class="help-block" id="{}">{}</p>')
                           .format(group_id, label, group_id, allows))
                for pv in pvs:
                    box_id = f"{field.id}-{pv.id}"
                    hint = labels.pv_allows(pv)
                    out.append(Markup(
                        '<div class="checkbox"><label for="{}"><input type="checkbox" '
                        'name="{}" id="{}" value="{}"{}> {}</label>{}</div>').format(
                        box_id, field.name, box_id, pv.id,
                        Markup(" checked") if pv.id in chosen else "",
                        labels.pv_choice_label(pv),
                        Markup(' <span class="qlvb-perm-hint">— {}</span>').format(hint)
                        if hint else ""))
                out.append(Markup("</fieldset>"))
            out.append(Markup("</details>"))
        out.append(Markup("</div>"))
        return Markup("").join(out)


def _permission_views():
    return db.session.query(PermissionView)


def _permissions_field():
    return QuerySelectMultipleField(
        _l("Permissions"), query_func=_permission_views, get_pk_func=lambda pv: pv.id,
        widget=GroupedPermissionsWidget(),
        description=_l("Tick what the role may do, area by area; each line says what it "
                       "allows."))


def _count_accounts(accounts):
    return len(accounts or [])


class AppRoleModelView(RoleModelView):
    """FAB's role screen in Vietnamese: permissions grouped by area with what each allows,
    the number of accounts holding each role; built-in roles are marked, as sync returns
    them to the code's list."""

    list_title = _l("List Roles")
    list_widget = ListWidget  # FAB's role widget ignores formatters
    show_widget = ShowWidget  # FAB's role widget lists the identifiers
    list_columns = ["name", "user"]
    show_columns = ["name", "user", "permissions"]
    label_columns = {**RoleModelView.label_columns, "name": _l("Name"),
                     "user": _l("Accounts holding it"), "permissions": _l("Permissions"),
                     "groups": _l("Groups of accounts")}
    description_columns = {
        "name": _l("Built-in roles are marked; their permissions return to the list kept in "
                   "code at the next `flask qlvb sync-roles`. Create a new role for a "
                   "different set of permissions."),
    }
    add_form_extra_fields = {"permissions": _permissions_field()}
    edit_form_extra_fields = {"permissions": _permissions_field()}

    @staticmethod
    def _mark_builtin(name):
        if name in P.BUILTIN_ROLES:
            label = _("built-in")
            return f"{name} — {label}"
        return labels.role_label(name)

    formatters_columns = {"name": _mark_builtin, "user": _count_accounts,
                          "permissions": labels.grouped_html}


class AppUserGroupModelView(UserGroupModelView):
    """FAB's groups of accounts, its columns named in the user's language."""

    class_permission_name = "UserGroupModelView"
    label_columns = {"name": _l("Name"), "label": _l("Label"), "description": _l("Description"),
                     "users": _l("Accounts"), "roles": _l("Roles")}


class UnitAccountView(KnownActionsMixin, RuleFormsMixin, _AccountRules, UnitScopedMixin,
                      CleanTextFormsMixin, UserDBModelView):
    """The unit IT officer's screen: the accounts of their own unit only (Điều 4.2.c)."""

    route_base = "/unitaccounts"
    datamodel = AppSQLAInterface(AppUser)
    class_permission_name = P.UNIT_ACCOUNT
    method_permission_name = {
        **P.CRUD_METHODS, "lock": "lock", "unlock": "lock", "reset_password": "lock",
        "userinfo": "read", "resetpasswords": "lock", "resetmypassword": "read",
        "userinfoedit": "read",
    }
    base_permissions = ["can_read", "can_write", "can_lock"]
    list_title = _l("Accounts of my unit")
    show_title = _l("Account")
    add_title = _l("Add an account to my unit")
    edit_title = _l("Edit account")
    list_columns = ["first_name", "last_name", "username", "position", "kind_label", "active",
                    "is_locked", "roles"]
    search_columns = ["first_name", "last_name", "username", "active"]
    add_columns = ["first_name", "last_name", "username", "email", "position", "phone", "kind",
                   "active", "roles", "password", "conf_password"]
    edit_columns = ["first_name", "last_name", "email", "position", "phone", "kind", "active",
                    "roles"]
    show_fieldsets = AppUserDBModelView.show_fieldsets
    label_columns = AppUserDBModelView.label_columns
    validators_columns = AppUserDBModelView.validators_columns
    formatters_columns = AppUserDBModelView.formatters_columns
    add_form_extra_fields = AppUserDBModelView.add_form_extra_fields
    edit_form_extra_fields = AppUserDBModelView.edit_form_extra_fields
    # The unit's accounts, without those holding a role above the officer's.
    base_filters = UnitScopedMixin.base_filters + [["id", ManageableAccountFilter, None]]
    # Only the roles the officer may give are offered; a forged id fails validation, and
    # the policy refuses whatever passes it.
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "roles": [["name", FilterInFunction, _grantable_role_names]],
    }
    exclude_route_methods = {"download", "userinfo"}

    def pre_add(self, item):
        self.pin_unit(item)
        self._check_may_manage(item, "add")
        self._check_account(item)
        UserDBModelView.pre_add(self, item)  # hashes the password

    def pre_update(self, item):
        self.pin_unit(item)
        self._check_may_manage(item, "edit")
        self._check_account(item)
        UserDBModelView.pre_update(self, item)

    def pre_delete(self, item):
        raise DomainError(_("Accounts are not deleted: lock the account instead."))

    @expose("/password/<int:pk>", methods=["GET", "POST"])
    @has_access
    @permission_name("lock")
    def reset_password(self, pk):
        user = self.scoped_get_or_404(pk)
        form = NewPasswordForm()
        if form.validate_on_submit():
            services.set_password(self.datamodel.session, user, form.password.data, g.user)
            self.datamodel.session.commit()
            flash(_("The password of %(name)s was changed.", name=user.username), "success")
            return redirect(url_for(".show", pk=user.id))
        return self.render_template("security/new_password.html", form=form, user=user,
                                    title=_("New password for %(name)s", name=user.username))


class AppResetPasswordView(ResetPasswordView):
    """FAB's "reset the password of a user" form (reached from the security UI), asking
    the same policy as every other account route."""

    class_permission_name = "ResetPasswordView"

    @before_request
    def _guard_account(self):
        actor = current_user()
        permission = "can_this_form_post" if request.method == "POST" else "can_this_form_get"
        if actor is None or not self.appbuilder.sm.has_access(permission,
                                                              self.class_permission_name):
            return None  # FAB's own check refuses
        session = self.appbuilder.session
        try:
            pk = int(request.args.get("pk", ""))
        except ValueError:
            abort(404)
        target = session.get(AppUser, pk) if 0 < pk < 2**63 else None
        if target is None:
            abort(404)
        if not policy.may_manage_account(actor, target):
            services.refuse_account_action(session, actor, target, "reset_password")
            abort(404)
        return None

    def form_post(self, form):
        session = self.appbuilder.session
        user = session.get(AppUser, int(request.args["pk"]))
        try:
            services.set_password(session, user, form.password.data, current_user())
        except DomainError as error:
            session.rollback()
            flash(str(error), "danger")
            return
        session.commit()
        flash(_("The password of %(name)s was changed.", name=user.username), "success")


class CurrentLoginLockFilter(BaseFilter):
    """The sign-in locks in force now, of the accounts the user may manage."""

    name = "Current sign-in locks"
    arg_name = None

    def apply(self, query, value):
        actor = current_user()
        if actor is None:
            return query.filter(false())
        query = query.filter(LoginGuard.locked_until > utcnow())
        clause = manageable_accounts_clause(self.datamodel.session, actor)
        return query if clause is None else query.filter(LoginGuard.user.has(clause))


def _lock_key(value):
    return lockout.describe_address(value)


class LoginLockView(AppModelView):
    """The time-limited sign-in locks in force (app/security/lockout.py): whose, from
    which address, until when, why; the admin, and the unit IT officer for the accounts
    they may manage, lift them."""

    route_base = "/loginlocks"
    datamodel = AppSQLAInterface(LoginGuard)
    class_permission_name = P.LOGIN_LOCK
    method_permission_name = {**P.CRUD_METHODS, "lift": "lock"}
    base_permissions = ["can_read", "can_lock"]
    base_filters = [["id", CurrentLoginLockFilter, None]]
    base_order = ("locked_until", "desc")
    list_title = _l("Sign-in locks in force")
    show_title = _l("Sign-in lock")
    list_columns = ["username", "unit_name", "address", "locked_until", "why"]
    show_columns = ["username", "unit_name", "address", "locked_until", "why",
                    "last_failure_at", "last_success_at"]
    search_columns = ["address", "locked_until"]
    label_columns = {
        "username": _l("Account"), "unit_name": _l("Unit"), "address": _l("Locked for"),
        "locked_until": _l("Locked until"), "why": _l("Why"),
        "last_failure_at": _l("Last wrong password"),
        "last_success_at": _l("Last sign-in from this address"),
    }
    formatters_columns = {"address": _lock_key, "locked_until": fmt_datetime,
                          "last_failure_at": fmt_datetime, "last_success_at": fmt_datetime}
    exclude_route_methods = {"download", "add", "edit", "delete"}

    @action("lift", _l("Lift the lock"), _l("Lift the selected sign-in locks?"), "fa-unlock",
            multiple=True, single=True)
    def lift(self, items):
        items = items if isinstance(items, list) else [items]
        session = self.datamodel.session
        actor = current_user()
        lifted = 0
        for row in items:
            if row is None:
                abort(404)
            if not policy.may_manage_account(actor, row.user):
                services.refuse_account_action(session, actor, row.user, "lift_login_lock")
                abort(404)
            lifted += lockout.lift(session, row, actor)
        session.commit()
        flash(_("%(n)d sign-in lock(s) lifted.", n=lifted), "success")
        return redirect(self.get_redirect())

    @before_request(only=["action", "action_post"])
    def _scope_actions(self):
        # FAB fetches action rows without base_filters: only the locks listed may be lifted.
        for pk in action_pks():
            pk = valid_id(pk)
            if pk is None or self.datamodel.get(pk, base_filters(self)) is None:
                abort(404)
        return None


class NewPasswordForm(CleanForm):
    password = PasswordField(
        _l("New password"),
        validators=[validators.DataRequired(message=_l("This field is required.")),
                    PasswordComplexityValidator()],
        widget=BS3PasswordFieldWidget())
    conf_password = PasswordField(
        _l("Confirm the password"),
        validators=[validators.EqualTo("password", message=_l("Passwords must match"))],
        widget=BS3PasswordFieldWidget())


class CompromiseForm(CleanForm):
    description = TextAreaField(_l("What happened (optional)"))


class AccountView(BaseView):
    """The owner's own account actions."""

    route_base = "/account"
    class_permission_name = P.ACCOUNT
    method_permission_name = {"report_compromise": "report_compromise"}
    default_view = "report_compromise"

    @expose("/compromised", methods=["GET", "POST"])
    @has_access
    def report_compromise(self):
        form = CompromiseForm()
        if request.method == "POST" and form.validate_on_submit():
            user = current_user()
            session = self.appbuilder.session
            services.report_compromise(session, user, form.description.data or "")
            session.commit()
            logout_user()
            flash(_("Your account is locked. The administrators have been told; contact "
                    "them to get a new password."), "warning")
            return redirect(self.appbuilder.get_url_for_login)
        return self.render_template("security/compromised.html", form=form,
                                    title=_("Report lost control of my account"))
