"""Meetings, agendas, delegation report lines; committee decisions at a paragraph; urgent cases

Revision ID: 0007_meetings
Revises: 0006_documents_signed
Create Date: 2026-11-23 15:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007_meetings'
down_revision = '0006_documents_signed'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('meetings',
    sa.Column('id', BigId, nullable=False),
    sa.Column('committee_id', sa.Integer(), nullable=False),
    sa.Column('meeting_date', sa.Date(), nullable=False),
    sa.Column('place', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('minutes_approved_on', sa.Date(), nullable=True),
    sa.Column('minutes_posted_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state in ('planned', 'held')", name=op.f('ck_meetings_state')),
    sa.CheckConstraint('minutes_posted_on IS NULL OR minutes_approved_on IS NOT NULL',
                       name=op.f('ck_meetings_approved_before_posted')),
    sa.ForeignKeyConstraint(['committee_id'], ['committees.id'], name=op.f('fk_meetings_committee_id_committees')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_meetings'))
    )
    op.create_index(op.f('ix_meetings_committee_id'), 'meetings', ['committee_id'], unique=False)
    op.create_index(op.f('ix_meetings_meeting_date'), 'meetings', ['meeting_date'], unique=False)
    op.create_table('agenda_items',
    sa.Column('id', BigId, nullable=False),
    sa.Column('meeting_id', BigId, nullable=False),
    sa.Column('paragraph', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('case_id', BigId, nullable=True),
    sa.Column('proposal', sa.Text(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.Column('decision_text', sa.Text(), nullable=True),
    sa.CheckConstraint("kind in ('referred_case', 'delegation_report')", name=op.f('ck_agenda_items_kind')),
    sa.CheckConstraint("(kind = 'referred_case') = (case_id IS NOT NULL)",
                       name=op.f('ck_agenda_items_case_for_referred')),
    sa.CheckConstraint("outcome IS NULL OR outcome in ('granted', 'partly_granted', 'refused', 'sent_back')",
                       name=op.f('ck_agenda_items_outcome')),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_agenda_items_case_id_cases')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_agenda_items_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agenda_items')),
    sa.UniqueConstraint('meeting_id', 'paragraph', name=op.f('uq_agenda_items_meeting_id_paragraph'))
    )
    op.create_index(op.f('ix_agenda_items_case_id'), 'agenda_items', ['case_id'], unique=False)
    op.create_index(op.f('ix_agenda_items_meeting_id'), 'agenda_items', ['meeting_id'], unique=False)
    op.create_table('delegation_report_lines',
    sa.Column('id', BigId, nullable=False),
    sa.Column('decision_id', BigId, nullable=False),
    sa.Column('meeting_id', BigId, nullable=False),
    sa.Column('agenda_item_id', BigId, nullable=False),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_items.id'],
                            name=op.f('fk_delegation_report_lines_agenda_item_id_agenda_items')),
    sa.ForeignKeyConstraint(['decision_id'], ['decisions.id'],
                            name=op.f('fk_delegation_report_lines_decision_id_decisions')),
    sa.ForeignKeyConstraint(['meeting_id'], ['meetings.id'], name=op.f('fk_delegation_report_lines_meeting_id_meetings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegation_report_lines')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_delegation_report_lines_decision_id'))
    )
    op.create_index(op.f('ix_delegation_report_lines_agenda_item_id'), 'delegation_report_lines',
                    ['agenda_item_id'], unique=False)
    op.create_index(op.f('ix_delegation_report_lines_meeting_id'), 'delegation_report_lines',
                    ['meeting_id'], unique=False)
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False))
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meeting_id', BigId, nullable=True))
        batch_op.add_column(sa.Column('paragraph', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('committee_reference', sa.String(length=80), nullable=True))
        batch_op.alter_column('scheme_version_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('rule_number', existing_type=sa.String(length=20), nullable=True)
        batch_op.alter_column('rule_level', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f('ix_decisions_meeting_id'), ['meeting_id'], unique=False)
        batch_op.create_foreign_key('fk_decisions_meeting_id_meetings', 'meetings', ['meeting_id'], ['id'])
        batch_op.create_check_constraint(
            'rule_or_paragraph',
            '(scheme_version_id IS NOT NULL AND rule_number IS NOT NULL AND rule_level IS NOT NULL)'
            ' OR (meeting_id IS NOT NULL AND paragraph IS NOT NULL)')


def downgrade():
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_decisions_rule_or_paragraph'), type_='check')
        batch_op.drop_constraint('fk_decisions_meeting_id_meetings', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_decisions_meeting_id'))
        batch_op.alter_column('rule_level', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('rule_number', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('scheme_version_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('committee_reference')
        batch_op.drop_column('paragraph')
        batch_op.drop_column('meeting_id')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('urgent')
    op.drop_table('delegation_report_lines')
    op.drop_table('agenda_items')
    op.drop_table('meetings')
