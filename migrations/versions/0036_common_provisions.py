"""Common provisions (gemensamma bestämmelser, issue 12 §4, RULINGS 11): a scheme version may be one
of the executive committee's common provisions; a committee's version names the common version it
includes, and each included rule the common version it came from

Revision ID: 0036_common_provisions
Revises: 0035_org_imports
Create Date: 2026-12-01 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036_common_provisions'
down_revision = '0035_org_imports'
branch_labels = None
depends_on = None

DRAFT = sa.text("state = 'draft'")


def upgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.add_column('scheme_versions', sa.Column('is_common', sa.Boolean(), server_default=sa.false(),
                                               nullable=False))
    op.add_column('scheme_versions', sa.Column('common_version_id', sa.Integer(), nullable=True))
    op.add_column('delegation_rules', sa.Column('common_version_id', sa.Integer(), nullable=True))
    # SQLite gets no reference: it cannot add a constraint to a table without copying it, and the
    # tables are referred to by cases and decisions (as 0034 did).
    if not sqlite:
        op.create_foreign_key(op.f('fk_scheme_versions_common_version_id_scheme_versions'), 'scheme_versions',
                              'scheme_versions', ['common_version_id'], ['id'])
        op.create_foreign_key(op.f('fk_delegation_rules_common_version_id_scheme_versions'), 'delegation_rules',
                              'scheme_versions', ['common_version_id'], ['id'])
    # One draft per committee, and one draft of the common provisions beside it.
    op.drop_index('uq_scheme_versions_one_draft', table_name='scheme_versions',
                  sqlite_where=DRAFT, postgresql_where=DRAFT)
    op.create_index('uq_scheme_versions_one_draft', 'scheme_versions', ['committee_id', 'is_common'],
                    unique=True, sqlite_where=DRAFT, postgresql_where=DRAFT)


def downgrade():
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.drop_index('uq_scheme_versions_one_draft', table_name='scheme_versions',
                  sqlite_where=DRAFT, postgresql_where=DRAFT)
    # Included rules stay in the committees' versions as their own; the common versions go.
    op.execute("UPDATE delegation_rules SET common_version_id = NULL")
    op.execute("UPDATE scheme_versions SET common_version_id = NULL")
    op.execute("DELETE FROM delegation_rules WHERE version_id IN (SELECT id FROM scheme_versions"
               " WHERE is_common)")
    op.execute("DELETE FROM scheme_versions WHERE is_common")
    op.create_index('uq_scheme_versions_one_draft', 'scheme_versions', ['committee_id'],
                    unique=True, sqlite_where=DRAFT, postgresql_where=DRAFT)
    if sqlite:
        op.execute('ALTER TABLE delegation_rules DROP COLUMN common_version_id')
        op.execute('ALTER TABLE scheme_versions DROP COLUMN common_version_id')
        op.execute('ALTER TABLE scheme_versions DROP COLUMN is_common')
    else:
        op.drop_constraint(op.f('fk_delegation_rules_common_version_id_scheme_versions'), 'delegation_rules',
                           type_='foreignkey')
        op.drop_constraint(op.f('fk_scheme_versions_common_version_id_scheme_versions'), 'scheme_versions',
                           type_='foreignkey')
        op.drop_column('delegation_rules', 'common_version_id')
        op.drop_column('scheme_versions', 'common_version_id')
        op.drop_column('scheme_versions', 'is_common')
