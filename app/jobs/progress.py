"""What a user sees of a job they asked for on a page — a year's registers to bind
(docs/domain.md §7), a search export: its percent while it runs and its result file when
done.

The percent is kept outside the database — in Redis when ``REDIS_URL`` is set (every web
worker reads what the RQ worker writes), else in this process (inline jobs run in the
request that queued them) — because the job's row is locked by the transaction that runs
it, and a progress write on that row would wait for its own job."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import current_app
from sqlalchemy.orm import Session

from app.core import storage
from app.core.storage import StoredFile
from app.jobs.models import Job, JobState

log = logging.getLogger(__name__)

_current: ContextVar[int | None] = ContextVar("qlvb_jobs_current", default=None)
_LOCAL: dict[int, int] = {}
TTL_SECONDS = 7 * 24 * 3600

storage.register_reference(Job.result_sha256)


def _key(job_id: int) -> str:
    return f"qlvb:job:{job_id}:progress"


@contextmanager
def running(job_id: int) -> Iterator[None]:
    """The job whose progress ``report`` sets while its body runs."""
    token = _current.set(job_id)
    try:
        yield
    finally:
        _current.reset(token)


def current_job_id() -> int | None:
    return _current.get()


def set_percent(job_id: int, percent: int) -> None:
    percent = max(0, min(100, int(percent)))
    if current_app.config.get("REDIS_URL"):
        from app.jobs.runner import redis_connection

        try:
            redis_connection().set(_key(job_id), percent, ex=TTL_SECONDS)
            return
        except Exception:  # progress is a courtesy: the work goes on without Redis
            log.warning("jobs: progress of #%s not written to Redis", job_id, exc_info=True)
    _LOCAL[job_id] = percent


def report(done: int, total: int) -> None:
    """The running job has done ``done`` of ``total`` steps (no-op outside a job)."""
    job_id = _current.get()
    if job_id is not None and total > 0:
        set_percent(job_id, done * 100 // total)


def percent(job: Job) -> int:
    """How far ``job`` is, 0–100 (100 once done)."""
    if job.state == JobState.DONE.value:
        return 100
    value: Any = _LOCAL.get(job.id)
    if current_app.config.get("REDIS_URL"):
        from app.jobs.runner import redis_connection

        try:
            value = redis_connection().get(_key(job.id)) or value
        except Exception:
            log.warning("jobs: progress of #%s not read from Redis", job.id, exc_info=True)
    try:
        return max(0, min(99, int(value or 0)))
    except (TypeError, ValueError):
        return 0


def set_result(session: Session, stored: StoredFile, name: str, mime: str) -> None:
    """The running job's result: ``stored`` (already in the store), downloaded as
    ``name``; written in the job's own transaction."""
    job_id = _current.get()
    if job_id is None:
        raise RuntimeError("set_result outside a running job")
    job = session.get(Job, job_id)
    assert job is not None
    job.result_sha256 = stored.sha256
    job.result_name = name[:255]
    job.result_mime = mime[:100]
