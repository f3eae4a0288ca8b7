"""Why a person may not decide a batch, and why a line needs the committee, in Swedish: each reason
in the engine's own words (portal/delegation/messages.py), naming the invoices it concerns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask_babel import gettext as _

from portal.delegation import queries as delegation_queries
from portal.delegation.messages import reason_text
from portal.delegation.results import DecisionCheck, Reason, ReasonCode, Verdict

LINES_NAMED = 10


def _reasons_text(reasons, names) -> str:
    return "; ".join(dict.fromkeys(reason_text(reason, names) for reason in reasons))


def refusal_text(batch, checks: Mapping[int, DecisionCheck], on_date: date) -> str:
    """The person may not decide some line, or no one of their rules covers every line."""
    names = delegation_queries.names()
    by_id = {line.id: line for line in batch.included}
    refused = [(line_id, check) for line_id, check in checks.items() if not check.allowed]
    if not refused:
        return _("You may decide each line, but under different rules: one rule must cover every line of the "
                 "batch. Leave out lines so that one of your rules covers the rest, or the batch goes to "
                 "whoever's rule covers them all.")
    grouped: dict[str, list[str]] = {}
    for line_id, check in refused:
        grouped.setdefault(_reasons_text(check.reasons, names), []).append(by_id[line_id].invoice.invoice_number)
    parts = []
    for text, numbers in list(grouped.items())[:LINES_NAMED]:
        shown = ", ".join(numbers[:LINES_NAMED]) + (
            " " + _("and %(count)s more", count=len(numbers) - LINES_NAMED) if len(numbers) > LINES_NAMED else "")
        parts.append(_("invoice %(numbers)s: %(reasons)s", numbers=shown, reasons=text))
    return _("You may not decide %(count)s of the batch's %(total)s lines: %(parts)s.", count=len(refused),
             total=len(checks), parts="; ".join(parts))


def line_reasons(verdict: Verdict, names) -> str:
    """Why no delegated rule covers a line (only the committee may decide it): a guideline bar, a
    rule that asks for consultation, or the engine's reasons for each rule."""
    reasons: list[Reason] = []
    for outcome in verdict.outcomes:
        if outcome.is_bar and outcome.rule_number in verdict.barred_by:
            reasons.append(Reason(ReasonCode.GUIDELINE_BARS_GRANT, outcome.rule_number,
                                  params=(("point", outcome.guideline_point),)))
    reasons += list(verdict.committee_only_reasons) + list(verdict.version_reasons)
    for outcome in verdict.outcomes:
        reasons.extend(outcome.reasons)
    text = _reasons_text(reasons, names)
    asking = [outcome.rule_number for outcome in verdict.outcomes
              if outcome.matched and outcome.consultation_missing and not outcome.is_bar]
    if asking:
        text = "; ".join(filter(None, (text, _(
            "rule %(numbers)s asks for consultation (samråd), which a batch write-off does not go through",
            numbers=", ".join(asking)))))
    return text
