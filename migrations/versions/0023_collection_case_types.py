"""Two more case types, avstå från indrivning and avbryta indrivning (issue 12 §3, RULINGS 13), in
cases and in the rules of schemes; a case of either names its reason

Revision ID: 0023_collection_case_types
Revises: 0022_guideline_bars
Create Date: 2026-12-01 10:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_collection_case_types'
down_revision = '0022_guideline_bars'
branch_labels = None
depends_on = None

OLD = "case_type in ('deferral', 'instalment_plan', 'write_off', 'credit')"
NEW = ("case_type in ('deferral', 'instalment_plan', 'write_off', 'credit', 'forgo_collection', "
       "'stop_collection')")


def _check(table: str, condition: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_case_type'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_case_type'), condition)


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('collection_reason', sa.String(length=40), nullable=True))
    _check('cases', NEW)
    _check('delegation_rules', NEW)


def downgrade():
    _check('delegation_rules', OLD)
    _check('cases', OLD)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('collection_reason')
