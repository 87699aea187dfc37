"""The trust screens: the admin's list of trust roots and CRLs (upload, disable), the
signature panel of a document page, and the converter of every text input."""

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import flash, g, has_request_context, redirect, request, url_for
from flask_appbuilder import expose, has_access
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.wrappers import Response

from app.core import storage
from app.core.errors import DomainError
from app.core.inputs import set_text_converter, strip_controls
from app.core.registry import add_job
from app.core.timeutil import fmt_datetime
from app.core.views import AppModelView, AppSQLAInterface
from app.jobs.models import KIND_LABELS
from app.security import permissions as P
from app.trust import services, vnencoding
from app.trust.models import PROBLEMS, REVOCATION, TrustAnchor, status_label

if TYPE_CHECKING:
    from app.core.docviews import DocumentStepsMixin as _StepsBase
else:
    _StepsBase = object

log = logging.getLogger(__name__)


class RecheckFileMixin(_StepsBase):
    """For a document screen with ``DocumentStepsMixin`` (``app/core/docviews.py``): the
    "Kiểm tra lại" route that verifies a stored file's signatures again."""

    datamodel: Any

    @expose("/recheck/<int:file_id>", methods=["POST"])
    @has_access
    @permission_name("recheck")
    def recheck(self, file_id: int) -> Response:
        """"Kiểm tra lại": verify the file's signatures again (e.g. after the admin loaded
        a new root or CRL); scoped like the file, audited."""
        row = self._scoped_file(file_id)
        session = self.datamodel.session
        FlaskForm().validate_on_submit()
        try:
            report = services.recheck(session, row, g.user)
            session.commit()
        except DomainError as error:
            self._refused(error)
        else:
            flash(_("Checked again: %(status)s.", status=status_label(report["status"])),
                  "success" if report["status"] == "valid" else "warning")
        return redirect(url_for(".show", pk=row.document_id))


class AnchorUploadForm(FlaskForm):
    file = FileField(_l("Certificate or CRL (PEM or DER)"),
                     description=_l("The root certificate of Ban Cơ yếu Chính phủ (or another "
                                    "authority), an intermediate CA certificate, or a "
                                    "revocation list (CRL) downloaded from the authority."))


class TrustAnchorView(AppModelView):
    """Trust roots and CRLs (docs/domain.md §8): verification trusts only what is listed here (and
    the PEM files of the configuration); nothing is fetched from the network."""

    datamodel = AppSQLAInterface(TrustAnchor)
    class_permission_name = P.TRUST_ANCHOR
    method_permission_name = {**AppModelView.method_permission_name, "upload": "write",
                              "disable": "write"}
    base_permissions = [P.READ, P.WRITE]
    include_route_methods = {"list", "show", "upload", "disable"}
    list_title = _l("Trust roots and revocation lists")
    show_title = _l("Trust root or revocation list")
    list_columns = ["kind_label", "name", "not_after", "active", "added_at", "added_by"]
    show_columns = ["kind_label", "name", "fingerprint", "not_after", "active", "added_at",
                    "added_by"]
    search_columns = ["kind", "name", "not_after", "active"]
    label_columns = {"kind_label": _l("Kind"), "kind": _l("Kind"), "name": _l("Name"),
                     "fingerprint": _l("SHA-256 fingerprint"), "not_after": _l("Valid until"),
                     "active": _l("In use"), "added_at": _l("Added at"),
                     "added_by": _l("Added by")}
    base_order = ("id", "desc")
    list_template = "trust/anchors.html"

    @expose("/upload", methods=["GET", "POST"])
    @has_access
    @permission_name("upload")
    def upload(self):
        form = AnchorUploadForm()
        if request.method == "POST" and form.validate_on_submit():
            session = self.datamodel.session
            upload = request.files.get("file")
            data = upload.read(2 * 1024 * 1024) if upload else b""
            try:
                added = services.add_anchor(session, g.user, data)
                session.commit()
            except DomainError as error:
                session.rollback()
                log.info("trust: anchor refused: %s", error)
                form.file.errors = [str(error)]
                flash(str(error), "danger")
            else:
                flash(_("Loaded: %(names)s. The signatures of the documents received before "
                        "are verified again in the background.",
                        names="; ".join(a.name for a in added)), "success")
                return redirect(url_for(".list"))
        return self.render_template("qlvb/step_form.html", form=form,
                                    title=_("Load a trust root or a CRL"), fields=["file"],
                                    submit=_("Load"), item=None, multipart=True, danger=False,
                                    back=url_for(".list"))

    @expose("/disable/<int:pk>", methods=["POST"])
    @has_access
    @permission_name("disable")
    def disable(self, pk):
        session = self.datamodel.session
        row = session.get(TrustAnchor, pk)
        if row is None:
            return redirect(url_for(".list"))
        FlaskForm().validate_on_submit()
        services.disable_anchor(session, g.user, row)
        session.commit()
        flash(_("No longer used: %(name)s.", name=row.name), "warning")
        return redirect(url_for(".list"))


# -- the signature panel of a document page -------------------------------------------------

def _when(value):
    if not value:
        return ""
    try:
        return fmt_datetime(datetime.fromisoformat(value))
    except ValueError:
        return value


