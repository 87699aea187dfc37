"""One row per background job: what to run (its kind, registered by a feature, and its
arguments), where it stands, how often it was tried and why it last failed."""

from __future__ import annotations

import enum
from typing import Any

from flask_appbuilder import Model
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text

from app.core.audit import ACTION_LABELS
from app.core.timeutil import utcnow


class JobState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


STATE_LABELS = {
    JobState.QUEUED: _l("Queued"),
    JobState.RUNNING: _l("Running"),
    JobState.DONE: _l("Done"),
    JobState.FAILED: _l("Failed"),
}

# What the admin reads for each kind of job (features add theirs).
KIND_LABELS: dict[str, Any] = {}

# States in which a job with the same dedupe key is the same job.
ACTIVE_STATES = (JobState.QUEUED.value, JobState.RUNNING.value)


class Job(Model):
    """A background job: queued in a business transaction, run after its commit."""

    __tablename__ = "background_job"
    id = Column(Integer, primary_key=True)
    kind = Column(String(100), nullable=False, index=True)
    arguments = Column(JSON, nullable=False, default=dict)
    # Queueing a job with the key of one queued or running gives that one.
    dedupe_key = Column(String(200), index=True)
    state = Column(String(10), nullable=False, default=JobState.QUEUED.value, index=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(Text)
    result = Column(JSON)  # what the body returned (a dict), for whoever waits on it
    run_after = Column(DateTime)  # the next try after a failure (inline mode)
    created_at = Column(DateTime, nullable=False, default=utcnow)
    started_at = Column(DateTime)
    finished_at = Column(DateTime)
    # A job a user asked for on a page (a year's register, a search export): only they see
    # its progress and take its result, a file of the store.
    user_id = Column(Integer, ForeignKey("ab_user.id", ondelete="SET NULL"), index=True)
    result_sha256 = Column(String(64))
    result_name = Column(String(255))
    result_mime = Column(String(100))

    def state_label(self) -> str:
        return str(STATE_LABELS.get(JobState(self.state), self.state))

    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))

    def __repr__(self) -> str:
        return f"{self.kind} #{self.id}"


AUDIT_ACTIONS = {
    "background_job_retried": _l("Background job retried"),
}


def _register() -> None:
    ACTION_LABELS.update(AUDIT_ACTIONS)


_register()
