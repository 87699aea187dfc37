"""Flask-AppBuilder's private API as this application uses it (app/core/fab.py): the version,
and for each private method, attribute, table and template we override, copy or read, the
source hash, signature or presence pinned there. An upgrade of FAB fails here, naming what
to re-check; once re-checked, update the pinned value in app/core/fab.py."""

import hashlib
import importlib
import inspect
import os

import flask_appbuilder
import pytest

from app.core import fab


def _resolve(key):
    module, path = key.split(":")
    owner = importlib.import_module(module)
    *parents, name = path.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, name


def _sha256(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _table_pin(table):
    rows = []
    for marker, *classes in table:
        names = []
        for entry in classes:
            for cls in entry if isinstance(entry, (list, tuple)) else [entry]:
                names.append(getattr(cls, "__name__", repr(cls)))
        rows.append(marker + ":" + ",".join(names))
    return _sha256(";".join(rows))


def _current(key, kind):
    owner, name = _resolve(key)
    if kind == "attribute":
        return "set" if f"self.{name} =" in inspect.getsource(owner) else "missing"
    if kind == "table":
        # FAB's own field table, as it was before install_field_conversions() replaced it.
        return _table_pin(fab.FAB_FIELD_TABLE if key.startswith("flask_appbuilder.forms:")
                          else getattr(owner, name))
    member = inspect.getattr_static(owner, name)
    if kind == "source":
        return _sha256(inspect.getsource(member))
    signature = inspect.signature(member)
    return str(signature.replace(
        parameters=[p.replace(annotation=inspect.Parameter.empty)
                    for p in signature.parameters.values()],
        return_annotation=inspect.Signature.empty))


def _fab_template(path):
    base = os.path.join(os.path.dirname(flask_appbuilder.__file__), "templates")
    with open(os.path.join(base, path), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def test_flask_appbuilder_is_the_pinned_version():
    assert flask_appbuilder.__version__ == fab.FAB_VERSION, (
        f"Flask-AppBuilder {flask_appbuilder.__version__} is installed; app/core/fab.py was "
        f"checked against {fab.FAB_VERSION}. Re-check every entry of fab.PINNED and the "
        "templates, then update FAB_VERSION.")


@pytest.mark.parametrize("key", sorted(fab.PINNED))
def test_private_api_is_as_pinned(key):
    kind, pinned, recheck = fab.PINNED[key]
    try:
        found = _current(key, kind)
    except (AttributeError, ImportError, OSError, TypeError, ValueError) as error:
        found = f"unreadable: {error!r}"
    assert found == pinned, (
        f"Flask-AppBuilder's {key} changed ({kind}: pinned {pinned!r}, found {found!r}). "
        f"Re-check: {recheck}; then update its entry in app/core/fab.py.")


@pytest.mark.parametrize("path", sorted(fab.COPIED_TEMPLATES))
def test_copied_templates_are_of_the_pinned_original(path):
    ours = os.path.join(os.path.dirname(fab.__file__), "..", "templates", path)
    assert os.path.exists(ours), f"app/templates/{path} is listed as copied but missing"
    assert _fab_template(path) == fab.COPIED_TEMPLATES[path], (
        f"Flask-AppBuilder's {path} changed: carry its change over to app/templates/{path}, "
        "then update its hash in app/core/fab.py (COPIED_TEMPLATES).")


@pytest.mark.parametrize("path", sorted(fab.EXTENDED_TEMPLATES))
def test_extended_templates_are_as_pinned(path):
    assert _fab_template(path) == fab.EXTENDED_TEMPLATES[path], (
        f"Flask-AppBuilder's {path} changed: check the blocks and macros our templates use "
        "from it, then update its hash in app/core/fab.py (EXTENDED_TEMPLATES).")


def test_every_fab_template_we_override_is_listed():
    """A FAB template copied into app/templates/appbuilder without being listed would
    silently hide FAB's changes."""
    root = os.path.join(os.path.dirname(fab.__file__), "..", "templates", "appbuilder")
    ours = {os.path.relpath(os.path.join(d, f), os.path.dirname(root))
            for d, _dirs, files in os.walk(root) for f in files}
    assert ours == set(fab.COPIED_TEMPLATES)


def test_the_field_conversions_are_installed_once_and_idempotently(app):
    from flask_appbuilder.forms import FieldConverter

    from app.core.views import BoundedIntegerField, VNDateField, install_form_conventions

    table = FieldConverter.conversion_table
    install_form_conventions()
    assert FieldConverter.conversion_table == table
    fields = {marker: field for marker, field, _widget in table}
    assert fields["is_date"] is VNDateField and fields["is_integer"] is BoundedIntegerField
    assert [row[0] for row in table] == [row[0] for row in fab.FAB_FIELD_TABLE]


def test_the_accessors_read_what_fab_set(app):
    from flask_appbuilder.models.filters import Filters

    views = [v for v in app.appbuilder.baseviews if hasattr(v, "datamodel")]
    assert views
    for view in views:
        assert isinstance(fab.base_filters(view), Filters), type(view).__name__
        if hasattr(view, "related_views"):
            assert isinstance(fab.related_views(view), list), type(view).__name__
