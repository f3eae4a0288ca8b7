"""The words for what stands in the way of a case on its invoices (RULINGS 15), in one place: the
refusals at add-invoice and submission and the warnings on the case page all come from here."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import has_request_context, url_for
from flask_babel import gettext as _
from markupsafe import Markup, escape

from portal.cases.rules import HoldKind, InvoiceHold, OtherCase
from portal.money import format_money


def _fill(template: str, **values) -> Markup:
    """A translated sentence with its values put in: text escaped, links (Markup) kept."""
    return Markup(escape(template)) % values


def _case_name(other: OtherCase, may_see: Callable[[int], bool]) -> Markup:
    """The other case by its registry number, linked (only called for a case the reader may see)."""
    label = other.registry_number or _("a draft")
    if not has_request_context():  # a service called from the command line: the number alone
        return escape(label)
    return Markup('<a href="%s">%s</a>') % (url_for("cases.show", case_id=other.case_id), label)


def _cases(others: Iterable[OtherCase], may_see: Callable[[int], bool]) -> Markup:
    return Markup(", ").join(_case_name(other, may_see) for other in others)


def hold_text(hold: InvoiceHold, may_see: Callable[[int], bool]) -> Markup:
    """One sentence per hold. A case the reader may not see is never named: then it says only that
    another case holds the invoice."""
    visible = [other for other in hold.cases if may_see(other.case_id)]
    number = hold.invoice_number
    if hold.kind == HoldKind.OPEN_CASE:
        if not visible:
            return _fill(_("Invoice %(number)s is already in another open case: an invoice can be in one open "
                           "case at a time."), number=number)
        return _fill(_("Invoice %(number)s is already in the open case %(cases)s: an invoice can be in one open "
                       "case at a time. Remove the invoice from this case, or have that case decided or "
                       "withdrawn first."), number=number, cases=_cases(visible, may_see))
    if hold.kind == HoldKind.BEYOND_OPEN:
        remaining = format_money(hold.remaining_ore or 0)
        if not visible:
            return _fill(_("Invoice %(number)s has only %(remaining)s left open after a granted write-off or "
                           "credit in another case: this case cannot be about more than that."),
                         number=number, remaining=remaining)
        return _fill(_("Invoice %(number)s has only %(remaining)s left open after the granted case %(cases)s: "
                       "this case cannot be about more than that. Remove the invoice from this case."),
                     number=number, remaining=remaining, cases=_cases(visible, may_see))
    if not visible:
        return _fill(_("Invoice %(number)s is also in another draft."), number=number)
    return _fill(_("Invoice %(number)s is also in %(cases)s (not submitted): only one of them can be "
                   "submitted."),
                 number=number, cases=_cases(visible, may_see))
