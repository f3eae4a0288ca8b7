"""Registrations that would make their registering person a decider wait for a second person

Revision ID: 0009_pending_registrations
Revises: 0008_case_terms_asked
Create Date: 2026-11-30 23:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_pending_registrations'
down_revision = '0008_case_terms_asked'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('pending_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('gained', sa.JSON(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result_id', sa.Integer(), nullable=True),
    sa.Column('confirming_position_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind in ('appointment', 'absence', 'position', 'further_delegation')",
                       name=op.f('ck_pending_registrations_kind')),
    sa.CheckConstraint("state in ('pending', 'confirmed', 'refused', 'withdrawn')",
                       name=op.f('ck_pending_registrations_state')),
    sa.CheckConstraint("decided_by_id IS NULL OR state <> 'pending'",
                       name=op.f('ck_pending_registrations_decided_not_pending')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'],
                            name=op.f('fk_pending_registrations_registered_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'],
                            name=op.f('fk_pending_registrations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['confirming_position_id'], ['positions.id'],
                            name=op.f('fk_pending_registrations_confirming_position_id_positions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_registrations'))
    )
    op.create_index(op.f('ix_pending_registrations_state'), 'pending_registrations', ['state'], unique=False)
    op.create_index(op.f('ix_pending_registrations_registered_by_id'), 'pending_registrations',
                    ['registered_by_id'], unique=False)
    op.create_index(op.f('ix_pending_registrations_confirming_position_id'), 'pending_registrations',
                    ['confirming_position_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_pending_registrations_confirming_position_id'), table_name='pending_registrations')
    op.drop_index(op.f('ix_pending_registrations_registered_by_id'), table_name='pending_registrations')
    op.drop_index(op.f('ix_pending_registrations_state'), table_name='pending_registrations')
    op.drop_table('pending_registrations')
