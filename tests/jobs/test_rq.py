"""The job runner on RQ with the real Redis (``REDIS_URL``, set by the CI's PostgreSQL
run): a committed job is handed to the queue, an RQ worker runs it in this process; a job
delivered twice runs once; a failed try goes back to RQ to be tried again."""

import os

import pytest

from app.jobs.models import Job
from tests.conftest import fresh_app, rows
from tests.jobs.conftest import queue, register_counter

REDIS_URL = os.environ.get("REDIS_URL")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set")


@pytest.fixture
def rq_app(database, tmp_path):
    with fresh_app(database, tmp_path, REDIS_URL=REDIS_URL,
                   JOBS_QUEUE=f"qlvb-test-{os.getpid()}") as app:
        from app.jobs.runner import rq_queue

        with app.app_context():
            rq_queue().empty()
        yield app
        with app.app_context():
            rq_queue().empty()


def _burst(app):
    from rq import SimpleWorker

    from app.jobs.runner import rq_queue

    with app.app_context():
        queue_ = rq_queue()
        SimpleWorker([queue_], connection=queue_.connection).work(burst=True)


def _waiting(app):
    from app.jobs.runner import rq_queue

    with app.app_context():
        return rq_queue().count


def test_a_committed_job_goes_to_redis_and_a_worker_runs_it(rq_app):
    counter = register_counter(rq_app)
    queue(rq_app, "gone", commit=False)
    assert _waiting(rq_app) == 0  # nothing reaches Redis before a commit
    queue(rq_app, "a")
    assert counter.runs == [] and _waiting(rq_app) == 1
    assert rows(rq_app, Job)[0]["state"] == "queued"
    _burst(rq_app)
    assert counter.runs == ["a"]
    (row,) = rows(rq_app, Job)
    assert row["state"] == "done" and row["attempts"] == 1


def test_a_job_delivered_twice_runs_once(rq_app):
    from app.jobs import runner

    counter = register_counter(rq_app)
    job_id = queue(rq_app, "once")
    with rq_app.app_context():
        runner.rq_queue().enqueue_call(runner.perform, args=(job_id,))  # a second delivery
    assert _waiting(rq_app) == 2
    _burst(rq_app)
    assert counter.runs == ["once"]
    (row,) = rows(rq_app, Job)
    assert row["state"] == "done" and row["attempts"] == 1


def test_a_failed_try_is_kept_and_left_to_rq_to_retry(rq_app):
    from rq.registry import ScheduledJobRegistry

    from app.jobs import runner

    counter = register_counter(rq_app)
    counter.failures = 1
    queue(rq_app, "flaky")
    _burst(rq_app)
    (row,) = rows(rq_app, Job)
    assert row["state"] == "queued" and row["attempts"] == 1
    assert row["last_error"] == "RuntimeError: the work of flaky failed"
    with rq_app.app_context():
        queue_ = runner.rq_queue()
        scheduled = ScheduledJobRegistry(queue=queue_)
        assert scheduled.count == 1  # RQ tries it again after BACKOFF[0]
        # The retry as RQ's scheduler would deliver it, now.
        for rq_id in scheduled.get_job_ids():
            scheduled.remove(rq_id)
            queue_.enqueue_job(queue_.fetch_job(rq_id))
    _burst(rq_app)
    assert counter.runs == ["flaky"]
    (row,) = rows(rq_app, Job)
    assert row["state"] == "done" and row["attempts"] == 2


def test_flask_qlvb_worker_runs_the_queue(rq_app):
    counter = register_counter(rq_app)
    queue(rq_app, "from the command")
    result = rq_app.test_cli_runner().invoke(args=["qlvb", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert counter.runs == ["from the command"]
    assert rows(rq_app, Job)[0]["state"] == "done"


def test_year_bundle_on_rq_shows_progress_then_its_result(rq_app, world):
    """On RQ the page shows the job queued (and refreshing) until a worker runs it; the
    percent the worker writes in Redis is what every web worker reads."""
    from app.jobs import progress
    from tests.conftest import client_for

    c = client_for(rq_app, "vanthu.vphu")
    resp = c.get(f"/registers/bundle?unit={world.ids['vphu']}&year=2026")
    page_url = resp.headers["Location"]
    job_id = int(page_url.rsplit("/", 1)[1])
    html = c.get(page_url).get_data(as_text=True)
    assert 'http-equiv="refresh"' in html and "Tải kết quả" not in html
    with rq_app.app_context():
        progress.set_percent(job_id, 37)
        from app.extensions import db

        assert progress.percent(db.session.get(Job, job_id)) == 37
        db.session.remove()
    assert 'aria-valuenow="37"' in c.get(page_url).get_data(as_text=True)
    _burst(rq_app)
    html = c.get(page_url).get_data(as_text=True)
    assert 'aria-valuenow="100"' in html and "Tải kết quả" in html
    assert c.get(page_url + "/result").status_code == 200
