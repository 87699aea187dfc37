"""The signature evidence of a document's files through the API, and "Kiểm tra lại"."""

from flask import g
from flask_appbuilder.api import expose, protect, safe

from app.core.errors import DomainError
from app.trust import services


def file_evidence(row):
    return {"id": row.id, "name": row.name, "sha256": row.sha256, "mime": row.mime,
            "signature_status": row.signature_status,
            "verified_at": row.verified_at.isoformat() if row.verified_at else None,
            "signatures": row.signatures(), "legacy_fonts": row.legacy_fonts(),
            "intact_in_store": services.stored_intact(row.sha256)}


class TrustApiMixin:
    """For a document API with ``file_model``, ``scoped_get`` and ``_refusal``."""

    file_model: type | None = None

    def _scoped_file(self, pk, file_id):
        doc = self.scoped_get(pk)
        if doc is None:
            return None, None
        row = self.datamodel.session.get(self.file_model, file_id)
        if row is None or row.document_id != doc.id:
            return doc, None
        return doc, row

    @expose("/<int:pk>/files", methods=["GET"])
    @protect()
    @safe
    def files(self, pk):
        """The files of a document with their signature verdicts.
        ---
        get:
          summary: Files, signature verdicts, legacy fonts, integrity in the store
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          responses:
            200:
              description: The files
            404:
              $ref: '#/components/responses/404'
        """
        doc = self.scoped_get(pk)
        if doc is None:
            return self.response_404()
        return self.response(200, result=[file_evidence(f) for f in doc.files])

    @expose("/<int:pk>/files/<int:file_id>/recheck", methods=["POST"])
    @protect()
    @safe
    def recheck(self, pk, file_id):
        """Verify a file's signatures again ("Kiểm tra lại").
        ---
        post:
          summary: Verify the signatures of a file again
          parameters:
          - {in: path, name: pk, required: true, schema: {type: integer}}
          - {in: path, name: file_id, required: true, schema: {type: integer}}
          responses:
            200:
              description: The new verdict
            404:
              $ref: '#/components/responses/404'
            422:
              $ref: '#/components/responses/422'
        """
        _doc, row = self._scoped_file(pk, file_id)
        if row is None:
            return self.response_404()
        session = self.datamodel.session
        try:
            services.recheck(session, row, g.user)
            session.commit()
        except DomainError as error:
            return self._refusal(error)
        return self.response(200, result=file_evidence(row))
