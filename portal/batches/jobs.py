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
LETTERS = "write_off_batch.letters"
SUBJECT = "write_off_batch"


@job_kind(BUILD, label=_l("Building a batch write-off"), view_action=access.PREPARE_BATCH,
          retry_action=access.PREPARE_BATCH, subject_endpoint=("batches.show", "batch_id"))
def build(context: JobContext) -> None:
    batch = db.session.get(WriteOffBatch, context.subject_id)
    if batch is None:
        raise LookupError(f"write-off batch {context.subject_id} does not exist")
    services.batch_build(context.actor, batch)


@job_kind(LETTERS, label=_l("Letters of a final batch write-off"), view_action=access.PREPARE_BATCH,
          retry_action=access.PREPARE_BATCH, subject_endpoint=("batches.show", "batch_id"))
def letters(context: JobContext) -> None:
    """A final write-off's letters to its customers: thousands of pages take longer than the
    decider's request should, so they are made after the decision is committed."""
    from portal.batches.pdf import letters_issue

    batch = db.session.get(WriteOffBatch, context.subject_id)
    if batch is None:
        raise LookupError(f"write-off batch {context.subject_id} does not exist")
    letters_issue(context.actor, batch)
