"""The send job: after a transaction that recorded mail events commits, a worker sends them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import access
from portal.jobs import job_kind
from portal.jobs.runner import JobContext
from portal.notify import services
from portal.notify.events import SEND_JOB


@job_kind(SEND_JOB, label=_l("Sending reminders by e-mail"), view_action=access.MANAGE_MAIL,
          retry_action=access.MANAGE_MAIL, one_per_subject=False, timeout_seconds=1800)
def send(context: JobContext) -> None:
    services.run(scan=bool(context.params.get("scan")))
