"""No English left on the security screens (FAB names permissions by their identifiers:
"can read on Search", "menu access on List Users") nor on the notifications, which the
system writes and users only read."""

import re

import pytest

from app.extensions import db
from app.notifications.services import notify
from tests.conftest import client_for

ENGLISH = re.compile(r"\b(List|Search|Add|Edit|Show|Delete|on|Permission)\b")


def _english(html):
    """English words a user can see: the text and the titles and options of the page."""
    html = re.sub(r"<script\b.*?</script>", " ", html, flags=re.S)
    visible = re.sub(r"<[^>]+>", " ", html)
    titles = " ".join(re.findall(r'(?:title|placeholder|aria-label)="([^"]*)"', html))
    return sorted(set(ENGLISH.findall(visible + " " + titles)))


SECURITY_PAGES = ["/users/list/", "/users/show/{admin}", "/users/edit/{admin}", "/users/add",
                  "/roles/list/", "/roles/show/{role}", "/roles/edit/{role}", "/roles/add",
                  "/permissions/list/", "/viewmenus/list/", "/permissionviews/list/"]


@pytest.mark.parametrize("page", SECURITY_PAGES)
def test_security_pages_name_permissions_in_vietnamese(app, world, page):
    from app.security import permissions as P

    with app.app_context():
        role = app.appbuilder.sm.find_role(P.ROLE_CLERK).id
    url = page.format(admin=world.ids["admin"], role=role)
    resp = client_for(app, "admin").get(url)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert _english(html) == [], url
    if "/roles/show/" in url:
        assert "<strong>Tra cứu</strong>: đọc" in html  # can_read on Search
    elif "roles" in url and "list" not in url:
        assert "<summary>Tra cứu</summary>" in html  # the editor's area of Search
    if "permissionviews" in url:
        rows = re.findall(r"<td>([^<]*)</td>", html)
        assert "xem danh sách" in rows or "đọc" in rows, rows[:20]  # can_list / can_read


def test_the_roles_list_filter_names_permissions_in_vietnamese(app, world):
    html = client_for(app, "admin").get("/roles/list/").get_data(as_text=True)
    # The filter's choices are in the page's script (JSON).
    assert "can read on Search" not in html and "menu access on List Users" not in html


def test_notifications_are_only_read_and_marked_read(app, world):
    with app.app_context():
        notify(db.session, [world.user("vanthu.vphu")], "Văn bản mới cần xử lý", link="/")
        db.session.commit()
    c = client_for(app, "vanthu.vphu")
    page = c.get("/notificationview/list/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Văn bản mới cần xử lý" in html and _english(html) == []
    assert "/notificationview/add" not in html and "/notificationview/edit" not in html
    with app.app_context():
        from app.notifications.models import Notification

        pk = db.session.query(Notification.id).scalar()
    for url in ("/notificationview/add", f"/notificationview/edit/{pk}",
                f"/notificationview/delete/{pk}"):
        assert c.get(url).status_code == 404, url
        assert c.post(url, data={"message": "giả mạo"}).status_code in (404, 405), url
    resp = c.post("/notificationview/action_post", data={"action": "mark_read", "rowid": [pk]})
    assert resp.status_code == 302
    with app.app_context():
        assert db.session.get(Notification, pk).read_at is not None
        assert db.session.get(Notification, pk).message == "Văn bản mới cần xử lý"
