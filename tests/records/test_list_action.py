"""“Đưa vào hồ sơ” from the incoming and outgoing lists (docs/domain.md §9.3): the
documents selected in a list go, through FAB's multi-select action, to the choice of one
of the user's open work files, and are added there in one locked step. A document the
user may not see is not found (nothing added); a closed file answers 409 in Vietnamese;
another unit's user finds nothing, a user without the role is refused."""

from datetime import date

from app.core.audit import AuditEvent
from app.extensions import db
from app.records import services
from app.records.models import FileItem
from tests.conftest import html_of

ACTION = "file_documents_menu_item"


def _items(app, fid):
    with app.app_context():
        rows = sorted((i.ordinal, i.incoming_id or i.outgoing_id) for i in
                      db.session.query(FileItem).filter_by(file_id=fid))
        db.session.remove()
    return rows


def _choose(client, list_path, ids):
    resp = client.post(f"{list_path}/action_post", data={
        "action": "file_documents", "rowid": [str(i) for i in ids]})
    assert resp.status_code == 302, resp.status_code
    return resp.headers["Location"]


def test_incoming_documents_selected_in_a_list_go_in_one_file(app, world, records, clients):
    docs = [records.assigned_document(f"{n}-CV/TU", date(2026, 2, n)) for n in (3, 1, 2)]
    fid = records.open_ad_hoc(notation="05.X")
    records.open_ad_hoc(notation="06.X", owner="lanhdao.vphu")  # not the official's
    official = clients("chuyenvien.vphu")
    page = html_of(official, "/incomingview/list/")
    assert ACTION in page and "Đưa vào hồ sơ" in page and 'name="rowid"' in page
    chooser = _choose(official, "/incomingview", docs)
    assert "/records/files/file-document?kind=incoming" in chooser
    page = html_of(official, chooser)
    assert "Đưa 3 văn bản vào hồ sơ" in page
    assert "000.00.00.H31.2026.05.X" in page and "06.X" not in page
    assert page.count('name="doc_id"') == 3
    resp = official.post(f"/records/files/{fid}/add", data={
        "kind": "incoming", "doc_id": [str(d) for d in docs], "back": "/incomingview/list/"})
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/incomingview/list/")
    assert _items(app, fid) == [(1, docs[1]), (2, docs[2]), (3, docs[0])]
    with app.app_context():
        added = db.session.query(AuditEvent).filter_by(action="work_file_item_added").all()
        assert len(added) == 1 and sorted(added[0].details_dict()["documents"]) == sorted(docs)


def test_outgoing_documents_selected_in_a_list(app, world, records, clients):
    from tests.outgoing.conftest import OutgoingKit

    kit = OutgoingKit(app, world)
    drafts = [kit.draft(summary=f"Dự thảo {n}") for n in (1, 2)]
    fid = records.open_ad_hoc()
    official = clients("chuyenvien.vphu")
    assert ACTION in html_of(official, "/outgoingview/list/")
    page = html_of(official, _choose(official, "/outgoingview", drafts))
    assert "Đưa 2 văn bản vào hồ sơ" in page
    official.post(f"/records/files/{fid}/add", data={
        "kind": "outgoing", "doc_id": [str(d) for d in drafts]})
    assert sorted(d for _, d in _items(app, fid)) == sorted(drafts)


def test_a_hidden_document_or_a_closed_file_adds_nothing(app, world, records, clients):
    seen = records.assigned_document("1-CV/TU", date(2026, 2, 1))
    hidden = records.incoming.intake(text="Văn bản chưa giao", symbol="2-CV/TU")
    fid = records.open_ad_hoc()
    official = clients("chuyenvien.vphu")
    assert official.post("/incomingview/action_post", data={
        "action": "file_documents", "rowid": [str(seen), str(hidden)]}).status_code == 404
    assert official.get(f"/records/files/file-document?kind=incoming&doc_id={seen}"
                        f"&doc_id={hidden}").status_code == 404
    resp = official.post(f"/records/files/{fid}/add", data={
        "kind": "incoming", "doc_id": [str(seen), str(hidden)]})
    assert resp.status_code == 404
    assert _items(app, fid) == []
    # Closed: 409 with the reason in Vietnamese, nothing added.
    other = records.assigned_document("3-CV/TU", date(2026, 2, 3))
    records.add(fid, "incoming", seen)
    records.call(services.close_file, file_id=fid)
    resp = official.post(f"/records/files/{fid}/add", data={
        "kind": "incoming", "doc_id": [str(other)]})
    assert resp.status_code == 409
    assert "Hồ sơ đã đóng: không thể thay đổi nữa." in resp.get_data(as_text=True)
    assert _items(app, fid) == [(1, seen)]
    # Already in the file, every one: refused; some: the others added.
    fid2 = records.open_ad_hoc(notation="07.X")
    records.add(fid2, "incoming", seen)
    resp = official.post(f"/records/files/{fid2}/add", data={
        "kind": "incoming", "doc_id": [str(seen)]})
    assert "đã có trong hồ sơ" in html_of(official, resp.headers["Location"])
    official.post(f"/records/files/{fid2}/add", data={
        "kind": "incoming", "doc_id": [str(seen), str(other)]})
    assert sorted(d for _, d in _items(app, fid2)) == sorted([seen, other])


def test_the_list_action_is_refused_to_others(app, world, records, clients):
    doc = records.assigned_document("1-CV/TU", date(2026, 2, 1))
    fid = records.open_ad_hoc()
    # Another unit's official: the documents are not found, the file neither.
    stranger = clients("chuyenvien.btchu")
    assert stranger.post("/incomingview/action_post", data={
        "action": "file_documents", "rowid": [str(doc)]}).status_code == 404
    assert stranger.get(f"/records/files/file-document?kind=incoming&doc_id={doc}"
                        ).status_code == 404
    assert stranger.post(f"/records/files/{fid}/add", data={
        "kind": "incoming", "doc_id": str(doc)}).status_code == 404
    # The office reads every list but keeps no work file: no action, refused.
    office = clients("vanphong")
    assert ACTION not in html_of(office, "/incomingview/list/")
    resp = office.post("/incomingview/action_post", data={
        "action": "file_documents", "rowid": [str(doc)]})
    assert resp.status_code in (302, 403) and "file-document" not in \
        resp.headers.get("Location", "")
    assert office.get(f"/records/files/file-document?kind=incoming&doc_id={doc}"
                      ).status_code == 403
    assert office.post(f"/records/files/{fid}/add", data={
        "kind": "incoming", "doc_id": str(doc)}).status_code == 403
    assert _items(app, fid) == []
