"""A broken plan or deferral becomes a case of its own (RULINGS 16): the case that proposes that the
whole debt falls due names the plan or deferral it is about; a delegation rule may say that a plan
granted under it is broken sooner than the municipality's setting

Revision ID: 0028_whole_debt_due
Revises: 0027_org_version
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_whole_debt_due'
down_revision = '0027_org_version'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.add_column('cases', sa.Column('whole_debt_due_for_id', BigId, nullable=True))
    # SQLite gets no reference: it cannot add a constraint to a table nor drop a column that has
    # one, and copying `cases` in batch mode trips the foreign keys to it.
    if op.get_bind().dialect.name != 'sqlite':
        op.create_foreign_key(op.f('fk_cases_whole_debt_due_for_id_cases'), 'cases', 'cases',
                              ['whole_debt_due_for_id'], ['id'])
    op.create_index(op.f('ix_cases_whole_debt_due_for_id'), 'cases', ['whole_debt_due_for_id'], unique=False)
    op.add_column('delegation_rules', sa.Column('broken_after_days', sa.Integer(), nullable=True))


def downgrade():
    op.drop_index(op.f('ix_cases_whole_debt_due_for_id'), table_name='cases')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE delegation_rules DROP COLUMN broken_after_days')
        op.execute('ALTER TABLE cases DROP COLUMN whole_debt_due_for_id')
    else:
        op.drop_column('delegation_rules', 'broken_after_days')
        op.drop_constraint(op.f('fk_cases_whole_debt_due_for_id_cases'), 'cases', type_='foreignkey')
        op.drop_column('cases', 'whole_debt_due_for_id')
