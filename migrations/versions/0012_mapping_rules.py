"""Ledger mappings that take real exports: constants, defaults, a derived open amount and the
mapping's own value tables; imports count new and changed customers and keep warnings and the
codes the portal lacks

Revision ID: 0012_mapping_rules
Revises: 0011_decision_rule_kind
Create Date: 2026-12-01 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_mapping_rules'
down_revision = '0011_decision_rule_kind'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('ledger_mappings') as batch:
        batch.add_column(sa.Column('constants', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('defaults', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('paid_sign', sa.String(length=10), nullable=True))
        batch.add_column(sa.Column('stage_codes', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('category_codes', sa.JSON(), nullable=True))
    with op.batch_alter_table('ledger_imports') as batch:
        batch.add_column(sa.Column('count_customers_new', sa.BigInteger(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('count_customers_changed', sa.BigInteger(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('count_warnings', sa.BigInteger(), nullable=False,
                                   server_default='0'))
        batch.add_column(sa.Column('warnings', sa.JSON(), nullable=True))
        batch.add_column(sa.Column('unknown_codes', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('ledger_imports') as batch:
        for name in ('unknown_codes', 'warnings', 'count_warnings', 'count_customers_changed',
                     'count_customers_new'):
            batch.drop_column(name)
    with op.batch_alter_table('ledger_mappings') as batch:
        for name in ('category_codes', 'stage_codes', 'paid_sign', 'defaults', 'constants'):
            batch.drop_column(name)
