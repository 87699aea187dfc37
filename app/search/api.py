"""``GET /api/v1/search/?q=…``: the search of the screen for scripts and other systems
(JWT), with the same filters as URL arguments and the same scope."""

import logging

from flask import g, request
from flask_appbuilder.api import BaseApi, expose, protect, safe

from app.core.errors import DomainError
from app.extensions import db
from app.search import services
from app.security import permissions as P

log = logging.getLogger(__name__)


class SearchApi(BaseApi):
    resource_name = "search"
    class_permission_name = P.SEARCH
    method_permission_name = {"query": "read"}
    # The screen's permissions too: FAB would otherwise drop can_write on the shared resource.
    base_permissions = [P.READ, P.WRITE]
    openapi_spec_tag = "Search"

    @expose("/", methods=["GET"])
    @protect()
    @safe
    def query(self):
        """Search the documents the user may see.
        ---
        get:
          summary: Accent-insensitive search of incoming and outgoing documents
          parameters:
          - {in: query, name: q, schema: {type: string}}
          - {in: query, name: page, schema: {type: integer}}
          - {in: query, name: kind, schema: {type: string, enum: [in, out]}}
          - {in: query, name: date_from, schema: {type: string}, description: dd/mm/yyyy}
          - {in: query, name: date_to, schema: {type: string}, description: dd/mm/yyyy}
          - {in: query, name: type, schema: {type: integer}}
          - {in: query, name: sender, schema: {type: integer}}
          - {in: query, name: urgency, schema: {type: integer}}
          - {in: query, name: status, schema: {type: string}, description: "in:STATE, out:STATE"}
          - {in: query, name: unit, schema: {type: integer}}
          - {in: query, name: assignee, schema: {type: integer}}
          responses:
            200:
              description: One page of results, best first
            422:
              description: The query or a filter is not valid
        """
        try:
            filters = services.read_filters(request.args)
            results = services.search(db.session, g.user, request.args.get("q", ""), filters,
                                      page=request.args.get("page", 1))
        except DomainError as error:
            log.info("api search refused: %s (user %s)", error,
                     getattr(g.user, "username", None))
            return self.response_422(message=str(error))
        return self.response(200, page=results.page, total=results.total,
                             more=results.capped, result=[{
                                 "kind": h.kind, "id": h.document_id, "symbol": h.symbol,
                                 "summary": h.summary,
                                 "date": h.doc_date.isoformat() if h.doc_date else None,
                                 "state": h.state, "urgency": h.urgency, "url": h.url(),
                                 "passage": str(h.snippet)} for h in results.hits])