def _yes_no(value):
    if value is None:
        return _("unknown")
    return _("yes") if value else _("no")


def signature_rows(sig):
    """The details of one signature, as (label, value) pairs for the document page."""
    rows = [(_("Signed by"), sig.get("signer") or ""),
            (_("Organisation"), sig.get("organisation") or ""),
            (_("Issued by"), sig.get("issuer") or ""),
            (_("Signing time (as the signer's computer says)"), _when(sig.get("signing_time"))),
            (_("Timestamp"), _when(sig.get("timestamp")) or _("none")),
            (_("Intact (not changed after signing)"), _yes_no(sig.get("intact"))),
            (_("Trusted chain"), _yes_no(sig.get("trusted"))),
            (_("Certificate valid when signed"), _yes_no(sig.get("certificate_valid_at_signing"))),
            (_("Revocation"), str(REVOCATION.get(sig.get("revocation"),
                                                  sig.get("revocation") or "")))]
    if sig.get("weak_algorithms"):
        rows.append((_("Weak algorithms"), ", ".join(sig["weak_algorithms"])))
    if sig.get("modification_level"):
        rows.append((_("Changes after signing"), sig["modification_level"]))
    if sig.get("problem") in PROBLEMS:
        rows.append((_("Problem"), str(PROBLEMS[sig["problem"]])))
    return rows


def stored_state(sha256):
    return storage.verify_file(sha256)


# -- every text input: legacy encodings converted, NFC ------------------------------------

# The choice to keep text as typed: a field of every form (qlvb.js adds the box), a query
# argument or header for the API.
KEEP_AS_TYPED = "qlvb_keep_typed"
# A page shows the first few conversions of a request.
_SHOWN_CONVERSIONS = 5


def clean_value(value, converted, key="", convert=True):
    """One text value as every form and API body gets it: control characters and
    bidirectional overrides out (tabs and newlines kept), legacy encodings converted when
    the result reads as Vietnamese, NFC. A conversion is noted in ``converted``."""
    stripped = strip_controls(value)
    new, encoding = vnencoding.clean(stripped, convert=convert)
    if encoding:
        converted.append({"field": key, "encoding": encoding, "original": stripped,
                          "converted": new})
    return new


ENCODING_NAMES = {"tcvn3": "TCVN3 (ABC)", "vni": "VNI"}


def _keep_as_typed():
    value = (request.form.get(KEEP_AS_TYPED) if request.mimetype in (
        "application/x-www-form-urlencoded", "multipart/form-data") else None) \
        or request.args.get(KEEP_AS_TYPED) or request.headers.get("X-Keep-As-Typed")
    return str(value or "").strip().lower() in {"1", "y", "yes", "on", "true"}


def convert_text(value: str, key: str = "") -> str:
    """The text converter of every form and API schema (app.core.inputs.clean_text): text
    typed or pasted in a legacy encoding (TCVN3, VNI) is converted to Unicode when it then
    reads as Vietnamese, and all text is normalised to NFC (TCVN 6909:2001). The clerk is
    shown what was converted, from what, and how to keep it as typed; the API answers it
    in ``text_converted``."""
    if not has_request_context():
        return vnencoding.clean(value)[0]
    converted: list[Any] = []
    new = clean_value(value, converted, key, convert=not _keep_as_typed())
    if not converted:
        return new
    done = g.setdefault("text_converted", [])
    conversion = converted[0]
    if conversion in done:  # the same form read twice in one request
        return new
    done.append(conversion)
    log.info("text input converted from a legacy encoding: %s (%s)",
             conversion["field"], conversion["encoding"])
    if not request.path.startswith("/api/") and len(done) <= _SHOWN_CONVERSIONS:
        flash(_("Text typed in the old %(encoding)s encoding was converted to Unicode: "
                "“%(original)s” became “%(text)s”. Check it before going on. If it "
                "was right as typed (for example a name in another language), enter "
                "it again and tick “Keep the text as typed” before saving.",
                encoding=ENCODING_NAMES[conversion["encoding"]],
                original=conversion["original"][:80], text=conversion["converted"][:80]),
              "info")
    return new


def _report_conversions(response):
    """An API answer says which text it converted (and from what), so that a client can
    send it again with ``X-Keep-As-Typed: 1``."""
    converted = g.get("text_converted")
    if converted and request.path.startswith("/api/") and response.is_json \
            and not response.direct_passthrough:
        body = response.get_json(silent=True)
        if isinstance(body, dict):
            import json

            body["text_converted"] = converted
            response.set_data(json.dumps(body, ensure_ascii=False))
    return response


def init_app(app):
    add_job(app, services.REVERIFY_JOB, services.reverify_stored)
    KIND_LABELS[services.REVERIFY_JOB] = _l("Verify stored signatures again (trust roots "
                                            "changed)")
    set_text_converter(app, convert_text)
    app.after_request(_report_conversions)
    app.jinja_env.globals["keep_as_typed_field"] = KEEP_AS_TYPED
    app.jinja_env.globals.update(signature_rows=signature_rows,
                                 stored_file_state=stored_state, trust_when=fmt_datetime)
