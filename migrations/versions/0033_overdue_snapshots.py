"""The overdue report's index over open invoices, and the overdue receivables kept at each month's end

Revision ID: 0033_overdue_snapshots
Revises: 0032_body_kinds
Create Date: 2026-12-01 13:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033_overdue_snapshots'
down_revision = '0032_body_kinds'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_overdue', ['due_date', 'org_unit_id', 'open_amount_ore', 'collection_stage'],
                              unique=False, postgresql_where=sa.text('open_amount_ore > 0'),
                              sqlite_where=sa.text('open_amount_ore > 0'))
    op.create_table(
        'receivables_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('month_end', sa.Date(), nullable=False),
        sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('invoice_count', sa.Integer(), nullable=False),
        sa.Column('open_amount_ore', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_receivables_snapshots')),
        sa.UniqueConstraint('month_end', name=op.f('uq_receivables_snapshots_month_end')),
    )
    op.create_table(
        'receivables_snapshot_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('snapshot_id', sa.Integer(), nullable=False),
        sa.Column('org_unit_id', sa.Integer(), nullable=False),
        sa.Column('bucket', sa.String(length=20), nullable=False),
        sa.Column('invoice_count', sa.Integer(), nullable=False),
        sa.Column('open_amount_ore', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'],
                                name=op.f('fk_receivables_snapshot_lines_org_unit_id_org_units')),
        sa.ForeignKeyConstraint(['snapshot_id'], ['receivables_snapshots.id'],
                                name=op.f('fk_receivables_snapshot_lines_snapshot_id_receivables_snapshots')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_receivables_snapshot_lines')),
    )
    with op.batch_alter_table('receivables_snapshot_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_receivables_snapshot_lines_snapshot_id'), ['snapshot_id'], unique=False)


def downgrade():
    with op.batch_alter_table('receivables_snapshot_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_receivables_snapshot_lines_snapshot_id'))
    op.drop_table('receivables_snapshot_lines')
    op.drop_table('receivables_snapshots')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_overdue')
