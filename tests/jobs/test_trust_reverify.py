"""The trust roots' change moves the stored files' verification to a background job
(``trust.reverify``): loading or disabling a root re-verifies the files whose verdict
depends on it, once per set of roots, and the changed verdicts are in the audit trail."""

import io
import json

from app.core.audit import AuditEvent
from app.incoming.models import IncomingFile
from app.jobs.models import Job
from app.trust.models import TrustAnchor
from tests import pki
from tests.conftest import html_of, rows
from tests.incoming.conftest import IncomingKit, created_id


def _untrusted_file(app, world, clients):
    incoming = IncomingKit(app, world)
    form = incoming.intake_form(pdf=pki.signed("valid"), channel="external",
                                trust_reason="Chưa có chứng thư gốc")
    doc_id = created_id(clients("vanthu.vphu").post("/incomingview/intake", data=form,
                                                    content_type="multipart/form-data"))
    (row,) = rows(app, IncomingFile, document_id=doc_id)
    assert row["signature_status"] == "untrusted"
    return doc_id, row["id"]


def test_loading_and_disabling_a_root_reverifies_stored_files_in_a_job(app, world, clients):
    doc_id, file_id = _untrusted_file(app, world, clients)
    admin = clients("admin")
    resp = admin.post("/trustanchorview/upload", data={
        "file": (io.BytesIO(pki.pki().chain_pem()), "vgca.pem")},
        content_type="multipart/form-data")
    assert resp.status_code == 302
    # No "Kiểm tra lại": the job ran after the upload's commit.
    assert rows(app, IncomingFile, id=file_id)[0]["signature_status"] == "valid"
    (job,) = rows(app, Job)
    assert job["kind"] == "trust.reverify" and job["state"] == "done"
    (event,) = rows(app, AuditEvent, action="signature_rechecked")
    details = json.loads(event["details"])
    assert details["previous"] == "untrusted" and details["status"] == "valid"
    assert "Hợp lệ" in html_of(clients("vanthu.vphu"), f"/incomingview/show/{doc_id}")
    assert "Kiểm tra lại chữ ký của các tệp đã lưu" in html_of(admin, "/backgroundjobs/list/")
    # Disabling the roots is another set of roots: another job, the verdict follows.
    anchors = rows(app, TrustAnchor)
    for anchor in anchors:
        assert admin.post(f"/trustanchorview/disable/{anchor['id']}").status_code == 302
    assert rows(app, IncomingFile, id=file_id)[0]["signature_status"] == "untrusted"
    assert [j["state"] for j in rows(app, Job)] == ["done"] * (1 + len(anchors))
    assert len(rows(app, AuditEvent, action="signature_rechecked")) == 2


def test_the_reverification_is_queued_once_per_set_of_roots(app, world, clients):
    from app.extensions import db
    from app.trust import services

    _doc_id, file_id = _untrusted_file(app, world, clients)
    with app.test_request_context():
        added = services.add_anchor(db.session, None, pki.pki().root_pem())
        first = services.queue_reverify(db.session)
        assert services.queue_reverify(db.session) is first
        assert [a.id for a in added]
        db.session.commit()
        # Run again with nothing changed: no verdict changes, no event.
        assert services.reverify_stored(db.session) == 0
        db.session.commit()
        db.session.remove()
    assert len(rows(app, Job)) == 1 and rows(app, Job)[0]["state"] == "done"
    assert rows(app, IncomingFile, id=file_id)[0]["signature_status"] == "valid"
    assert len(rows(app, AuditEvent, action="signature_rechecked")) == 1
