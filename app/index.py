from flask import g
from flask_appbuilder import IndexView as FabIndexView
from flask_appbuilder import expose

from app.core.scope import role_names, scope_settings, sees_all_units


class IndexView(FabIndexView):
    """The landing page of every role: what needs the user's attention today, and for
    those who print registers and reports, the unit's documents in charts."""

    index_template = "qlvb/index.html"

    @expose("/")
    def index(self):
        from app.core.timeutil import local_today
        from app.core.topbar import top_bar_counts
        from app.extensions import db
        from app.registers import dashboard
        from app.security import permissions as P

        user = getattr(g, "user", None)
        signed_in = user is not None and getattr(user, "is_authenticated", False)
        counts, charts, urgent = {}, [], None
        if signed_in:
            counts = top_bar_counts()
            everyone = sees_all_units()
            if counts.get("work") or everyone:
                urgent = dashboard.urgent_count(db.session, user, scope_settings())
            if self.appbuilder.sm.has_access(P.READ, P.REPORT) and (everyone or user.unit_id):
                charts = dashboard.charts(db.session, None if everyone else [user.unit_id],
                                          local_today())
        return self.render_template(
            self.index_template, appbuilder=self.appbuilder,
            signed_in=signed_in, roles=sorted(role_names()) if signed_in else [],
            counts=counts, urgent=urgent, charts=charts,
        )
