"""Reminders by e-mail: events, the outbox (one mail per event and recipient) and preferences

Revision ID: 0021_mail
Revises: 0020_sso
Create Date: 2026-12-01 10:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021_mail'
down_revision = '0020_sso'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('mail_events',
    sa.Column('id', BigId, nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('case_id', BigId, nullable=True),
    sa.Column('meeting_id', BigId, nullable=True),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expanded_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_mail_events_case_id_cases')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_mail_events_meeting_id_meetings')),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_mail_events_recipient_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_events')),
    sa.UniqueConstraint('key', name=op.f('uq_mail_events_key'))
    )
    op.create_index('ix_mail_events_pending', 'mail_events', ['expanded_at'], unique=False)
    op.create_index(op.f('ix_mail_events_case_id'), 'mail_events', ['case_id'], unique=False)
    op.create_index(op.f('ix_mail_events_meeting_id'), 'mail_events', ['meeting_id'], unique=False)
    op.create_table('mail_outbox',
    sa.Column('id', BigId, nullable=False),
    sa.Column('event_id', BigId, nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state in ('waiting', 'sending', 'sent', 'failed')", name=op.f('ck_mail_outbox_state')),
    sa.ForeignKeyConstraint(['event_id'], ['mail_events.id'], name=op.f('fk_mail_outbox_event_id_mail_events')),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_mail_outbox_recipient_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    sa.UniqueConstraint('event_id', 'recipient_id', name=op.f('uq_mail_outbox_event_id'))
    )
    op.create_index('ix_mail_outbox_due', 'mail_outbox', ['state', 'next_attempt_at'], unique=False)
    op.create_index(op.f('ix_mail_outbox_recipient_id'), 'mail_outbox', ['recipient_id'], unique=False)
    op.create_table('mail_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('frequency', sa.String(length=20), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("frequency in ('immediately', 'daily', 'never')", name=op.f('ck_mail_preferences_frequency')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_preferences_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_mail_preferences'))
    )


def downgrade():
    op.drop_table('mail_preferences')
    op.drop_index(op.f('ix_mail_outbox_recipient_id'), table_name='mail_outbox')
    op.drop_index('ix_mail_outbox_due', table_name='mail_outbox')
    op.drop_table('mail_outbox')
    op.drop_index(op.f('ix_mail_events_meeting_id'), table_name='mail_events')
    op.drop_index(op.f('ix_mail_events_case_id'), table_name='mail_events')
    op.drop_index('ix_mail_events_pending', table_name='mail_events')
    op.drop_table('mail_events')
