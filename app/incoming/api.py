"""REST API of incoming documents (JWT): list and read with the screens' scope, and the
clerk's and head's steps — intake (multipart, for scanners and other systems), register,
refuse, assign — through the same services and rules."""

import logging

from flask import current_app, g, request
from flask_appbuilder.api import expose, protect, safe
from flask_babel import gettext as _
from marshmallow import EXCLUDE, ValidationError, fields, validate
from werkzeug.exceptions import RequestEntityTooLarge

from app.core.api import DocumentStepsApiMixin, Id
from app.core.errors import DomainError
from app.core.filecheck import check_attachment
from app.core.inputs import CleanSchema
from app.core.scope import UnitScopedMixin
from app.core.views import AppModelRestApi
from app.incoming import services
from app.incoming.filters import IncomingScopeFilter
from app.incoming.models import SECRECY_NONE, IncomingDocument, IncomingFile
from app.incoming.views import IncomingInterface
from app.security import permissions as P
from app.trust.api import TrustApiMixin
from app.trust.services import intake_check

log = logging.getLogger(__name__)


class EntrySchema(CleanSchema):
    """The register fields; dates as YYYY-MM-DD, times as HH:MM."""

    class Meta:
        unknown = EXCLUDE

    arrival_date = fields.Date(required=True)
    arrival_time = fields.Time(allow_none=True, load_default=None)
    sender_unit_id = Id(allow_none=True, load_default=None)
    author_name = fields.String(load_default="", validate=validate.Length(max=255))
    symbol = fields.String(load_default="", validate=validate.Length(max=100))
    document_date = fields.Date(required=True)
    document_type_id = Id(required=True)
    summary = fields.String(required=True, validate=validate.Length(min=1, max=2000))
    urgency = fields.Integer(load_default=0, validate=validate.Range(min=0, max=4))
    page_count = fields.Integer(allow_none=True, load_default=None,
                                validate=validate.Range(min=1, max=100000))
    signer_name = fields.String(load_default="", validate=validate.Length(max=255))
    reply_deadline = fields.Date(allow_none=True, load_default=None)
    notes = fields.String(load_default="", validate=validate.Length(max=5000))
    trust_reason = fields.String(load_default="", validate=validate.Length(max=2000))
    secrecy = fields.String(required=True, validate=validate.Equal(SECRECY_NONE))
    allow_duplicate = fields.Boolean(load_default=False)

    def entry(self, data):
        data = dict(data)
        data.pop("secrecy")
        return services.Entry(secrecy_confirmed=True, **data)


class IntakeSchema(EntrySchema):
    channel = fields.String(load_default="external",
                            validate=validate.OneOf(["paper", "external"]))


