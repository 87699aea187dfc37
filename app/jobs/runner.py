"""Queue a background job in a business transaction; run it after that transaction commits.

``enqueue(session, kind, arguments, dedupe_key)`` adds the job's row to the caller's
transaction: a rolled-back transaction leaves no job, and nothing is handed to a worker
before the commit. After the commit (the session's ``after_commit``) each job queued in it
is handed on — to RQ over Redis when ``REDIS_URL`` is set, else run at once in this process
(inline, the embedded default). The bodies are registered by the features under their kind
(``app.core.registry.add_job``), so this module imports none of them.

A job body runs in its own transaction on its own session, the job's row locked
(``app.core.workflow.lock``: ``SELECT … FOR UPDATE`` on PostgreSQL), after the row was
claimed (queued → running) in a short transaction of its own: a job delivered twice (a
worker retried by RQ, ``run-due`` beside a worker) runs once. A failure is kept on the row
with its error; the job is tried again after ``BACKOFF`` (by RQ's ``Retry`` on Redis, by
``flask qlvb jobs run-due`` inline) until ``MAX_ATTEMPTS``, then stays failed until the
admin's "Thử lại" (*Quản trị → Tác vụ nền*)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_app_context
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session, SessionTransaction

from app.core import audit
from app.core.registry import contributions, job_body
from app.core.timeutil import utcnow
from app.core.workflow import lock
from app.extensions import db
from app.jobs import progress
from app.jobs.models import ACTIVE_STATES, Job, JobState

log = logging.getLogger(__name__)

# Seconds before the second, third and fourth try of a failed job.
BACKOFF = (10, 60, 300)
MAX_ATTEMPTS = len(BACKOFF) + 1
# A job still "running" this long after it started was left by a worker that died.
STALE_AFTER = timedelta(hours=1)
_PENDING = "qlvb.jobs.pending"
# The jobs an inline run still has to run (a job may queue others).
_draining: ContextVar[list[int] | None] = ContextVar("qlvb_jobs_draining", default=None)


class RetryLater(RuntimeError):
    """Raised to RQ when a try failed and the job is to be tried again (RQ's ``Retry``)."""


# -- queueing ---------------------------------------------------------------------------

def enqueue(session: Session, kind: str, arguments: dict[str, Any] | None = None,
            dedupe_key: str | None = None, user_id: int | None = None) -> Job:
    """Queue the job ``kind`` with ``arguments`` (JSON) in the caller's transaction; it is
    handed on after the commit. While a job of the same ``dedupe_key`` is queued or running,
    that job is returned instead of a new one (the same work is asked for once).
    ``user_id``: the user who asked for it on a page, who alone follows it there
    (app.jobs.progress)."""
    job_body(kind)  # an unknown kind is refused now, not in a worker later
    if dedupe_key:
        existing = session.scalars(
            select(Job).where(Job.dedupe_key == dedupe_key, Job.state.in_(ACTIVE_STATES))
            .order_by(Job.id).limit(1)).first()
        if existing is not None:
            return existing
    job = Job(kind=kind, arguments=dict(arguments or {}), dedupe_key=dedupe_key,
              state=JobState.QUEUED.value, attempts=0, created_at=utcnow(), user_id=user_id)
    session.add(job)
    session.flush()
    _pending(session).append(job.id)
    return job


def retry(session: Session, job: Job, user: Any = None) -> bool:
    """The admin's "Thử lại": a failed job is queued again with a new round of tries,
    handed on after the commit; False when the job has not failed."""
    lock(session, job)
    if job.state != JobState.FAILED.value:
        return False
    job.state = JobState.QUEUED.value
    job.attempts = 0
    job.run_after = None
    job.finished_at = None
    audit.record(session, "background_job_retried", job, user=user,
                 details={"kind": job.kind, "error": job.last_error})
    _pending(session).append(job.id)
    return True


def _pending(session: Session) -> list[int]:
    pending: list[int] = session.info.setdefault(_PENDING, [])
    return pending


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    ids = session.info.pop(_PENDING, None)
    if ids:
        dispatch(ids)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    # A transaction that ends without its commit (rolled back, closed) hands on nothing.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def dispatch(ids: Iterable[int]) -> None:
    """Hand committed jobs on: to RQ, or run them here. A job not handed on (Redis down)
    stays queued for ``run-due``."""
    ids = list(ids)
    if not has_app_context():
        log.warning("jobs: %s queued outside an app context; run-due runs them", ids)
        return
    if current_app.config.get("REDIS_URL"):
        try:
            _to_rq(ids)
        except Exception:
            log.exception("jobs: %s not handed to RQ; `flask qlvb jobs run-due` runs them", ids)
        return
    draining = _draining.get()
    if draining is not None:  # queued by a job being run inline: run after it
        draining.extend(ids)
        return
    draining = list(ids)
    token = _draining.set(draining)
    try:
        while draining:
            job_id = draining.pop(0)
            try:
                run(job_id)
            except Exception:  # the database failed us: the committed work stands
                log.exception("jobs: #%s not run; `flask qlvb jobs run-due` runs it", job_id)
    finally:
        _draining.reset(token)


# -- RQ --------------------------------------------------------------------------------

def redis_connection() -> Any:
    """The app's Redis connection (one pool per app)."""
    import redis

    extensions = current_app.extensions
    if "qlvb.jobs.redis" not in extensions:
        extensions["qlvb.jobs.redis"] = redis.Redis.from_url(current_app.config["REDIS_URL"])
    return extensions["qlvb.jobs.redis"]


def rq_queue() -> Any:
    """The app's RQ queue (``JOBS_QUEUE``)."""
    from rq import Queue

    return Queue(current_app.config.get("JOBS_QUEUE") or "qlvb",
                 connection=redis_connection())


def _to_rq(ids: list[int]) -> None:
    from rq import Retry

    queue = rq_queue()
    for job_id in ids:
        queue.enqueue_call(perform, args=(job_id,), description=f"qlvb job #{job_id}",
                           retry=Retry(max=len(BACKOFF), interval=list(BACKOFF)),
                           failure_ttl=7 * 24 * 3600)


def perform(job_id: int) -> str:
    """What an RQ worker runs (in the app context of ``flask qlvb worker``)."""
    state = run(job_id)
    if state == JobState.QUEUED:
        raise RetryLater(f"background job #{job_id} failed; it is tried again")
    return str(state or "skipped")


def work(burst: bool = False) -> None:
    """Run an RQ worker on the app's queue in this process (``flask qlvb worker``); the
    jobs run in the caller's app context."""
    from rq import SimpleWorker

    queue = rq_queue()
    # SimpleWorker runs each job in this process: no fork sharing the database
    # connections of the parent.
    SimpleWorker([queue], connection=queue.connection).work(burst=burst, with_scheduler=True)


# -- running ----------------------------------------------------------------------------

def run(job_id: int, due_only: bool = False) -> JobState | None:
    """Claim the job and run its body in a transaction of its own; the state it ends in,
    or None when it was not there to claim (already taken, done, not yet due)."""
    session: Session = db.session.session_factory()
    try:
        attempt = _claim(session, job_id, due_only)
        if attempt is None:
            return None
        return _execute(session, job_id, attempt)
    finally:
        session.close()


def _claim(session: Session, job_id: int, due_only: bool) -> int | None:
    job = session.get(Job, job_id)
    if job is None:
        session.rollback()
        return None
    lock(session, job)
    due = job.run_after is None or job.run_after <= utcnow()
    if job.state != JobState.QUEUED.value or (due_only and not due):
        session.rollback()
        return None
    job.state = JobState.RUNNING.value
    job.attempts += 1
    job.started_at = utcnow()
    job.finished_at = None
    attempt = job.attempts
    session.commit()
    return attempt


def _execute(session: Session, job_id: int, attempt: int) -> JobState | None:
    job = session.get(Job, job_id)
    if job is None:
        session.rollback()
        return None
    lock(session, job)
    if job.state != JobState.RUNNING.value or job.attempts != attempt:
        session.rollback()
        return None
    kind, arguments = job.kind, dict(job.arguments or {})
    try:
        with progress.running(job_id):
            outcome = job_body(kind)(session, **arguments)
        job.result = outcome if isinstance(outcome, dict) else None
        job.state = JobState.DONE.value
        job.finished_at = utcnow()
        job.run_after = None
        session.commit()
    except Exception as error:
        session.rollback()
        log.exception("jobs: %s #%s failed (try %s)", kind, job_id, attempt)
        return _failed(session, job_id, attempt, error)
    log.info("jobs: %s #%s done", kind, job_id)
    return JobState.DONE


def _failed(session: Session, job_id: int, attempt: int, error: Exception) -> JobState:
    job = session.get(Job, job_id)
    assert job is not None  # claimed above
    lock(session, job)
    job.last_error = f"{type(error).__name__}: {error}"[:4000]
    if attempt >= MAX_ATTEMPTS:
        job.state = JobState.FAILED.value
        job.finished_at = utcnow()
        job.run_after = None
    else:
        job.state = JobState.QUEUED.value
        job.run_after = utcnow() + timedelta(seconds=BACKOFF[attempt - 1])
    session.commit()
    return JobState(job.state)


def run_due(limit: int = 100) -> int:
    """Run the queued jobs that are due (``flask qlvb jobs run-due``, e.g. from a timer):
    the retries of inline mode, jobs Redis did not take, and jobs left running by a worker
    that died (after ``STALE_AFTER``). The number of jobs run."""
    session: Session = db.session.session_factory()
    try:
        now = utcnow()
        queue_periodic(session, now)
        session.commit()  # handed on (or run inline) after this commit
        session.execute(update(Job).where(
            Job.state == JobState.RUNNING.value, Job.started_at < now - STALE_AFTER,
        ).values(state=JobState.QUEUED.value, run_after=None))
        session.commit()
        ids = list(session.scalars(select(Job.id).where(
            Job.state == JobState.QUEUED.value,
            or_(Job.run_after.is_(None), Job.run_after <= now),
        ).order_by(Job.id).limit(limit)))
        session.commit()
    finally:
        session.close()
    return sum(1 for job_id in ids if run(job_id, due_only=True) is not None)


_EPOCH = datetime(2000, 1, 1)


def queue_periodic(session: Session, now: datetime) -> list[Job]:
    """Queue each periodic job (``app.core.registry.add_periodic``) not yet queued in the
    current interval (counted in UTC from 2000-01-01): run from ``run-due``, so the timer
    that runs it every five minutes runs them too, without a timer of their own."""
    queued = []
    for kind, every in contributions().periodic.items():
        key = f"periodic:{kind}:{(now - _EPOCH) // every}"
        if session.scalar(select(Job.id).where(Job.dedupe_key == key).limit(1)) is None:
            queued.append(enqueue(session, kind, {}, key))
    return queued
