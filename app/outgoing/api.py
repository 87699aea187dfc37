"""REST API of outgoing documents (JWT): list and read them with their route and their
recipients' statuses, and take each step — draft, submit, return, sign, number, attach
the signed PDF, issue, recall — through the same services and rules as the screens."""

from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_babel import gettext as _
from marshmallow import ValidationError, fields, validate

from app.core.api import DocumentStepsApiMixin, Id
from app.core.errors import DomainError
from app.core.filecheck import check_attachment
from app.core.inputs import CleanSchema
from app.core.scope import UnitScopedMixin
from app.core.views import AppModelRestApi
from app.incoming.services import Uploads
from app.outgoing import services
from app.outgoing.filters import OutgoingScopeFilter
from app.outgoing.models import CHANNELS, SIGNING_FORMS, OutgoingDocument, OutgoingFile
from app.outgoing.views import OutgoingInterface
from app.security import permissions as P
from app.trust.api import TrustApiMixin
from app.trust.services import intake_check


class RecipientSchema(CleanSchema):
    unit_id = Id(allow_none=True, load_default=None)
    name = fields.String(load_default="", validate=validate.Length(max=255))
    channel = fields.String(load_default="electronic", validate=validate.OneOf(list(CHANNELS)))
    paper_copy = fields.Boolean(load_default=False)
    organ_id = fields.String(load_default="", validate=validate.Length(max=50))


class DraftSchema(CleanSchema):
    document_type_id = Id(required=True)
    summary = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    urgency = fields.Integer(load_default=0, validate=validate.Range(min=0, max=4))
    signer_id = Id(allow_none=True, load_default=None)
    reply_to_id = Id(allow_none=True, load_default=None)
    replaces_id = Id(allow_none=True, load_default=None)
    recipients = fields.List(fields.Nested(RecipientSchema), load_default=list)


class SubmitSchema(CleanSchema):
    to_user_id = Id(required=True)
    comment = fields.String(load_default="", validate=validate.Length(max=5000))


class CommentSchema(CleanSchema):
    comment = fields.String(required=True, validate=validate.Length(min=1, max=5000))


class SignSchema(CleanSchema):
    signing_form = fields.String(load_default="", validate=validate.OneOf(list(SIGNING_FORMS)))
    sensitive = fields.Boolean(load_default=None, allow_none=True)
    paper_copy = fields.Boolean(load_default=False)


class NumberSchema(CleanSchema):
    document_date = fields.Date(allow_none=True, load_default=None)


class IssueSchema(CleanSchema):
    late_reason = fields.String(load_default="", validate=validate.Length(max=5000))
    agency_sign = fields.Boolean(load_default=False)


class ReasonSchema(CleanSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=5000))


def _step_doc(summary, request_schema=None):
    """The OpenAPI text of a step: POST on /<pk>/…, JSON body, the summary of the result."""
    body = ""
    if request_schema:
        body = (f"          requestBody:\n            required: true\n            content:\n"
                f"              application/json:\n                schema:\n"
                f"                  $ref: '#/components/schemas/{request_schema}Schema'\n")
    return (f"{summary}\n        ---\n        post:\n          summary: \"{summary}\"\n"
            "          parameters:\n          - {in: path, name: pk, required: true, "
            "schema: {type: integer}}\n" + body +
            "          responses:\n            200:\n              description: Done\n"
            "            400:\n              $ref: '#/components/responses/400'\n"
            "            404:\n              $ref: '#/components/responses/404'\n"
            "            409:\n              description: The document's state no longer "
            "allows this step (it was just done)\n"
            "            422:\n              $ref: '#/components/responses/422'\n")


