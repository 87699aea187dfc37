"""*Quản trị → Tác vụ nền*: the admin lists the jobs (state, tries, the error, times in
dd/mm/yyyy HH:MM), filters them, queues a failed one again ("Thử lại"); nobody else may."""

from app.core.audit import AuditEvent
from app.jobs.models import Job
from tests.conftest import client_for, html_of, rows
from tests.jobs.conftest import fail_every_try, queue


def _failed_job(app, counter):
    job_id = fail_every_try(app, counter)
    assert rows(app, Job, id=job_id)[0]["state"] == "failed"
    return job_id


def test_the_admin_lists_a_failed_job_and_retries_it(app, world, counter):
    job_id = _failed_job(app, counter)
    done_id = queue(app, "fine")
    admin = client_for(app, "admin")
    page = html_of(admin, "/backgroundjobs/list/")
    assert "Tác vụ nền" in page and "Thất bại" in page and "Đã xong" in page
    assert "RuntimeError: the work of broken failed" in page
    assert "/" in page.split("RuntimeError")[0][-400:]  # dd/mm/yyyy
    failed_only = html_of(admin, "/backgroundjobs/list/?_flt_0_state=failed")
    assert f"/backgroundjobs/show/{job_id}" in failed_only
    assert f"/backgroundjobs/show/{done_id}" not in failed_only
    show = html_of(admin, f"/backgroundjobs/show/{job_id}")
    assert "Số lần chạy" in show and "broken" in show and "Tham số" in show
    # "Thử lại": queued again and, inline, run at once after the commit.
    resp = admin.post("/backgroundjobs/action_post", data={"action": "retry",
                                                           "rowid": [job_id, done_id]})
    assert resp.status_code == 302
    assert counter.runs == ["fine", "broken"]
    assert rows(app, Job, id=job_id)[0]["state"] == "done"
    assert rows(app, AuditEvent, action="background_job_retried")


def test_nobody_but_the_admin_sees_the_jobs(app, world, counter):
    job_id = _failed_job(app, counter)
    for username in ("vanphong", "vanthu.vphu", "qtdv.vphu"):
        c = client_for(app, username)
        assert c.get("/backgroundjobs/list/").status_code == 403
        assert c.get(f"/backgroundjobs/show/{job_id}").status_code == 403
        assert c.post("/backgroundjobs/action_post", data={
            "action": "retry", "rowid": [job_id]}).status_code in (403, 404)
    assert rows(app, Job, id=job_id)[0]["state"] == "failed"
    assert app.test_client().get("/backgroundjobs/list/").status_code == 302
