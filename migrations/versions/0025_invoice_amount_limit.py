"""A delegation limit per invoice: each invoice's own amount at most this, beside the case's total

Revision ID: 0025_invoice_amount_limit
Revises: 0024_write_off_batches
Create Date: 2026-12-01 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_invoice_amount_limit'
down_revision = '0024_write_off_batches'
branch_labels = None
depends_on = None

TABLES = ('delegation_rules', 'further_delegations')


def upgrade():
    for table in TABLES:
        op.add_column(table, sa.Column('max_invoice_amount_ore', sa.BigInteger(), nullable=True))


def downgrade():
    for table in TABLES:
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} DROP COLUMN max_invoice_amount_ore')
        else:
            op.drop_column(table, 'max_invoice_amount_ore')
