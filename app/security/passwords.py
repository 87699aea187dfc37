"""Password rule: long enough and mixed (Quy chế Điều 8: protect accounts)."""

import re

from flask import current_app
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _


def password_problems(password, min_length=10):
    """The list of reasons ``password`` is too weak (empty when it is acceptable)."""
    problems = []
    password = password or ""
    if len(password) < min_length:
        problems.append(_("at least %(n)d characters", n=min_length))
    if not re.search(r"[a-zà-ỹđ]", password):
        problems.append(_("a lower-case letter"))
    if not re.search(r"[A-ZÀ-ỸĐ]", password):
        problems.append(_("an upper-case letter"))
    if not re.search(r"\d", password):
        problems.append(_("a digit"))
    if not re.search(r"[^\w\s]|_", password):
        problems.append(_("a special character such as ! @ # $"))
    return problems


def check_password_complexity(password):
    """FAB's hook: raise with a Vietnamese message when the password is too weak."""
    min_length = current_app.config.get("PASSWORD_MIN_LENGTH", 10)
    problems = password_problems(password, min_length)
    if problems:
        raise PasswordComplexityValidationError(
            _("The password must contain %(what)s.", what=", ".join(problems))
        )
