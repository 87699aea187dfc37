"""The job runner without Redis (the embedded default): a job runs after the commit of the
transaction that queued it and never after a rollback; the same dedupe key gives the same
job; a failure is kept with its error and tried again when due; a job runs once however
often it is delivered."""

from datetime import timedelta

import pytest

from app.jobs.models import Job
from tests.conftest import rows
from tests.jobs.conftest import KIND, fail_every_try, queue


def test_a_job_runs_after_the_commit_not_before(app, counter):
    from app.extensions import db
    from app.jobs import runner

    with app.app_context():
        job_id = runner.enqueue(db.session, KIND, {"label": "a"}).id
        assert counter.runs == []  # queued, not run: the transaction is still open
        db.session.commit()
        assert counter.runs == ["a"]
        db.session.remove()
    (row,) = rows(app, Job, kind=KIND)
    assert row["id"] == job_id and row["state"] == "done" and row["attempts"] == 1
    assert row["arguments"] == {"label": "a"} and row["finished_at"] is not None


def test_a_rolled_back_job_never_runs(app, counter):
    queue(app, "gone", commit=False)
    queue(app, "kept")  # a later commit does not run the rolled-back one
    assert counter.runs == ["kept"]
    assert [r["arguments"]["label"] for r in rows(app, Job, kind=KIND)] == ["kept"]


def test_the_same_dedupe_key_gives_the_same_job(app, counter):
    from app.extensions import db
    from app.jobs import runner

    with app.app_context():
        first = runner.enqueue(db.session, KIND, {"label": "x"}, dedupe_key="k")
        second = runner.enqueue(db.session, KIND, {"label": "x"}, dedupe_key="k")
        assert first is second
        db.session.commit()
        db.session.remove()
    assert counter.runs == ["x"]
    # Once done, the key asks for the work again.
    queue(app, "x", dedupe_key="k")
    assert counter.runs == ["x", "x"] and len(rows(app, Job, kind=KIND)) == 2


def test_an_unknown_kind_is_refused_when_queued(app):
    from app.extensions import db
    from app.jobs import runner

    with app.app_context(), pytest.raises(LookupError):
        runner.enqueue(db.session, "no.such.job")


def test_a_failure_is_kept_and_tried_again_when_due(app, counter):
    from app.extensions import db
    from app.jobs import runner

    counter.failures = 1
    job_id = queue(app, "flaky")
    (row,) = rows(app, Job, kind=KIND)
    assert row["state"] == "queued" and row["attempts"] == 1
    assert row["last_error"] == "RuntimeError: the work of flaky failed"
    assert row["run_after"] is not None
    with app.app_context():
        assert runner.run_due() == 0  # not yet due (10 s)
        db.session.get(Job, job_id).run_after -= timedelta(seconds=runner.BACKOFF[0])
        db.session.commit()
        assert runner.run_due() == 1
        db.session.remove()
    (row,) = rows(app, Job, kind=KIND)
    assert row["state"] == "done" and row["attempts"] == 2 and counter.runs == ["flaky"]


def test_a_job_failing_every_try_ends_failed(app, counter):
    from app.jobs import runner

    fail_every_try(app, counter)
    (row,) = rows(app, Job, kind=KIND)
    assert row["state"] == "failed" and row["attempts"] == runner.MAX_ATTEMPTS
    assert "broken" in row["last_error"] and counter.runs == []
    with app.app_context():
        assert runner.run_due() == 0  # a failed job waits for the admin


def test_a_job_delivered_twice_runs_once(app, counter):
    from app.extensions import db
    from app.jobs import runner
    from app.jobs.models import JobState

    with app.app_context():
        job = runner.enqueue(db.session, KIND, {"label": "once"})
        job_id = job.id
        db.session.info.pop("qlvb.jobs.pending")  # handed on by hand below
        db.session.commit()
        assert runner.run(job_id) == JobState.DONE
        assert runner.run(job_id) is None
        assert runner.run_due() == 0
        db.session.remove()
    assert counter.runs == ["once"]


def test_a_job_left_running_by_a_dead_worker_runs_again(app, counter):
    from app.core.timeutil import utcnow
    from app.extensions import db
    from app.jobs import runner

    with app.app_context():
        job = runner.enqueue(db.session, KIND, {"label": "orphan"})
        db.session.info.pop("qlvb.jobs.pending")
        job.state, job.attempts = "running", 1
        job.started_at = utcnow() - runner.STALE_AFTER - timedelta(minutes=1)
        db.session.commit()
        assert runner.run_due() == 1
        db.session.remove()
    assert counter.runs == ["orphan"] and rows(app, Job, kind=KIND)[0]["state"] == "done"


def test_a_job_queued_by_a_job_runs_after_it(app, counter):
    from app.core.registry import add_job
    from app.extensions import db
    from app.jobs import runner

    def parent(session, **_):
        runner.enqueue(session, KIND, {"label": "child"})
        counter.runs.append("parent")

    add_job(app, "test.parent", parent)
    with app.app_context():
        runner.enqueue(db.session, "test.parent")
        db.session.commit()
        db.session.remove()
    assert counter.runs == ["parent", "child"]
    assert [r["state"] for r in rows(app, Job)] == ["done", "done"]


def test_the_commands_without_redis(app, counter):
    from app.extensions import db
    from app.jobs import runner

    cli = app.test_cli_runner()
    result = cli.invoke(args=["qlvb", "worker"])
    assert result.exit_code != 0 and "REDIS_URL" in result.output
    counter.failures = 1
    job_id = queue(app, "later")
    with app.app_context():
        db.session.get(Job, job_id).run_after = None
        db.session.commit()
        db.session.remove()
    result = cli.invoke(args=["qlvb", "jobs", "run-due"])
    assert result.exit_code == 0 and "ran 1 job(s)" in result.output
    assert counter.runs == ["later"] and runner.MAX_ATTEMPTS == 4


def test_deliveries_at_the_same_instant_run_the_body_once(app, counter):
    import threading
    import time

    from app.core.registry import add_job
    from app.extensions import db
    from app.jobs import runner

    def slow(session, **_):
        time.sleep(0.2)
        counter.runs.append("slow")

    add_job(app, "test.slow", slow)
    with app.app_context():
        job_id = runner.enqueue(db.session, "test.slow").id
        db.session.info.pop("qlvb.jobs.pending")  # delivered by the threads below
        db.session.commit()
        db.session.remove()
    barrier = threading.Barrier(4)
    results, errors = [], []

    def deliver():
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                results.append(runner.run(job_id))
                db.session.remove()
        except BaseException as error:  # noqa: BLE001 — reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert counter.runs == ["slow"] and results.count(None) == 3
    (row,) = rows(app, Job, kind="test.slow")
    assert row["state"] == "done" and row["attempts"] == 1
