"""The notice of the files due (docs/domain.md §9.6) runs from ``flask qlvb jobs run-due``,
the command the existing timer starts every five minutes: a daily periodic job, queued
once a day, that tells the owners and heads once per file."""

from datetime import timedelta

from app.core.timeutil import local_today, utcnow
from app.extensions import db
from app.jobs import runner as jobs
from app.jobs.models import Job
from app.notifications.models import Notification
from app.records import services
from app.records.views import NOTIFY_DUE_JOB


def test_run_due_notifies_the_files_due_once_a_day(app, world, records, runner):
    # A file kept 20 years whose work ended almost a year ago: due within 30 days.
    fid = records.open_ad_hoc(notation="01.X", start=local_today() - timedelta(days=400))
    records.paper(fid, local_today() - timedelta(days=350))
    records.call(services.close_file, file_id=fid)
    result = runner.invoke(args=["qlvb", "jobs", "run-due"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        job = db.session.query(Job).filter_by(kind=NOTIFY_DUE_JOB).one()
        assert job.state == "done" and job.result == {"notified": 1}
        told = {n.user_id for n in db.session.query(Notification)}
        assert {world.ids["chuyenvien.vphu"], world.ids["lanhdao.vphu"]} <= told
        count = db.session.query(Notification).count()
        db.session.remove()
    # Five minutes later: the same day, no second job, no second notice.
    assert runner.invoke(args=["qlvb", "jobs", "run-due"]).exit_code == 0
    with app.app_context():
        assert db.session.query(Job).filter_by(kind=NOTIFY_DUE_JOB).count() == 1
        assert db.session.query(Notification).count() == count
        # The next day the job is queued again (and finds nothing new to tell).
        queued = jobs.queue_periodic(db.session, utcnow() + timedelta(days=1))
        assert [j.kind for j in queued] == [NOTIFY_DUE_JOB]
        db.session.commit()
        assert db.session.query(Job).filter_by(kind=NOTIFY_DUE_JOB).count() == 2
        assert db.session.query(Notification).count() == count
