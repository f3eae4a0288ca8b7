"""The ledger import as background jobs: previewing and importing a file read it whole, which takes
longer than a web request may (a million rows: about a minute), so both run on the job queue.

The work is imports.py's, unchanged: read the file (a ledger's rows into a temporary staging table,
which locks nothing the progress writes need; progress committed aside), then preview or import in
the same transaction, which the job runner commits together with the job's "done", so a worker
killed mid-import leaves nothing half-imported (the staging table vanishes with the transaction).
"""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal import access
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.jobs import job_kind
from portal.jobs.runner import JobContext
from portal.receivables import imports
from portal.receivables.models import ImportState, LedgerImport

PREVIEW = "ledger_import.preview"
RUN = "ledger_import.run"
KINDS = (PREVIEW, RUN)
SUBJECT = "ledger_import"


def check_can_start(ledger_import: LedgerImport, kind: str) -> None:
    """Refuse at once what the job would refuse (imports.import_job and imports.run say the same)."""
    if ledger_import.state == ImportState.IMPORTED:
        raise ValidationFailed({"state": _("The file has already been imported.")})
    if kind == RUN and ledger_import.state not in (ImportState.UPLOADED, ImportState.PREVIEWED):
        raise ValidationFailed({"state": _("Only a file without errors that is not yet imported "
                                           "can be imported.")})


def previews_in_request(ledger_import: LedgerImport) -> bool:
    """A small file (a bank file of a day's payments, a short ledger export) is previewed in the
    request itself: the answer is on the page at once, with no job to wait for. Larger files, and
    every import, go on the queue."""
    return ledger_import.size_bytes <= current_app.config["IMPORT_PREVIEW_IN_REQUEST_BYTES"]


def preview_now(actor, ledger_import: LedgerImport) -> LedgerImport:
    """The preview job's work, in the caller's transaction (read, count or list the errors, audit)."""
    check_can_start(ledger_import, PREVIEW)
    return imports.preview(actor, ledger_import, imports.read_file(imports.import_job(ledger_import)))


def _read_and(context: JobContext, step) -> None:
    ledger_import = db.session.get(LedgerImport, context.subject_id)
    if ledger_import is None:
        raise LookupError(f"ledger import {context.subject_id} does not exist")
    job = imports.import_job(ledger_import)
    db.session.commit()  # imports.ProgressWriter: the file is read outside any transaction
    writer = imports.ProgressWriter(job.import_id)

    def progress(rows_read: int, final: bool = False) -> None:
        writer(rows_read, final)
        context.progress(rows_read, final=final)

    parsed = imports.read_file(job, progress)
    import_id = job.import_id
    del job  # the file's bytes: a ledger's rows are in the staging table now
    step(context.actor, db.session.get(LedgerImport, import_id), parsed)


@job_kind(PREVIEW, label=_l("Ledger file preview"), view_action=access.VIEW_IMPORTS,
          retry_action=access.IMPORT_LEDGER, subject_endpoint=("receivables.import_detail", "import_id"))
def preview(context: JobContext) -> None:
    _read_and(context, imports.preview)


@job_kind(RUN, label=_l("Ledger file import"), view_action=access.VIEW_IMPORTS,
          retry_action=access.IMPORT_LEDGER, subject_endpoint=("receivables.import_detail", "import_id"))
def run(context: JobContext) -> None:
    _read_and(context, imports.run)
