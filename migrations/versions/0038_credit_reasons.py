"""Credits give a reason from a list (like write-offs), and a rule of a credit or a collection case
type may allow only some reasons (issue 12 §7)

Revision ID: 0038_credit_reasons
Revises: 0037_batch_referral
Create Date: 2026-12-01 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0038_credit_reasons'
down_revision = '0037_batch_referral'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('cases', sa.Column('credit_reason', sa.String(length=40), nullable=True))
    op.add_column('delegation_rules', sa.Column('allowed_reasons', sa.JSON(), nullable=True))
    op.add_column('further_delegations', sa.Column('allowed_reasons', sa.JSON(), nullable=True))


def downgrade():
    # SQLite drops a plain column in place: batch mode would copy the tables and lose the triggers
    # that keep the organisation's version (0027).
    for table, column in (('further_delegations', 'allowed_reasons'), ('delegation_rules', 'allowed_reasons'),
                          ('cases', 'credit_reason')):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
        else:
            op.drop_column(table, column)
