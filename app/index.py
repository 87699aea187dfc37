from flask import g
from flask_appbuilder import IndexView as FabIndexView
from flask_appbuilder import expose

from app.core.scope import role_names


class IndexView(FabIndexView):
    """The landing page: who I am, my unit, and what needs my attention."""

    index_template = "qlvb/index.html"

    @expose("/")
    def index(self):
        from app.core.topbar import top_bar_counts

        user = getattr(g, "user", None)
        signed_in = user is not None and getattr(user, "is_authenticated", False)
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder,
            signed_in=signed_in, roles=sorted(role_names()) if signed_in else [],
            counts=top_bar_counts() if signed_in else {},
        )
