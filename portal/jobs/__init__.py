"""Background jobs: RQ on Redis (PORTAL_REDIS_URL), or inline after the commit without it.

    from portal import jobs
    job = jobs.enqueue(actor, "ledger_import.run", subject=("ledger_import", 7))
    db.session.commit()   # handed to a worker (or run here) only once this commits

A kind is registered by the domain that owns the work, with `@jobs.job_kind(...)`.
"""

from portal.jobs.registry import job_kind
from portal.jobs.services import active_for, enqueue, is_failed, latest_for, retry

__all__ = ["active_for", "enqueue", "is_failed", "job_kind", "latest_for", "retry"]
