"""What the document screens share (incoming and outgoing): the step forms, refusals
shown beside the field with nothing kept, and files served only through a scoped,
audited route. Checking a file's signatures again is the trust feature's
(``app.trust.views.RecheckFileMixin``)."""

import logging
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from flask import abort, flash, g, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.core import audit, registry, staging, storage
from app.core.audit import AuditEvent, action_label
from app.core.downloads import send_named
from app.core.errors import DomainError
from app.core.timeutil import to_local

log = logging.getLogger(__name__)

STEP_FORM = "qlvb/step_form.html"
SUMMARY_CHARS = 80


def short_summary(text: str | None, limit: int = SUMMARY_CHARS) -> str:
    """The summary on one line, cut at a word near ``limit`` characters with "…"."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:.-") + "…"


def subject(item: Any) -> str:
    """How a message names a document: its symbol (for an outgoing one, with its number)
    and its summary in «», e.g. ``12/TB-HU «Về việc …»``."""
    summary = f"«{short_summary(item.summary)}»"
    symbol = (getattr(item, "symbol", None) or "").strip()
    return f"{symbol} {summary}" if symbol else summary



# Opening or downloading a file is recorded each time (the audit keeps every event); the
# history tab folds the repeats of one file by one person into one line.
FILE_VIEWS = ("file_previewed", "file_downloaded")


@dataclass
class HistoryLine:
    when: datetime
    username: str
    label: str
    count: int = 1


@cache
def _history_statement() -> Any:
    """The events of one object, oldest first: built once (a statement made once keeps its
    cache key), the four columns the history shows."""
    return (select(AuditEvent.created_at, AuditEvent.username, AuditEvent.action,
                   AuditEvent.details)
            .where(AuditEvent.object_type == bindparam("object_type"),
                   AuditEvent.object_id == bindparam("object_id"))
            .order_by(AuditEvent.id))


def document_history(session: Session, object_type: str, object_id: int) -> list[HistoryLine]:
    """The history tab of a document: its decisions in order, then the files opened or
    downloaded, one line per person, file and kind ("Đã mở tệp … ×7, lần cuối 14:32")."""
    events = session.execute(_history_statement(), {"object_type": object_type,
                                                    "object_id": str(object_id)}).all()
    decisions: list[HistoryLine] = []
    views: dict[tuple[str, str, str], list[Any]] = {}
    for ev in events:
        if ev.action in FILE_VIEWS:
            file = audit.parse_details(ev.details)
            key = (ev.action, ev.username or "", str(file.get("sha256") or file.get("file")))
            views.setdefault(key, []).append(ev)
        else:
            decisions.append(HistoryLine(ev.created_at, ev.username or "",
                                         action_label(ev.action)))
    folded = []
    for (action, username, _file), group in views.items():
        last = group[-1]
        name = str(audit.parse_details(last.details).get("file") or "")
        if len(group) == 1:
            label = f"{action_label(action)}: {name}" if name else action_label(action)
        elif action == "file_previewed":
            label = _("Opened the file %(name)s ×%(n)d, last at %(time)s", name=name,
                      n=len(group), time=to_local(last.created_at).strftime("%H:%M"))
        else:
            label = _("Downloaded the file %(name)s ×%(n)d, last at %(time)s", name=name,
                      n=len(group), time=to_local(last.created_at).strftime("%H:%M"))
        folded.append(HistoryLine(last.created_at, username, label, len(group)))
    folded.sort(key=lambda line: line.when)
    return decisions + folded


class LazyForm:
    """A step form of a document page made the first time the page uses it: a page offers
    most of its forms only in some states of the document (each form costs its fields and
    a CSRF token)."""

    def __init__(self, make: Any) -> None:
        self._make = make
        self._form: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._form is None:
            self._form = self._make()
        return getattr(self._form, name)


class DocumentStepsMixin:
    """For the ModelView of a document with ``state`` and files (``file_model`` rows with
    ``document_id``, ``sha256``, ``name``, ``is_pdf()``); needs UnitScopedMixin's
    ``scoped_get``."""

    file_model: type | None = None

    def _form_page(self, form, title, fields, submit, item=None, multipart=False,
                   danger=False, files=None):
        return self.render_template(STEP_FORM, form=form, title=title, fields=fields,
                                    submit=submit, item=item, multipart=multipart,
                                    danger=danger, staged=files.staged if files else {},
                                    token_suffix=staging.TOKEN_SUFFIX,
                                    back=url_for(".show", pk=item.id) if item else
                                    url_for(".list"))

    def _refused(self, error, form=None, uploads=None):
        if uploads is not None:
            uploads.undo()  # the files of a refused piece of work do not stay
        self.datamodel.session.rollback()
        log.info("%s: refused by a rule: %s (user %s)", type(self).__name__, error,
                 getattr(g.user, "username", None))
        field = getattr(form, error.field, None) if form is not None and error.field else None
        if field is not None:
            field.errors = list(field.errors or []) + [str(error)]
        flash(str(error), "danger")

    def _uploads(self, field_name):
        return [f for f in request.files.getlist(field_name) if f and f.filename]

    def _file_fields(self, store: staging.Store) -> staging.FileFields:
        """The form's file fields, kept across its round trips (app.core.staging)."""
        session = self.datamodel.session  # type: ignore[attr-defined]
        return staging.FileFields(
            session, g.user.id, staging.browser_key(), store=store,
            uploads=self._uploads,
            tokens=lambda name: request.form.getlist(name + staging.TOKEN_SUFFIX))

    def _take_files(self, form, files: staging.FileFields,
                    fields: list[tuple[str, Any]]) -> dict[str, list[storage.StoredFile]] | None:
        """The files of ``fields`` ((name, check) pairs) for this submit, or None when one
        was refused or is gone (its message beside its field; the other fields kept). Not
        run when the form's CSRF token failed: nothing is stored for a forged request."""
        if getattr(form, "csrf_token", None) is not None and form.csrf_token.errors:
            return None
        taken, ok = {}, True
        for name, check in fields:
            try:
                taken[name] = files.take(name, check)
            except DomainError as error:
                self._refused(error, form)
                ok = False
        return taken if ok else None

    def _editable(self, pk, states=None):
        """The document ``pk`` if the user may see it; when it is not in one of ``states``
        the form is not offered (the service would refuse it anyway)."""
        item = self.scoped_get_or_404(pk)
        if states and item.state not in states and request.method == "GET":
            flash(_("This step does not apply to the document in its current state (%(s)s).",
                    s=item.state_label()), "warning")
            abort(redirect(url_for(".show", pk=item.id)))
        return item

    # -- files -------------------------------------------------------------------------
    def _scoped_file(self, file_id):
        row = self.datamodel.session.get(self.file_model, file_id)
        if row is None:
            abort(404)
        withheld = registry.contributions().services.get("file_withheld")
        message = withheld(self.datamodel.session, row.sha256) if withheld else None
        if message:  # a secrecy marking found in a stored file (docs/domain.md §2)
            abort(410, description=message)
        if self.scoped_get(row.document_id) is None:
            abort(404)
        if not storage.exists(row.sha256):
            log.error("stored file %s of %s %s is missing", row.sha256,
                      type(self).__name__, row.document_id)
            abort(404)
        return row

    def _searchable(self, row):
        """With ``?copy=searchable``: the stored searchable copy of a scan (its text
        layer laid over the same pages, docs/domain.md §5.2) instead of the original;
        404 when there is none."""
        if request.args.get("copy") != "searchable":
            return None
        finder = registry.contributions().services.get("searchable_copy")
        sha = finder(self.datamodel.session, row.sha256) if finder else None
        if sha is None or not row.is_pdf():
            abort(404)
        return sha

    def _send(self, row, inline):
        copy = self._searchable(row)
        details = {"file": row.name, "sha256": row.sha256}
        if copy:
            details["searchable_copy"] = copy
        audit.record(self.datamodel.session, "file_previewed" if inline else "file_downloaded",
                     row.document, details=details)
        self.datamodel.session.commit()
        if inline:
            g.inline_file = True
        name = row.name
        if copy:
            stem = name[:-4] if name.lower().endswith(".pdf") else name
            name = stem + " (" + _("searchable") + ").pdf"
        response = send_named(storage.path_for(copy or row.sha256), name,
                              "application/pdf" if inline else "application/octet-stream",
                              inline)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    @expose("/file/<int:file_id>")
    @has_access
    @permission_name("file")
    def file(self, file_id):
        return self._send(self._scoped_file(file_id), inline=False)

    @expose("/preview/<int:file_id>")
    @has_access
    @permission_name("preview")
    def preview(self, file_id):
        row = self._scoped_file(file_id)
        if not row.is_pdf():
            abort(404)
        return self._send(row, inline=True)
