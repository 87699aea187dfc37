"""Fixtures of the job runner's tests: a job kind whose body counts its runs and fails
when told to, registered on the app the way a feature registers its jobs."""

import pytest

from app.core.registry import add_job

KIND = "test.count"


class Counter:
    """The body of ``test.count``: counts its runs and fails ``failures`` times first."""

    def __init__(self):
        self.runs = []
        self.failures = 0

    def __call__(self, session, label="", **_):
        if self.failures:
            self.failures -= 1
            raise RuntimeError(f"the work of {label} failed")
        self.runs.append(label)


def register_counter(app):
    body = Counter()
    add_job(app, KIND, body)
    return body


@pytest.fixture
def counter(app):
    return register_counter(app)


def queue(app, label, commit=True, dedupe_key=None):
    """Queue ``test.count`` in a transaction of its own; the job's id."""
    from app.extensions import db
    from app.jobs import runner

    with app.app_context():
        job = runner.enqueue(db.session, KIND, {"label": label}, dedupe_key=dedupe_key)
        job_id = job.id
        if commit:
            db.session.commit()
        else:
            db.session.rollback()
        db.session.remove()
    return job_id


def fail_every_try(app, counter):
    """Queue ``broken`` and run it until its last try has failed; the job's id."""
    from app.extensions import db
    from app.jobs import runner
    from app.jobs.models import Job

    counter.failures = runner.MAX_ATTEMPTS
    job_id = queue(app, "broken")
    with app.app_context():
        for _ in range(runner.MAX_ATTEMPTS - 1):
            db.session.get(Job, job_id).run_after = None
            db.session.commit()
            runner.run_due()
        db.session.remove()
    return job_id
