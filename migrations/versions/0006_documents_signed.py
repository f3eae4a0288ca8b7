"""Signed plan agreements: the date received and an optional scan

Revision ID: 0006_documents_signed
Revises: 0005_cases
Create Date: 2026-11-23 15:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006_documents_signed'
down_revision = '0005_cases'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.create_table('signed_agreements',
    sa.Column('id', BigId, nullable=False),
    sa.Column('case_id', BigId, nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('scan_filename', sa.String(length=200), nullable=True),
    sa.Column('scan_mimetype', sa.String(length=60), nullable=True),
    sa.Column('scan_size', sa.Integer(), nullable=True),
    sa.Column('scan_sha256', sa.String(length=64), nullable=True),
    sa.Column('scan', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_signed_agreements_case_id_cases')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_signed_agreements_registered_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signed_agreements')),
    sa.UniqueConstraint('case_id', name=op.f('uq_signed_agreements_case_id'))
    )


def downgrade():
    op.drop_table('signed_agreements')
