"""The organisation from the HR system's file: a record of each import, and people's employee numbers

Revision ID: 0035_org_imports
Revises: 0034_reported_meeting
Create Date: 2026-12-01 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035_org_imports'
down_revision = '0034_reported_meeting'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    op.add_column('users', sa.Column('employee_number', sa.String(length=40), nullable=True))
    # A unique index rather than a constraint: SQLite cannot add a constraint to a table (as 0020).
    op.create_index('ix_users_employee_number', 'users', ['employee_number'], unique=True)
    op.create_table(
        'org_imports',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('uploaded_by_id', BigId, nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('imported_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('summary', sa.JSON(), nullable=True),
        sa.CheckConstraint("state in ('previewed', 'imported')", name=op.f('ck_org_imports_state')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_org_imports_uploaded_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_org_imports')),
    )
    op.create_index(op.f('ix_org_imports_uploaded_by_id'), 'org_imports', ['uploaded_by_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_org_imports_uploaded_by_id'), table_name='org_imports')
    op.drop_table('org_imports')
    op.drop_index('ix_users_employee_number', table_name='users')
    op.drop_column('users', 'employee_number')
