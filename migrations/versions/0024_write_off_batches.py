"""Batch write-offs (samlingsbeslut): the batch, its lines, its one decision and conflict declarations

Revision ID: 0024_write_off_batches
Revises: 0023_collection_case_types
Create Date: 2026-12-01 10:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_write_off_batches'
down_revision = '0023_collection_case_types'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('write_off_batches',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('registry_number', sa.String(length=60), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('write_off_reason', sa.String(length=40), nullable=False),
    sa.Column('write_off_final', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('source', sa.JSON(), nullable=False),
    sa.Column('source_file', sa.LargeBinary(), nullable=True),
    sa.Column('build_errors', sa.JSON(), nullable=True),
    sa.Column('build_error_count', sa.Integer(), nullable=False),
    sa.Column('prepared_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('amount_ore', sa.BigInteger(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('customer_count', sa.Integer(), nullable=False),
    sa.Column('executed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('executed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("state in ('building', 'draft', 'awaiting_decision', 'referred_to_committee', 'granted', 'refused', 'executed', 'withdrawn')", name=op.f('ck_write_off_batches_state')),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_write_off_batches_committee_id_committees')),
    sa.ForeignKeyConstraint(['executed_by_id'], ['users.id'], name=op.f('fk_write_off_batches_executed_by_id_users')),
    sa.ForeignKeyConstraint(['prepared_by_id'], ['users.id'], name=op.f('fk_write_off_batches_prepared_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_write_off_batches')),
    sa.UniqueConstraint('registry_number', name=op.f('uq_write_off_batches_registry_number'))
    )
    op.create_index(op.f('ix_write_off_batches_committee_id'), 'write_off_batches', ['committee_id'], unique=False)
    op.create_index(op.f('ix_write_off_batches_prepared_by_id'), 'write_off_batches', ['prepared_by_id'], unique=False)
    op.create_index(op.f('ix_write_off_batches_state'), 'write_off_batches', ['state'], unique=False)

    op.create_table('write_off_batch_conflicts',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['write_off_batches.id'], name=op.f('fk_write_off_batch_conflicts_batch_id_write_off_batches')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_write_off_batch_conflicts_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_write_off_batch_conflicts')),
    sa.UniqueConstraint('batch_id', 'user_id', name=op.f('uq_write_off_batch_conflicts_batch_id_user_id'))
    )
    op.create_index(op.f('ix_write_off_batch_conflicts_batch_id'), 'write_off_batch_conflicts', ['batch_id'], unique=False)

    op.create_table('write_off_batch_decisions',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('decision_date', sa.Date(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.String(length=30), nullable=False),
    sa.Column('position_id', sa.Integer(), nullable=True),
    sa.Column('standin_for_id', sa.Integer(), nullable=True),
    sa.Column('delegated_by_position_id', sa.Integer(), nullable=True),
    sa.Column('scheme_version_id', sa.Integer(), nullable=False),
    sa.Column('rule_number', sa.String(length=20), nullable=False),
    sa.Column('rule_level', sa.Integer(), nullable=False),
    sa.Column('amount_ore', sa.BigInteger(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.Column('customer_count', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('no_conflict_confirmed', sa.Boolean(), nullable=False),
    sa.Column('reported_meeting_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.CheckConstraint("outcome in ('granted', 'refused')", name=op.f('ck_write_off_batch_decisions_outcome')),
    sa.ForeignKeyConstraint(['batch_id'], ['write_off_batches.id'], name=op.f('fk_write_off_batch_decisions_batch_id_write_off_batches')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_write_off_batch_decisions_decided_by_id_users')),
    sa.ForeignKeyConstraint(['delegated_by_position_id'], ['positions.id'], name=op.f('fk_write_off_batch_decisions_delegated_by_position_id_positions')),
    sa.ForeignKeyConstraint(['position_id'], ['positions.id'], name=op.f('fk_write_off_batch_decisions_position_id_positions')),
    sa.ForeignKeyConstraint(['reported_meeting_id'], ['meetings.id'], name=op.f('fk_write_off_batch_decisions_reported_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['scheme_version_id'], ['scheme_versions.id'], name=op.f('fk_write_off_batch_decisions_scheme_version_id_scheme_versions')),
    sa.ForeignKeyConstraint(['standin_for_id'], ['users.id'], name=op.f('fk_write_off_batch_decisions_standin_for_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_write_off_batch_decisions')),
    sa.UniqueConstraint('batch_id', name=op.f('uq_write_off_batch_decisions_batch_id'))
    )
    op.create_index(op.f('ix_write_off_batch_decisions_decided_by_id'), 'write_off_batch_decisions', ['decided_by_id'], unique=False)
    op.create_index(op.f('ix_write_off_batch_decisions_decision_date'), 'write_off_batch_decisions', ['decision_date'], unique=False)
    op.create_index(op.f('ix_write_off_batch_decisions_reported_meeting_id'), 'write_off_batch_decisions', ['reported_meeting_id'], unique=False)

    op.create_table('write_off_batch_lines',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('batch_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('invoice_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('customer_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('org_unit_id', sa.Integer(), nullable=False),
    sa.Column('open_capital_ore', sa.BigInteger(), nullable=False),
    sa.Column('interest_ore', sa.BigInteger(), nullable=False),
    sa.Column('write_off_reason', sa.String(length=40), nullable=False),
    sa.Column('file_line', sa.Integer(), nullable=True),
    sa.Column('left_out', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['write_off_batches.id'], name=op.f('fk_write_off_batch_lines_batch_id_write_off_batches')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_write_off_batch_lines_customer_id_customers')),
    sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_write_off_batch_lines_invoice_id_invoices')),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], name=op.f('fk_write_off_batch_lines_org_unit_id_org_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_write_off_batch_lines')),
    sa.UniqueConstraint('batch_id', 'invoice_id', name=op.f('uq_write_off_batch_lines_batch_id_invoice_id'))
    )
    op.create_index(op.f('ix_write_off_batch_lines_batch_id'), 'write_off_batch_lines', ['batch_id'], unique=False)
    op.create_index(op.f('ix_write_off_batch_lines_customer_id'), 'write_off_batch_lines', ['customer_id'], unique=False)
    op.create_index(op.f('ix_write_off_batch_lines_invoice_id'), 'write_off_batch_lines', ['invoice_id'], unique=False)



def downgrade():
    op.drop_index(op.f('ix_write_off_batch_lines_invoice_id'), table_name='write_off_batch_lines')
    op.drop_index(op.f('ix_write_off_batch_lines_customer_id'), table_name='write_off_batch_lines')
    op.drop_index(op.f('ix_write_off_batch_lines_batch_id'), table_name='write_off_batch_lines')

    op.drop_table('write_off_batch_lines')
    op.drop_index(op.f('ix_write_off_batch_decisions_reported_meeting_id'), table_name='write_off_batch_decisions')
    op.drop_index(op.f('ix_write_off_batch_decisions_decision_date'), table_name='write_off_batch_decisions')
    op.drop_index(op.f('ix_write_off_batch_decisions_decided_by_id'), table_name='write_off_batch_decisions')

    op.drop_table('write_off_batch_decisions')
    op.drop_index(op.f('ix_write_off_batch_conflicts_batch_id'), table_name='write_off_batch_conflicts')

    op.drop_table('write_off_batch_conflicts')
    op.drop_index(op.f('ix_write_off_batches_state'), table_name='write_off_batches')
    op.drop_index(op.f('ix_write_off_batches_prepared_by_id'), table_name='write_off_batches')
    op.drop_index(op.f('ix_write_off_batches_committee_id'), table_name='write_off_batches')

    op.drop_table('write_off_batches')
