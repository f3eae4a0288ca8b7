"""A delegated decision names the meeting whose issued report listed it (RULINGS 18), indexed, so
"not yet reported" is read by the index instead of every decision against every report line

Revision ID: 0034_reported_meeting
Revises: 0033_overdue_snapshots
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034_reported_meeting'
down_revision = '0033_overdue_snapshots'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.add_column('decisions', sa.Column('reported_meeting_id', BigId, nullable=True))
    # SQLite gets no reference: it cannot add a constraint to a table, and copying `decisions` in
    # batch mode trips the foreign keys to it (as 0028 did for cases).
    if op.get_bind().dialect.name != 'sqlite':
        op.create_foreign_key(op.f('fk_decisions_reported_meeting_id_meetings'), 'decisions', 'meetings',
                              ['reported_meeting_id'], ['id'])
    op.execute('UPDATE decisions SET reported_meeting_id = (SELECT l.meeting_id FROM delegation_report_lines l'
               ' WHERE l.decision_id = decisions.id)'
               ' WHERE id IN (SELECT decision_id FROM delegation_report_lines)')
    op.create_index(op.f('ix_decisions_reported_meeting_id'), 'decisions', ['reported_meeting_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_decisions_reported_meeting_id'), table_name='decisions')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE decisions DROP COLUMN reported_meeting_id')
    else:
        op.drop_constraint(op.f('fk_decisions_reported_meeting_id_meetings'), 'decisions', type_='foreignkey')
        op.drop_column('decisions', 'reported_meeting_id')