class RefuseSchema(CleanSchema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class PartySchema(CleanSchema):
    role = fields.String(required=True, validate=validate.OneOf(["lead", "cooperate",
                                                                  "inform"]))
    unit_id = Id(allow_none=True, load_default=None)
    user_id = Id(allow_none=True, load_default=None)
    deadline = fields.Date(allow_none=True, load_default=None)
    instruction = fields.String(load_default="", validate=validate.Length(max=2000))


class AssignSchema(CleanSchema):
    direction = fields.String(load_default="", validate=validate.Length(max=5000))
    parties = fields.List(fields.Nested(PartySchema), required=True,
                          validate=validate.Length(min=1, max=200))


class IncomingApi(TrustApiMixin, DocumentStepsApiMixin, UnitScopedMixin, AppModelRestApi):
    file_model = IncomingFile
    resource_name = "incoming"
    datamodel = IncomingInterface(IncomingDocument)
    class_permission_name = P.INCOMING
    method_permission_name = {**AppModelRestApi.method_permission_name,
                              "intake": "intake", "register": "intake", "refuse": "intake",
                              "assign": "assign", "files": "read", "recheck": "intake"}
    base_permissions = [P.READ, P.INTAKE, P.ASSIGN, P.PROCESS, P.DOWNLOAD]
    base_filters = [["id", IncomingScopeFilter, None]]
    include_route_methods = {"get", "get_list", "info", "intake", "register", "refuse",
                             "assign", "files", "recheck"}
    openapi_spec_tag = "Incoming documents"
    list_columns = ["id", "unit_id", "state", "channel", "arrival_year", "arrival_number",
                    "arrival_date", "author_name", "sender_unit_id", "symbol",
                    "document_date", "summary", "urgency", "deadline", "exchange_status"]
    show_columns = list_columns + ["arrival_time", "symbol_number", "symbol_type",
                                   "symbol_agency", "document_type_id", "page_count",
                                   "signer_name", "reply_deadline", "secrecy", "notes",
                                   "duplicate_note", "trust_reason", "direction", "completed_at",
                                   "completed_late", "result_summary", "cancel_reason"]
    search_columns = ["state", "arrival_date", "arrival_number", "symbol", "summary",
                      "author_name", "urgency", "deadline"]
    order_columns = ["arrival_number", "arrival_date", "deadline", "urgency"]

    def _summary(self, doc, status=200):
        return self.response(status, id=doc.id, state=doc.state,
                             arrival_year=doc.arrival_year, arrival_number=doc.arrival_number,
                             number=doc.number_label(), duplicate_note=doc.duplicate_note,
                             trust_reason=doc.trust_reason,
                             signature_status=getattr(doc.main_file(), "signature_status",
                                                      None))

    @expose("/intake", methods=["POST"])
    @protect()
    @safe
    def intake(self):
        """Receive a paper (scanned) or outside document and register it.
        ---
        post:
          summary: Receive and register a document (multipart upload)
          requestBody:
            required: true
            content:
              multipart/form-data:
                schema:
                  type: object
                  required: [file, arrival_date, document_date, document_type_id,
                             summary, secrecy]
                  properties:
                    file: {type: string, format: binary, description: the PDF}
                    attachments: {type: array, items: {type: string, format: binary}}
                    channel: {type: string, enum: [paper, external]}
                    arrival_date: {type: string, format: date}
                    arrival_time: {type: string, example: "08:30"}
                    sender_unit_id: {type: integer}
                    author_name: {type: string}
                    symbol: {type: string, example: 19-QC/HU}
                    document_date: {type: string, format: date}
                    document_type_id: {type: integer}
                    summary: {type: string}
                    urgency: {type: integer, minimum: 0, maximum: 4}
                    page_count: {type: integer}
                    signer_name: {type: string}
                    reply_deadline: {type: string, format: date}
                    secrecy: {type: string, enum: ["Không mật"]}
                    allow_duplicate: {type: boolean}
                    trust_reason:
                      type: string
                      description: reason to register an e-document without a valid signature
          responses:
            201:
              description: Registered; the arrival number is returned
            400:
              $ref: '#/components/responses/400'
            401:
              $ref: '#/components/responses/401'
            403:
              $ref: '#/components/responses/401'
            413:
              description: The file is too large
            422:
              $ref: '#/components/responses/422'
        """
        session = self.datamodel.session
        uploads = services.Uploads(session)
        try:
            schema = IntakeSchema()
            data = schema.load(request.form.to_dict())
            channel = data.pop("channel")
            upload = request.files.get("file")
            if upload is None or not upload.filename:
                raise DomainError(_("Attach the document as a PDF file."))
            main = uploads.add(upload, intake_check(session))
            extras = [uploads.add(f, check_attachment)
                      for f in request.files.getlist("attachments") if f and f.filename]
            doc = services.intake(session, g.user, channel, schema.entry(data), main, extras)
            session.commit()
        except RequestEntityTooLarge:
            # FAB's @safe would answer this with a 500.
            limit = current_app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
            return self.response(413, message=_("The file is larger than the allowed %(mb)d MB.",
                                                mb=limit))
        except (DomainError, ValidationError) as error:
            return self._refusal(error, uploads)
        return self._summary(doc, 201)

    @expose("/<int:pk>/register", methods=["POST"])
    @protect()
    @safe
    def register(self, pk):
        """Register a document waiting in the inbox.
        ---
        post:
          summary: Register (vào sổ) a document waiting to be received
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  description: The register fields of the intake; those left out keep
                    what the delivery brought. The sender of a delivery cannot change.
                  required: [secrecy]
                  properties:
                    secrecy: {type: string, enum: ["Không mật"]}
                    arrival_date: {type: string, format: date}
                    arrival_time: {type: string, example: "08:30"}
                    symbol: {type: string}
                    document_date: {type: string, format: date}
                    document_type_id: {type: integer}
                    summary: {type: string}
                    urgency: {type: integer, minimum: 0, maximum: 4}
                    page_count: {type: integer}
                    signer_name: {type: string}
                    reply_deadline: {type: string, format: date}
                    allow_duplicate: {type: boolean}
                    trust_reason:
                      type: string
                      description: reason to register an e-document without a valid signature
          responses:
            200:
              description: Registered
            404:
              $ref: '#/components/responses/404'
            409:
              description: The document's state no longer allows this step
            422:
              $ref: '#/components/responses/422'
        """
        def register(session, doc):
            # Fields left out keep what the delivery brought (symbol, date, type, …).
            raw = self._json_object()
            data = EntrySchema(partial=True).load(raw)
            if "secrecy" not in data:
                raise ValidationError({"secrecy": ["Missing data for required field."]})
            entry = services.Entry.from_document(doc)
            for key, value in data.items():
                if key in raw and key != "secrecy":
                    setattr(entry, key, value)
            entry.secrecy_confirmed = True
            services.register(session, doc, g.user, entry)

        return self._step(pk, register)

    @expose("/<int:pk>/refuse", methods=["POST"])
    @protect()
    @safe
    def refuse(self, pk):
        """Refuse a document waiting in the inbox, with the reason.
        ---
        post:
          summary: Refuse (từ chối) a document waiting to be received
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [reason]
                  properties:
                    reason: {type: string}
          responses:
            200:
              description: Refused
            404:
              $ref: '#/components/responses/404'
            409:
              description: The document's state no longer allows this step
            422:
              $ref: '#/components/responses/422'
        """
        return self._step(pk, lambda session, doc: services.refuse(
            session, doc, g.user, self._json(RefuseSchema())["reason"]))

    @expose("/<int:pk>/assign", methods=["POST"])
    @protect()
    @safe
    def assign(self, pk):
        """Direct and assign a registered document.
        ---
        post:
          summary: Assign (phân công) — exactly one lead, any cooperating and informed
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [parties]
                  properties:
                    direction: {type: string}
                    parties:
                      type: array
                      items:
                        type: object
                        properties:
                          role: {type: string, enum: [lead, cooperate, inform]}
                          unit_id: {type: integer}
                          user_id: {type: integer}
                          deadline: {type: string, format: date}
          responses:
            200:
              description: Assigned
            404:
              $ref: '#/components/responses/404'
            409:
              description: The document's state no longer allows this step
            422:
              $ref: '#/components/responses/422'
        """
        def assign(session, doc):
            data = self._json(AssignSchema())
            parties = [services.Party(**p) for p in data["parties"]]
            services.assign(session, doc, g.user, data["direction"], parties)

        return self._step(pk, assign)
