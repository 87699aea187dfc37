"""How the incoming screens read for a clerk: a step form is offered only in the state it
applies to, empty fields read empty, overdue marks only open documents."""

from datetime import time, timedelta

from tests.conftest import client_for


def test_a_step_form_is_not_offered_in_the_wrong_state(app, incoming):
    doc_id = incoming.intake()  # registered: nothing to register or refuse any more
    clerk = client_for(app, "vanthu.vphu")
    for path in (f"/incomingview/register/{doc_id}", f"/incomingview/refuse/{doc_id}"):
        resp = clerk.get(path)
        assert resp.status_code == 302
        assert resp.headers["Location"].endswith(f"/incomingview/show/{doc_id}")
    head = client_for(app, "lanhdao.vphu")
    assert head.get(f"/incomingview/assign/{doc_id}").status_code == 200
    assert head.get(f"/incomingview/complete/{doc_id}").status_code == 302


def test_empty_fields_read_empty_and_times_read_hh_mm(app, incoming):
    doc_id = incoming.intake(urgency=3, arrival_time=time(8, 5))
    html = client_for(app, "vanthu.vphu").get(f"/incomingview/show/{doc_id}") \
        .get_data(as_text=True)
    assert ">None<" not in html.replace(" ", "").replace("\n", "")
    assert "08:05" in html


def test_overdue_is_marked_on_open_documents_only(app, incoming):
    today = incoming.today()
    open_id = incoming.intake(symbol="1-CV/TU", arrival_date=today - timedelta(days=10),
                              document_date=today - timedelta(days=12))
    incoming.assign(open_id, deadline=today - timedelta(days=1))
    listing = client_for(app, "lanhdao.vphu").get("/incomingview/list/").get_data(as_text=True)
    assert listing.count("qlvb-overdue") == 1
    from app.extensions import db
    from app.incoming import services
    from app.incoming.models import IncomingDocument

    with app.test_request_context():
        doc = db.session.get(IncomingDocument, open_id)
        services.complete(db.session, doc, incoming.world.user("chuyenvien.vphu"), "Xong")
        db.session.commit()
        db.session.remove()
    listing = client_for(app, "lanhdao.vphu").get("/incomingview/list/").get_data(as_text=True)
    assert "qlvb-overdue" not in listing


def test_each_step_message_names_the_document(app, world, incoming):
    clerk = client_for(app, "vanthu.vphu")
    resp = incoming.post_intake(clerk)
    assert resp.status_code == 302
    doc_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    page = clerk.get(resp.headers["Location"]).get_data(as_text=True)
    number = incoming.get(doc_id)["number"]
    assert number
    named = "555-CV/TU «Về việc kiểm tra dữ liệu nhập»"
    assert f"Đã vào sổ văn bản {named}, số đến {number}." in page
    head = client_for(app, "lanhdao.vphu")
    page = head.post(f"/incomingview/assign/{doc_id}", data={
        "direction": "Đề nghị xử lý", "lead": f"user:{world.ids['chuyenvien.vphu']}",
        "lead_deadline": (incoming.today() + timedelta(days=5)).strftime("%d/%m/%Y")},
        follow_redirects=True).get_data(as_text=True)
    assert f"Đã phân công xử lý văn bản {named}." in page
    official = client_for(app, "chuyenvien.vphu")
    page = official.post(f"/incomingview/complete/{doc_id}", data={"result": "Đã báo cáo"},
                         follow_redirects=True).get_data(as_text=True)
    assert f"Đã hoàn thành xử lý văn bản {named}." in page


def test_the_history_folds_repeated_views_of_a_file(app, world, incoming):
    from app.core.audit import AuditEvent
    from app.core.timeutil import to_local
    from app.incoming.models import IncomingFile
    from tests.conftest import html_of, rows

    doc_id = incoming.intake()
    incoming.assign(doc_id)
    main = rows(app, IncomingFile, document_id=doc_id)[0]
    official = client_for(app, "chuyenvien.vphu")
    for _ in range(7):
        assert official.get(f"/incomingview/preview/{main['id']}").status_code == 200
    views = [e for e in rows(app, AuditEvent, object_type="IncomingDocument",
                             object_id=str(doc_id)) if e["action"] == "file_previewed"]
    assert len(views) == 7  # the audit keeps every event
    html = html_of(client_for(app, "lanhdao.vphu"), f"/incomingview/show/{doc_id}")
    history = html.split("qlvb-history", 1)[1].split("</table>", 1)[0]
    last = to_local(max(e["created_at"] for e in views)).strftime("%H:%M")
    assert history.count("Đã mở tệp") == 1
    assert f"Đã mở tệp {main['name']} ×7, lần cuối {last}" in history
    # Decisions come first: the assignment is above the folded line.
    assert history.index("Đã phân công") < history.index("Đã mở tệp")
