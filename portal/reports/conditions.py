"""The internal control's conditions on a delegated decision, written once for the two kinds of
decision the portal keeps: a single case's and a batch write-off's (RULINGS 17, one decision a batch).
Each is an SQL condition over the decision joined to its case or batch, used alike by the internal
control's checked zeros and by the compliance report."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, and_, exists, literal, not_, or_

from portal.batches.models import BatchConflict, WriteOffBatch, WriteOffBatchDecision
from portal.cases.models import Case, ConflictDeclaration, Consultation, Decision
from portal.delegation.models import DelegationRule, SchemeVersion

WRITE_OFF = "write_off"  # a batch is a write-off


@dataclass(frozen=True)
class DecisionKind:
    """Where one kind of decision keeps what the conditions read: the decision's own columns
    (version, rule, dates, decider), its case's or batch's committee, case type and preparer, how a
    declared conflict is found, and how a consultation is (a batch records none)."""

    decision: Any  # Decision or WriteOffBatchDecision
    committee_id: Any
    case_type: Any
    prepared_by_id: Any
    conflicted: Callable[[], Any]
    consulted: Callable[[], Any] | None

    def outside_scheme(self):
        """The decision names no published version of its committee in force on its decision date,
        or a rule number that version does not have for the case's type."""
        decision = self.decision
        in_force = exists().where(
            SchemeVersion.id == decision.scheme_version_id, SchemeVersion.state == "published",
            SchemeVersion.committee_id == self.committee_id, SchemeVersion.valid_from <= decision.decision_date,
            or_(SchemeVersion.valid_to.is_(None), SchemeVersion.valid_to >= decision.decision_date))
        rule = exists().where(DelegationRule.version_id == decision.scheme_version_id,
                              DelegationRule.number == decision.rule_number,
                              DelegationRule.case_type == self.case_type)
        return or_(not_(in_force), not_(rule))

    def by_preparer(self):
        """Decided by the person who prepared it, or by one who declared a conflict of interest in it."""
        return or_(self.decision.decided_by_id == self.prepared_by_id, self.conflicted())

    def consultation_required(self):
        """The decision's rule asks for consultation (samråd, R4)."""
        return exists().where(
            DelegationRule.version_id == self.decision.scheme_version_id,
            DelegationRule.number == self.decision.rule_number,
            or_(DelegationRule.consultation_unit_id.is_not(None), DelegationRule.consultation_position_id.is_not(None)))

    def without_consultation(self):
        """Made under a rule that asks for consultation with none recorded before the decision."""
        if self.consulted is None:
            return self.consultation_required()
        return and_(self.consultation_required(), not_(self.consulted()))


CASES = DecisionKind(
    Decision, Case.committee_id, Case.case_type, Case.prepared_by_id,
    lambda: exists().where(ConflictDeclaration.case_id == Case.id, ConflictDeclaration.user_id == Decision.decided_by_id),
    lambda: exists().where(Consultation.case_id == Case.id, Consultation.recorded_at <= Decision.decided_at))
# A batch records no consultation (portal/batches/routing.py): under a rule that asks for one, it was made without.
BATCHES = DecisionKind(
    WriteOffBatchDecision, WriteOffBatch.committee_id, literal(WRITE_OFF, String), WriteOffBatch.prepared_by_id,
    lambda: exists().where(BatchConflict.batch_id == WriteOffBatch.id,
                           BatchConflict.user_id == WriteOffBatchDecision.decided_by_id),
    None)
