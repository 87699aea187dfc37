"""Unbound extensions, bound to the app in ``create_app``."""

from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# model_class=Model makes db.metadata the metadata of FAB's tables and ours, so that
# Alembic sees every table.
db = SQLA(model_class=Model)
migrate = Migrate()
csrf = CSRFProtect()
