"""Changes to accounts, roles and reference data are audit events, whichever way they
are made (screens, API, command line): one SQLAlchemy hook records them."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.core import audit

audit.ACTION_LABELS.update({
    "created": _l("Record created"),
    "updated": _l("Record changed"),
    "deleted": _l("Record deleted"),
})

# model class -> attributes never written to the trail (noise or secrets)
_TRACKED: dict[type, set[str]] = {}
_SECRET = {"password"}


def track(model, ignore=()):
    _TRACKED[model] = set(ignore)


def _changes(obj, ignore):
    state = inspect(obj)
    out = {}
    for attr in state.mapper.attrs:
        key = attr.key
        if key in ignore:
            continue
        hist = state.attrs[key].history
        if not hist.has_changes():
            continue
        if key in _SECRET:
            out[key] = "changed"
            continue
        added = [str(v) for v in hist.added]
        deleted = [str(v) for v in hist.deleted]
        if hasattr(attr, "direction"):  # a relationship: name what was added/removed
            if added or deleted:
                out[key] = {"added": added, "removed": deleted}
        else:
            out[key] = {"old": deleted[0] if deleted else None, "new": added[0] if added else None}
    return out


@event.listens_for(Session, "after_flush")
def _record_changes(session, flush_context):
    for obj in list(session.new):
        ignore = _TRACKED.get(type(obj))
        if ignore is not None:
            audit.record(session, "created", obj, details=_changes(obj, ignore | {"id"}))
    for obj in list(session.dirty):
        ignore = _TRACKED.get(type(obj))
        if ignore is not None and session.is_modified(obj):
            changes = _changes(obj, ignore)
            if changes:
                audit.record(session, "updated", obj, details=changes)
    for obj in list(session.deleted):
        if type(obj) in _TRACKED:
            audit.record(session, "deleted", obj, details={"name": str(obj)})
