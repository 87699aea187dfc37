"""The landing page."""

from typing import Any

from flask import g
from flask_appbuilder import IndexView as FabIndexView
from flask_appbuilder import expose

from app.core import registry
from app.core.scope import role_names
from app.extensions import db
from app.web.topbar import top_bar_counts


class IndexView(FabIndexView):
    """The landing page of every role: what needs the user's attention today, and for
    those who print registers and reports, the unit's documents in charts (the cards the
    features register, ``app.core.registry.add_landing``)."""

    index_template = "qlvb/index.html"

    @expose("/")
    def index(self) -> str:
        user = getattr(g, "user", None)
        signed_in = user is not None and getattr(user, "is_authenticated", False)
        values: dict[str, Any] = {"counts": {}, "urgent": None, "charts": []}
        if signed_in:
            values["counts"] = top_bar_counts()
            for card in registry.contributions().landing.values():
                values.update(card(db.session, user, values["counts"]))
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder,
            signed_in=signed_in, roles=sorted(role_names()) if signed_in else [], **values,
        )
