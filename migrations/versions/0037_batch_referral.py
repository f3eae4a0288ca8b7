"""A batch write-off's decider may refer it to the committee (as a single case's decider may): who
referred it, when and why, kept on the batch for the committee and the batch page

Revision ID: 0037_batch_referral
Revises: 0036_common_provisions
Create Date: 2026-12-01 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0037_batch_referral'
down_revision = '0036_common_provisions'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('write_off_batches', sa.Column('referred_by_id', sa.Integer(), nullable=True))
    op.add_column('write_off_batches', sa.Column('referred_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('write_off_batches', sa.Column('referral_note', sa.Text(), nullable=True))
    # SQLite gets no reference: it cannot add a constraint to a table (as 0034 did for decisions).
    if op.get_bind().dialect.name != 'sqlite':
        op.create_foreign_key(op.f('fk_write_off_batches_referred_by_id_users'), 'write_off_batches', 'users',
                              ['referred_by_id'], ['id'])


def downgrade():
    if op.get_bind().dialect.name != 'sqlite':
        op.drop_constraint(op.f('fk_write_off_batches_referred_by_id_users'), 'write_off_batches',
                           type_='foreignkey')
    for column in ('referral_note', 'referred_at', 'referred_by_id'):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE write_off_batches DROP COLUMN {column}')
        else:
            op.drop_column('write_off_batches', column)
