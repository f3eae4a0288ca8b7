"""Limits real rule books use (issue 12 §3, §5): a lowest amount, the most instalments of a plan,
and the most granted cases of a type per customer in a calendar year or 12 months

Revision ID: 0016_limit_bounds
Revises: 0015_rule_receivables
Create Date: 2026-12-01 05:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_limit_bounds'
down_revision = '0015_rule_receivables'
branch_labels = None
depends_on = None

TABLES = ('delegation_rules', 'further_delegations')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('min_amount_ore', sa.BigInteger(), nullable=True))
            batch_op.add_column(sa.Column('max_instalments', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('max_granted_cases', sa.Integer(), nullable=True))
            batch_op.add_column(sa.Column('frequency_period', sa.String(length=20), nullable=False,
                                          server_default='calendar_year'))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in ('frequency_period', 'max_granted_cases', 'max_instalments', 'min_amount_ore'):
                batch_op.drop_column(name)
