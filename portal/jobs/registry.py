"""The kinds of background job: each domain registers its own (name, label, who sees and retries it,
the function that does the work). A worker knows a kind because create_app imports the domain."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from portal.jobs.runner import JobContext


@dataclass(frozen=True)
class JobKind:
    name: str
    label: Any  # a lazy Swedish label
    view_action: str  # portal.access action: who sees jobs of this kind (and their errors)
    retry_action: str  # portal.access action: who may run a failed one again
    run: Callable[[JobContext], None] = field(compare=False)
    # At most one waiting or running job of this kind per subject (a file is imported once at a time).
    one_per_subject: bool = True
    timeout_seconds: int = 3600  # the worker stops a job that runs longer (RQ's job timeout)
    # The page that shows the subject: (endpoint, keyword of its id), for links from the jobs page.
    subject_endpoint: tuple[str, str] | None = None


_kinds: dict[str, JobKind] = {}


def job_kind(name: str, *, label: Any, view_action: str, retry_action: str, one_per_subject: bool = True,
             timeout_seconds: int = 3600, subject_endpoint: tuple[str, str] | None = None):
    """Register the decorated function as the work of a job kind: run(context) -> None.

    The function runs in one transaction: what it writes is committed together with the job's state
    "done"; if it raises, nothing it wrote stays and the job is "failed" with the error.
    """

    def decorate(run: Callable[[JobContext], None]):
        _kinds[name] = JobKind(name, label, view_action, retry_action, run, one_per_subject,
                               timeout_seconds, subject_endpoint)
        return run

    return decorate


def get(name: str) -> JobKind | None:
    return _kinds.get(name)


def kinds() -> list[JobKind]:
    return list(_kinds.values())