class OutgoingApi(TrustApiMixin, DocumentStepsApiMixin, UnitScopedMixin, AppModelRestApi):
    file_model = OutgoingFile
    resource_name = "outgoing"
    datamodel = OutgoingInterface(OutgoingDocument)
    class_permission_name = P.OUTGOING
    method_permission_name = {
        **AppModelRestApi.method_permission_name,
        "route": "read", "recipients": "read", "draft": "draft", "submit": "draft",
        "return_draft": "draft", "sign": "sign", "number": "issue", "final": "issue",
        "issue": "issue", "recall": "issue", "files": "read", "recheck": "issue",
    }
    base_permissions = [P.READ, P.DRAFT, P.SIGN, P.ISSUE, P.DOWNLOAD]
    base_filters = [["id", OutgoingScopeFilter, None]]
    include_route_methods = {"get", "get_list", "info", "route", "recipients", "draft",
                             "submit", "return_draft", "sign", "number", "final", "issue",
                             "recall", "files", "recheck"}
    openapi_spec_tag = "Outgoing documents"
    openapi_spec_component_schemas = (SubmitSchema, CommentSchema, SignSchema, NumberSchema,
                                      IssueSchema, ReasonSchema)
    list_columns = ["id", "unit_id", "state", "document_type_id", "summary", "urgency",
                    "symbol", "document_date", "holder_id", "issued_at", "late"]
    show_columns = list_columns + ["signer_id", "signing_form", "signed_by_id", "signed_at",
                                   "number", "number_period", "late_reason", "sensitive",
                                   "paper_copy_approved", "reply_to_id", "replaces_id",
                                   "recall_requested_at", "recall_reason"]
    search_columns = ["state", "symbol", "summary", "document_date", "urgency", "late"]
    order_columns = ["document_date", "urgency", "symbol"]

    def _summary(self, doc, status=200):
        return self.response(status, id=doc.id, state=doc.state, symbol=doc.symbol,
                             holder_id=doc.holder_id, late=doc.late)

    # -- reading ---------------------------------------------------------------------
    @expose("/<int:pk>/route", methods=["GET"])
    @protect()
    @safe
    def route(self, pk):
        """The route of a document.
        ---
        get:
          summary: The route (who sent it to whom, when, with which comment and version)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The steps, oldest first
            404:
              $ref: '#/components/responses/404'
        """
        doc = self.scoped_get(pk)
        if doc is None:
            return self.response_404()
        return self.response(200, result=[{
            "action": s.action, "from_user_id": s.from_user_id, "to_user_id": s.to_user_id,
            "comment": s.comment, "file_version": s.file_version,
            "created_at": s.created_at.isoformat()} for s in doc.steps])

    @expose("/<int:pk>/recipients", methods=["GET"])
    @protect()
    @safe
    def recipients(self, pk):
        """The recipients of a document and the status each reported.
        ---
        get:
          summary: Recipients with their delivery status (01–06, 13/15/16, P for paper)
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: One entry per recipient
            404:
              $ref: '#/components/responses/404'
        """
        doc = self.scoped_get(pk)
        if doc is None:
            return self.response_404()
        return self.response(200, result=[{
            "id": r.id, "unit_id": r.unit_id, "name": r.label(), "channel": r.channel,
            "organ_id": r.organ_id,
            "status": r.status, "status_note": r.status_note,
            "status_at": r.status_at.isoformat() if r.status_at else None,
            "incoming_document_id": r.incoming_document_id} for r in doc.recipients])

    # -- steps -----------------------------------------------------------------------
    @expose("/draft", methods=["POST"])
    @protect()
    @safe
    def draft(self):
        """Create a draft (multipart: ``file``, ``attachments``, and ``data``, a JSON
        object with document_type_id, summary, urgency, signer_id, reply_to_id,
        replaces_id, recipients [{unit_id | name, channel}]).
        ---
        post:
          summary: Create an outgoing draft
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [file, data]
                  properties:
                    file: {type: string, format: binary}
                    attachments: {type: array, items: {type: string, format: binary}}
                    data: {type: string, description: JSON object of the draft fields}
          responses:
            201:
              description: The draft was created
            400:
              $ref: '#/components/responses/400'
            422:
              $ref: '#/components/responses/422'
        """
        import json

        session = self.datamodel.session
        uploads = Uploads(session)
        try:
            try:
                raw = json.loads(request.form.get("data") or "{}")
            except ValueError as error:
                raise DomainError(_("The request body must be JSON.")) from error
            data = DraftSchema().load(raw if isinstance(raw, dict) else {})
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise DomainError(_("Attach the draft file."))
            draft = uploads.add(upload, check_attachment)
            extras = [uploads.add(f, check_attachment)
                      for f in request.files.getlist("attachments") if f and f.filename]
            doc = services.create_draft(
                session, g.user, data["document_type_id"], data["summary"], data["urgency"],
                draft, recipients=[services.RecipientSpec(**r) for r in data["recipients"]],
                signer_id=data["signer_id"], attachments=extras,
                reply_to_id=data["reply_to_id"], replaces_id=data["replaces_id"])
            session.commit()
        except (DomainError, ValidationError) as error:
            return self._refusal(error, uploads)
        return self._summary(doc, 201)

    @expose("/<int:pk>/submit", methods=["POST"])
    @protect()
    @safe
    def submit(self, pk):
        def action(session, doc):
            data = self._json(SubmitSchema())
            services.submit(session, doc, g.user, data["to_user_id"], data["comment"])

        return self._step(pk, action)

    submit.__doc__ = _step_doc("Send the draft to the next processor", "Submit")

    @expose("/<int:pk>/return", methods=["POST"])
    @protect()
    @safe
    def return_draft(self, pk):
        return self._step(pk, lambda session, doc: services.return_draft(
            session, doc, g.user, self._json(CommentSchema())["comment"]))

    return_draft.__doc__ = _step_doc("Return the draft with a comment", "Comment")

    @expose("/<int:pk>/sign", methods=["POST"])
    @protect()
    @safe
    def sign(self, pk):
        def action(session, doc):
            data = self._json(SignSchema())
            if data["sensitive"] is not None:
                services.set_sensitive(session, doc, g.user, data["sensitive"],
                                       data["paper_copy"])
            services.sign(session, doc, g.user, data["signing_form"])

        return self._step(pk, action)

    sign.__doc__ = _step_doc("Approve and sign (T/M, K/T, T/L, TUQ)", "Sign")

    @expose("/<int:pk>/number", methods=["POST"])
    @protect()
    @safe
    def number(self, pk):
        return self._step(pk, lambda session, doc: services.assign_number(
            session, doc, g.user, self._json(NumberSchema())["document_date"]))

    number.__doc__ = _step_doc("Give the next number of the series and register it",
                               "Number")

    @expose("/<int:pk>/final", methods=["POST"])
    @protect()
    @safe
    def final(self, pk):
        """Attach the final signed PDF (multipart ``file``).
        ---
        post:
          summary: Attach the final signed PDF
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  properties:
                    file: {type: string, format: binary}
          responses:
            200:
              description: Attached
            404:
              $ref: '#/components/responses/404'
            409:
              description: The document's state no longer allows this step
            422:
              $ref: '#/components/responses/422'
        """
        doc = self.scoped_get(pk)
        if doc is None:
            return self.response_404()
        session = self.datamodel.session
        uploads = Uploads(session)
        try:
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise DomainError(_("Attach the document as a PDF file."))
            services.attach_final(session, doc, g.user, uploads.add(upload, intake_check(session)))
            session.commit()
        except DomainError as error:
            return self._refusal(error, uploads)
        return self._summary(doc)

    @expose("/<int:pk>/issue", methods=["POST"])
    @protect()
    @safe
    def issue(self, pk):
        return self._step(pk, lambda session, doc: services.issue(
            session, doc, g.user, **self._json(IssueSchema())))

    issue.__doc__ = _step_doc("Issue: deliver to every recipient (all or none)", "Issue")

    @expose("/<int:pk>/recall", methods=["POST"])
    @protect()
    @safe
    def recall(self, pk):
        return self._step(pk, lambda session, doc: services.request_recall(
            session, doc, g.user, self._json(ReasonSchema())["reason"]))

    recall.__doc__ = _step_doc("Ask the recipients to give the document back (13)",
                               "Reason")
