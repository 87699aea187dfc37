"""Account screens: the admin's user view (FAB's, with unit, position, phone, kind and
lock/unlock), the role view marking built-in roles, the unit IT officer's view of the
accounts of their own unit, and the owner's "lost control of my account" button."""

from flask import flash, g, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.actions import action
from flask_appbuilder.fieldwidgets import BS3PasswordFieldWidget
from flask_appbuilder.models.sqla.filters import FilterInFunction
from flask_appbuilder.security.decorators import permission_name
from flask_appbuilder.security.views import RoleModelView, UserDBModelView
from flask_appbuilder.validators import PasswordComplexityValidator
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, TextAreaField, validators

from app.core.errors import DomainError
from app.core.scope import UnitScopedMixin, current_user
from app.core.timeutil import fmt_datetime
from app.core.views import AppSQLAInterface, KnownActionsMixin, RuleFormsMixin
from app.security import permissions as P
from app.security import services
from app.security.models import ACCOUNT_KINDS, AppUser

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


class _AccountRules:
    """Shared by the admin's and the unit IT officer's user screens."""

    def _check_account(self, item):
        try:
            services.check_account(self.datamodel.session, item)
        except DomainError:
            self.datamodel.session.rollback()
            raise

    def _lock_items(self, items, lock):
        items = items if isinstance(items, list) else [items]
        session = self.datamodel.session
        changed = 0
        for user in items:
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

    def pre_add(self, item):
        self._check_account(item)
        super().pre_add(item)

    def pre_update(self, item):
        self._check_account(item)
        super().pre_update(item)


class AppRoleModelView(RoleModelView):
    """FAB's role screen; built-in roles are marked, as sync returns them to the code's list."""

    list_title = _l("List Roles")
    list_widget = ListWidget  # FAB's role widget ignores formatters
    list_columns = ["name"]
    label_columns = {**RoleModelView.label_columns, "name": _l("Name")}
    description_columns = {
        "name": _l("Built-in roles are marked; their permissions return to the list kept in "
                   "code at the next `flask qlvb sync-roles`. Create a new role for a "
                   "different set of permissions."),
    }

    @staticmethod
    def _mark_builtin(name):
        if name in P.BUILTIN_ROLES:
            label = _("built-in")
            return f"{name} — {label}"
        return name

    formatters_columns = {"name": _mark_builtin}


def _assignable_role_names():
    return list(P.UNIT_ASSIGNABLE_ROLES)


class UnitAccountView(KnownActionsMixin, RuleFormsMixin, _AccountRules, UnitScopedMixin,
                      UserDBModelView):
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
    # Only the unit roles can be given; a forged id of another role fails validation.
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "roles": [["name", FilterInFunction, _assignable_role_names]],
    }
    exclude_route_methods = {"download", "userinfo"}

    def pre_add(self, item):
        self.pin_unit(item)
        self._check_account(item)
        UserDBModelView.pre_add(self, item)  # hashes the password

    def pre_update(self, item):
        self.pin_unit(item)
        if any(r.name not in P.UNIT_ASSIGNABLE_ROLES for r in item.roles):
            self.datamodel.session.rollback()
            raise DomainError(_("You may only give the roles of a unit."))
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


class NewPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[validators.DataRequired(message=_l("This field is required.")),
                    PasswordComplexityValidator()],
        widget=BS3PasswordFieldWidget())
    conf_password = PasswordField(
        _l("Confirm the password"),
        validators=[validators.EqualTo("password", message=_l("Passwords must match"))],
        widget=BS3PasswordFieldWidget())


class CompromiseForm(FlaskForm):
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
