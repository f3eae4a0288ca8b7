"""Guideline bars (issue 12 §8, RULINGS 8): a rule of the kind "bar" cites its guideline's point, and
a bar may name nobody to refuse under it (the delegate "committee")

Revision ID: 0022_guideline_bars
Revises: 0021_mail
Create Date: 2026-12-01 10:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_guideline_bars'
down_revision = '0021_mail'
branch_labels = None
depends_on = None

KINDS = ("'ordinary', 'urgent'", "'ordinary', 'urgent', 'bar'")
DELEGATES = ("'position_kind', 'named_position', 'presidium', 'sub_committee'",
             "'position_kind', 'named_position', 'presidium', 'sub_committee', 'committee'")


def _constraints(batch_op, kinds: str, delegates: str) -> None:
    batch_op.drop_constraint(batch_op.f('ck_delegation_rules_kind'), type_='check')
    batch_op.drop_constraint(batch_op.f('ck_delegation_rules_delegate_type'), type_='check')
    batch_op.create_check_constraint('kind', f"kind in ({kinds})")
    batch_op.create_check_constraint('delegate_type', f"delegate_type in ({delegates})")


def upgrade():
    with op.batch_alter_table('delegation_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('guideline_point', sa.String(length=40), nullable=True))
        _constraints(batch_op, KINDS[1], DELEGATES[1])


def downgrade():
    op.execute("DELETE FROM delegation_rules WHERE kind = 'bar' OR delegate_type = 'committee'")
    with op.batch_alter_table('delegation_rules', schema=None) as batch_op:
        _constraints(batch_op, KINDS[0], DELEGATES[0])
        batch_op.drop_column('guideline_point')
