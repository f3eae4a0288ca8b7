"""Report files too large for a request, made by a background job and kept for whoever asked

Revision ID: 0030_report_exports
Revises: 0029_reports
Create Date: 2026-12-01 11:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_report_exports'
down_revision = '0029_reports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'report_exports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('requested_by_id', sa.Integer(), nullable=False),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('file_format', sa.String(length=10), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=True),
        sa.Column('rows', sa.Integer(), nullable=True),
        sa.Column('size', sa.Integer(), nullable=True),
        sa.Column('content', sa.LargeBinary(), nullable=True),
        sa.Column('made_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("file_format in ('csv', 'xlsx')", name=op.f('ck_report_exports_file_format')),
        sa.ForeignKeyConstraint(['department_id'], ['org_units.id'],
                                name=op.f('fk_report_exports_department_id_org_units')),
        sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'],
                                name=op.f('fk_report_exports_requested_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_report_exports')),
    )
    op.create_index(op.f('ix_report_exports_requested_by_id'), 'report_exports', ['requested_by_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_report_exports_requested_by_id'), table_name='report_exports')
    op.drop_table('report_exports')
