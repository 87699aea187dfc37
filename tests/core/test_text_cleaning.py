"""Text is cleaned where forms and schemas read it (app/core/inputs.py), never by rewriting
the request: every form and API schema of the application cleans its text, FAB's generated
ones included, and the request keeps what was sent."""

import io

from wtforms import StringField
from wtforms.fields.core import UnboundField

from app.core.inputs import (
    UNCLEANED,
    CleanForm,
    CleanSchema,
    CleanTextFormMixin,
    CleanTextSchemaMixin,
)
from app.extensions import db
from app.units.models import Unit
from tests.conftest import client_for

LEGACY = "Ban Tæ chøc"  # TCVN3 for "Ban Tổ chức"


def _text_fields(form_class):
    return {name for name in dir(form_class)
            if isinstance(getattr(form_class, name, None), UnboundField)} - UNCLEANED


def test_every_form_and_schema_cleans_its_text(app):
    """Each view's forms and each API's write schemas clean their text, except forms
    holding nothing but passwords."""
    unclean = []
    for view in app.appbuilder.baseviews:
        for attr in ("add_form", "edit_form", "form"):
            form = getattr(view, attr, None)
            if isinstance(form, type) and not issubclass(form, CleanTextFormMixin) \
                    and _text_fields(form):
                unclean.append((type(view).__name__, attr))
        for attr in ("add_model_schema", "edit_model_schema"):
            schema = getattr(view, attr, None)
            if schema is not None and not isinstance(schema, CleanTextSchemaMixin):
                unclean.append((type(view).__name__, attr))
    assert not unclean


def test_a_form_cleans_its_data_and_leaves_the_request_as_sent(app):
    class NameForm(CleanForm):
        name = StringField()
        unit = StringField()

    sent = {"name": "Nguyễn\x00 Văn\u202e An", "unit": LEGACY}
    app.config["WTF_CSRF_ENABLED"] = False
    with app.test_request_context("/", method="POST", data=sent):
        from flask import request

        form = NameForm()
        assert (form.name.data, form.unit.data) == ("Nguyễn Văn An", "Ban Tổ chức")
        assert request.form["name"] == sent["name"]


def test_a_schema_cleans_what_it_loads(app):
    from marshmallow import fields

    class NameSchema(CleanSchema):
        name = fields.String()
        names = fields.List(fields.String())

    with app.test_request_context("/api/v1/x", method="POST"):
        data = NameSchema().load({"name": "Ke\u0302\u0301 hoa\u0323ch\x07",
                                  "names": [LEGACY]})
    assert data == {"name": "Kế hoạch", "names": ["Ban Tổ chức"]}


def test_generated_forms_clean_their_text(app, world):
    admin = client_for(app, "admin")
    resp = admin.post("/unitview/add", data={
        "name": "Ban Nội\x00 chính\u202e", "abbreviation": "BNCHU", "code": "000.00.20.H31",
        "kind": "advisory", "active": "y", "parent": world.ids["host"]})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.query(Unit).filter_by(abbreviation="BNCHU").one().name \
            == "Ban Nội chính"
        db.session.remove()
    reporter = client_for(app, "chuyenvien.vphu")
    resp = reporter.post("/incidentview/add", data={
        "kind": "software_error", "title": "Không in được\x1b sổ",
        "description": LEGACY,
        "attachment": (io.BytesIO(b"\x89PNG\r\n\x1a\nimage"), "Ảnh.png")},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    from app.incidents.models import Incident

    with app.app_context():
        incident = db.session.query(Incident).one()
        assert (incident.title, incident.description) == ("Không in được sổ",
                                                          "Ban Tổ chức")
        db.session.remove()
