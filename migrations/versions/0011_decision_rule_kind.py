"""A delegated decision records the kind of rule it was made under (ordinary, or urgent: the chair
or a named member on the committee's behalf, kommunallagen 6 kap 39 §)

Revision ID: 0011_decision_rule_kind
Revises: 0010_trail_chain
Create Date: 2026-12-01 04:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_decision_rule_kind'
down_revision = '0010_trail_chain'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_kind', sa.String(length=20), nullable=True))
    # Existing delegated decisions: the kind of their rule in the published version they name
    # (published versions never change, so this is the kind the rule had on the decision day).
    op.execute(
        "UPDATE decisions SET rule_kind = COALESCE(("
        " SELECT delegation_rules.kind FROM delegation_rules"
        " WHERE delegation_rules.version_id = decisions.scheme_version_id"
        " AND delegation_rules.number = decisions.rule_number), 'ordinary')"
        " WHERE scheme_version_id IS NOT NULL AND rule_number IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_column('rule_kind')
