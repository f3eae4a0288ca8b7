"""A delegation rule's scope by kind of receivable: only some invoice categories, all but some, and
the issuing units (issue 12 §1)

Revision ID: 0015_rule_receivables
Revises: 0014_plan_floor_words
Create Date: 2026-12-01 04:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_rule_receivables'
down_revision = '0014_plan_floor_words'
branch_labels = None
depends_on = None

COLUMNS = ('invoice_category_ids', 'excluded_invoice_category_ids', 'issuing_unit_ids')


def upgrade():
    with op.batch_alter_table('delegation_rules', schema=None) as batch_op:
        for name in COLUMNS:
            batch_op.add_column(sa.Column(name, sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('delegation_rules', schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
