"""Notifications are a message key and its parameters, read in the reader's language; the
rows written before keys were kept read their old text. A user reads, marks read (one,
several, all) and deletes their own; nobody adds or edits one."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from tests.conftest import client_for


def _notify(app, world, username, message, **kw):
    from app.extensions import db
    from app.notifications.models import Notification
    from app.notifications.services import notify

    with app.test_request_context():
        notify(db.session, [world.user(username)], message, **kw)
        db.session.commit()
        pk = db.session.scalars(select(Notification.id).order_by(Notification.id.desc())
                                ).first()
        db.session.remove()
    return pk


def _row(app, pk):
    from app.extensions import db
    from app.notifications.models import Notification

    with app.app_context():
        row = db.session.get(Notification, pk)
        values = None if row is None else (row.message, row.message_key, row.params,
                                           row.read_at)
        db.session.remove()
    return values


def test_key_and_params_are_stored_and_read_in_each_language(app, world):
    pk = _notify(app, world, "vanthu.vphu",
                 _l("To assign: %(number)s %(title)s", number="12", title="Về việc A"))
    message, key, params, _read = _row(app, pk)
    assert key == "To assign: %(number)s %(title)s"
    assert params == {"number": "12", "title": "Về việc A"}
    assert message == "Chờ phân công: 12 Về việc A"  # the fallback, in the default language
    c = client_for(app, "vanthu.vphu")
    assert "Chờ phân công: 12 Về việc A" in c.get("/notificationview/list/").get_data(
        as_text=True)
    c.get("/lang/en")
    html = c.get("/notificationview/list/").get_data(as_text=True)
    assert "To assign: 12 Về việc A" in html and "Chờ phân công: 12" not in html


def test_made_while_english_is_active_reads_in_vietnamese(app, world):
    """Made in a request whose language is English, read in Vietnamese."""
    from app.extensions import db
    from app.incoming.models import ASSIGNMENT_ROLES
    from app.notifications.models import Notification

    with app.test_request_context():
        from flask_babel import force_locale

        with force_locale("en"):
            pk = _notify(app, world, "lanhdao.vphu",
                         _l("Assigned to you (%(role)s): %(number)s %(title)s",
                            role=ASSIGNMENT_ROLES["lead"], number="5", title="Kế hoạch"))
    with app.app_context():
        row = db.session.get(Notification, pk)
        assert row.params["role"] == {"msgid": "Lead (chủ trì)"}
        assert row.message == "Được phân công (Chủ trì): 5 Kế hoạch"
        db.session.remove()
    html = client_for(app, "lanhdao.vphu").get("/notificationview/list/").get_data(
        as_text=True)
    assert "Được phân công (Chủ trì): 5 Kế hoạch" in html and "Assigned to you" not in html


def test_old_rows_read_their_text(app, world):
    pk = _notify(app, world, "vanthu.vphu", "Văn bản cũ: nội dung đã lưu")
    assert _row(app, pk)[1] is None
    c = client_for(app, "vanthu.vphu")
    c.get("/lang/en")
    assert "Văn bản cũ: nội dung đã lưu" in c.get("/notificationview/list/").get_data(
        as_text=True)


def test_add_and_edit_are_refused(app, world):
    pk = _notify(app, world, "vanthu.vphu", "Một thông báo")
    c = client_for(app, "vanthu.vphu")
    for url in ("/notificationview/add", f"/notificationview/edit/{pk}"):
        assert c.get(url).status_code == 404
        assert c.post(url, data={"message": "giả mạo", "user_id": "1"}).status_code in (404,
                                                                                        405)
    assert _row(app, pk)[0] == "Một thông báo"


def test_mark_all_read_marks_only_own(app, world):
    mine = [_notify(app, world, "vanthu.vphu", f"Thông báo {i}") for i in range(3)]
    other = _notify(app, world, "vanthu.btchu", "Của người khác")
    c = client_for(app, "vanthu.vphu")
    resp = c.post("/notificationview/mark_all_read")
    assert resp.status_code == 302
    assert all(_row(app, pk)[3] is not None for pk in mine)
    assert _row(app, other)[3] is None
    assert "Đã đánh dấu đã đọc 3 thông báo" in c.get("/notificationview/list/").get_data(
        as_text=True)


def test_delete_own_and_not_another_users(app, world):
    mine = _notify(app, world, "vanthu.vphu", "Xóa tôi")
    other = _notify(app, world, "vanthu.btchu", "Không được xóa")
    c = client_for(app, "vanthu.vphu")
    resp = c.post("/notificationview/action_post", data={"action": "remove",
                                                          "rowid": [mine]})
    assert resp.status_code == 302 and _row(app, mine) is None
    resp = c.post("/notificationview/action_post", data={"action": "remove",
                                                          "rowid": [other]})
    assert resp.status_code == 404 and _row(app, other) is not None
    assert c.get(f"/notificationview/delete/{mine}").status_code == 404
