"""Building a batch as a background job: a filter over a large ledger or a file of thousands of
invoice numbers takes longer than a request should (README "Bakgrundsjobb")."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal import access
from portal.batches import services
from portal.batches.models import WriteOffBatch
from portal.extensions import db
from portal.jobs import job_kind
from portal.jobs.runner import JobContext

BUILD = "write_off_batch.build"
SUBJECT = "write_off_batch"


@job_kind(BUILD, label=_l("Building a batch write-off"), view_action=access.PREPARE_BATCH,
          retry_action=access.PREPARE_BATCH, subject_endpoint=("batches.show", "batch_id"))
def build(context: JobContext) -> None:
    batch = db.session.get(WriteOffBatch, context.subject_id)
    if batch is None:
        raise LookupError(f"write-off batch {context.subject_id} does not exist")
    services.batch_build(context.actor, batch)
