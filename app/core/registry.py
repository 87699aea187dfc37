"""What each feature contributes to the shared screens and to the features below it,
registered when the app is built: ``create_app`` calls each feature's ``init_app``, which
adds its part here. Core, the shell and the lower features read these and import no
feature above them (the layers in ``.importlinter``).

- top-bar counters: ``name -> counter(session, user)``, shown in the top bar of every page
  and on the landing page (``app/web/topbar.py``);
- landing cards: ``name -> card(session, user, counts)`` returning the landing page's
  template values (``app/web/index.py``);
- services: ``name -> function`` a lower feature calls and a higher one provides (the
  incoming screens print their slip with the registers' PDF builder and answer a recall
  through the outgoing side);
- background jobs: ``kind -> body(session, **arguments)``, run by ``app/jobs`` after the
  commit that queued them (the trust roots' re-verification, …);
- security labels: how the role screens name a feature's resources (``name -> (area,
  label, what it allows)``) and its own permissions (``name -> (label, what it allows)``),
  merged into the table of ``app/security/labels.py``;
- periodic jobs: ``kind -> interval``, queued by ``flask qlvb jobs run-due`` (the timer
  that already runs it) once in each interval (the notice of work files due);
- list actions: ``resource -> [ListAction]``, a higher feature's action on the selected
  rows of a lower feature's lists (put documents in a work file)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, NamedTuple

from flask import Flask, current_app
from sqlalchemy.orm import Session

TopBarCounter = Callable[[Session, Any], Any]
LandingCard = Callable[[Session, Any, dict[str, Any]], dict[str, Any]]
JobBody = Callable[..., object]  # body(session, **arguments)


class ResourceLabel(NamedTuple):
    """A resource (FAB's view menu) on the role screens: the area it is grouped under
    (a key of ``app.security.labels.AREAS``), its name and one line on what it gives."""

    area: str
    label: Any  # a lazy string
    allows: Any


class PermissionLabel(NamedTuple):
    """A permission (FAB's action) on the role screens: its name and what it allows."""

    label: Any
    allows: Any
@dataclass(frozen=True)
class ListAction:
    """An action on the selected rows of the lists of ``resource`` (FAB's multi-select
    actions): shown to those who hold ``permission`` on ``on``; ``run(view, rows)`` answers
    the request (usually a redirect to the feature's own screen, which checks again)."""

    name: str
    text: Any
    icon: str
    permission: str
    on: str
    run: Callable[[Any, list[Any]], Any]
    confirmation: str = ""


@dataclass
class Contributions:
    top_bar: dict[str, TopBarCounter] = field(default_factory=dict)
    landing: dict[str, LandingCard] = field(default_factory=dict)
    services: dict[str, Callable[..., Any]] = field(default_factory=dict)
    jobs: dict[str, JobBody] = field(default_factory=dict)
    resource_labels: dict[str, ResourceLabel] = field(default_factory=dict)
    permission_labels: dict[str, PermissionLabel] = field(default_factory=dict)
    periodic: dict[str, timedelta] = field(default_factory=dict)
    list_actions: dict[str, list[ListAction]] = field(default_factory=dict)


def contributions(app: Flask | None = None) -> Contributions:
    """The contributions registered on ``app`` (the current app by default)."""
    extensions = (app if app is not None else current_app).extensions
    return extensions.setdefault("qlvb.contributions", Contributions())


def add_top_bar(app: Flask, name: str, counter: TopBarCounter) -> None:
    contributions(app).top_bar[name] = counter


def add_landing(app: Flask, name: str, card: LandingCard) -> None:
    contributions(app).landing[name] = card


def provide(app: Flask, name: str, function: Callable[..., Any]) -> None:
    contributions(app).services[name] = function


def service(name: str) -> Callable[..., Any]:
    """The function registered as ``name`` on the current app."""
    try:
        return contributions().services[name]
    except KeyError:
        raise LookupError(f"no feature provides {name!r}: create_app registers it") from None


def add_job(app: Flask, kind: str, body: JobBody) -> None:
    contributions(app).jobs[kind] = body


def job_body(kind: str) -> JobBody:
    """The body registered for the job ``kind`` on the current app."""
    try:
        return contributions().jobs[kind]
    except KeyError:
        raise LookupError(f"no feature provides the job {kind!r}: create_app registers it"
                          ) from None


def add_security_labels(app: Flask, resources: dict[str, ResourceLabel] | None = None,
                        permissions: dict[str, PermissionLabel] | None = None) -> None:
    """Name a feature's resources and permissions on the role screens (a resource or
    permission without a name there fails tests/security/test_role_labels.py)."""
    contributions(app).resource_labels.update(resources or {})
    contributions(app).permission_labels.update(permissions or {})
def add_periodic(app: Flask, kind: str, every: timedelta) -> None:
    """Queue the job ``kind`` (registered with ``add_job``) once in every ``every``, from
    ``flask qlvb jobs run-due``."""
    contributions(app).periodic[kind] = every


def add_list_action(app: Flask, resource: str, action: ListAction) -> None:
    contributions(app).list_actions.setdefault(resource, []).append(action)


def list_actions(resource: str) -> list[ListAction]:
    """The actions contributed to the lists of ``resource`` on the current app."""
    return list(contributions().list_actions.get(resource, ()))
