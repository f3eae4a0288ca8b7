"""The demo's past month ends: the overdue receivables kept at the end of each of the last months, so
the overdue report's trend has a history from the first run (a real installation gathers it with
`flask portal snapshot-month`, one month at a time).

The demo ledger is loaded once, today; its payments file says when each payment came in. A month
end's overdue receivables are rebuilt from that: the invoices due before the month end and invoiced by
then, with today's open amount plus what was paid after the month end. Each month end is kept
through the same service as the command's, marked in the trail as rebuilt from the demo ledger.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, literal_column, select

from portal import clock
from portal.audit.services import SYSTEM
from portal.receivables.models import CLOSED_STAGES, Invoice, Payment
from portal.reports import finance_reports
from portal.reports.services import month_end_keep, month_ended_before

DEMO_MONTH_ENDS = 12
# Stages that ended an invoice without payment; a paid invoice was open at the month ends before it was paid.
ENDED_UNPAID = tuple(sorted(CLOSED_STAGES - {"paid"}))


def month_ends(today: date, months: int = DEMO_MONTH_ENDS) -> list[date]:
    """The last `months` month ends before today, oldest first."""
    ends = [month_ended_before(today)]
    while len(ends) < months:
        ends.append(month_ended_before(ends[-1]))
    return ends[::-1]


def _lines(month_end: date):
    def lines(snapshot_id):
        paid_later = (select(Payment.invoice_id, func.sum(Payment.amount_ore).label("amount"))
                      .where(Payment.payment_date > month_end).group_by(Payment.invoice_id).subquery())
        open_then = Invoice.open_amount_ore + func.coalesce(paid_later.c.amount, 0)
        bucket = finance_reports.bucket_sql(month_end)
        return (select(snapshot_id, Invoice.org_unit_id, bucket, func.count(), func.sum(open_then))
                .outerjoin(paid_later, paid_later.c.invoice_id == Invoice.id)
                .where(Invoice.due_date < month_end, Invoice.invoice_date <= month_end,
                       open_then > literal_column("0"), Invoice.collection_stage.not_in(ENDED_UNPAID))
                .group_by(Invoice.org_unit_id, bucket))
    return lines


def seed_month_ends(months: int = DEMO_MONTH_ENDS) -> str:
    """Keep each of the last `months` month ends not kept before (a later run adds none twice)."""
    kept = sum(month_end_keep(SYSTEM, month_end, _lines(month_end), source="demo").new
               for month_end in month_ends(clock.today(), months))
    return f"{kept} month-end snapshots of overdue receivables"
