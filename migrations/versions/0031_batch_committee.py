"""A batch write-off referred to the committee goes on a meeting's agenda like a case, and the
committee's decision on it names the meeting's paragraph instead of a delegation rule (issue 13)

Revision ID: 0031_batch_committee
Revises: 0030_report_exports
Create Date: 2026-12-01 13:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031_batch_committee'
down_revision = '0030_report_exports'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
OLD_KINDS = "kind in ('referred_case', 'delegation_report')"
NEW_KINDS = "kind in ('referred_case', 'referred_batch', 'delegation_report')"


def upgrade():
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', BigId, nullable=True))
        batch_op.create_foreign_key(op.f('fk_agenda_items_batch_id_write_off_batches'), 'write_off_batches',
                                    ['batch_id'], ['id'])
        batch_op.create_index(op.f('ix_agenda_items_batch_id'), ['batch_id'], unique=False)
        batch_op.drop_constraint(op.f('ck_agenda_items_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_agenda_items_kind'), NEW_KINDS)
        batch_op.create_check_constraint(op.f('ck_agenda_items_batch_for_referred'),
                                         "(kind = 'referred_batch') = (batch_id IS NOT NULL)")
    with op.batch_alter_table('write_off_batch_decisions', schema=None) as batch_op:
        batch_op.alter_column('scheme_version_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('rule_number', existing_type=sa.String(length=20), nullable=True)
        batch_op.alter_column('rule_level', existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column('meeting_id', BigId, nullable=True))
        batch_op.add_column(sa.Column('paragraph', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('committee_reference', sa.String(length=80), nullable=True))
        batch_op.create_foreign_key(op.f('fk_write_off_batch_decisions_meeting_id_meetings'), 'meetings',
                                    ['meeting_id'], ['id'])
        batch_op.create_index(op.f('ix_write_off_batch_decisions_meeting_id'), ['meeting_id'], unique=False)
        # A delegated decision names its rule; the committee's own names its meeting's paragraph.
        batch_op.create_check_constraint(
            op.f('ck_write_off_batch_decisions_rule_or_meeting'),
            "(meeting_id IS NULL) = (rule_number IS NOT NULL AND scheme_version_id IS NOT NULL)")


def downgrade():
    op.execute("DELETE FROM write_off_batch_decisions WHERE meeting_id IS NOT NULL")
    op.execute("DELETE FROM agenda_items WHERE kind = 'referred_batch'")
    with op.batch_alter_table('write_off_batch_decisions', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_write_off_batch_decisions_rule_or_meeting'), type_='check')
        batch_op.drop_index(op.f('ix_write_off_batch_decisions_meeting_id'))
        batch_op.drop_constraint(op.f('fk_write_off_batch_decisions_meeting_id_meetings'), type_='foreignkey')
        batch_op.drop_column('committee_reference')
        batch_op.drop_column('paragraph')
        batch_op.drop_column('meeting_id')
        batch_op.alter_column('rule_level', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('rule_number', existing_type=sa.String(length=20), nullable=False)
        batch_op.alter_column('scheme_version_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('agenda_items', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_agenda_items_batch_for_referred'), type_='check')
        batch_op.drop_constraint(op.f('ck_agenda_items_kind'), type_='check')
        batch_op.create_check_constraint(op.f('ck_agenda_items_kind'), OLD_KINDS)
        batch_op.drop_index(op.f('ix_agenda_items_batch_id'))
        batch_op.drop_constraint(op.f('fk_agenda_items_batch_id_write_off_batches'), type_='foreignkey')
        batch_op.drop_column('batch_id')
