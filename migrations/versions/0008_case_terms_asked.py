"""Cases keep which plan term the officer entered and the figures they were submitted with

Revision ID: 0008_case_terms_asked
Revises: 0007_meetings
Create Date: 2026-11-30 23:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0008_case_terms_asked'
down_revision = '0007_meetings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('monthly_amount_entered', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('submitted_figures', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('submitted_figures')
        batch_op.drop_column('monthly_amount_entered')
