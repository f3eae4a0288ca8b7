"""The organisation's version: a token that database triggers change with every change to the
tables the delegation engine reads, so every app server's cached snapshot is checked by one query

Revision ID: 0027_org_version
Revises: 0026_named_conditions
Create Date: 2026-12-01 10:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_org_version'
down_revision = '0026_named_conditions'
branch_labels = None
depends_on = None

# The tables the engine's data is built from (portal/org/models.py ENGINE_TABLES, copied here as
# it stood: a later table gets its trigger in its own migration).
TABLES = ('committees', 'org_units', 'positions', 'appointments', 'absences', 'further_delegations',
          'scheme_versions', 'delegation_rules', 'price_base_amounts', 'invoice_categories')


def upgrade():
    op.create_table(
        'org_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_org_version')),
    )
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        op.execute("INSERT INTO org_version (id, token) VALUES (1, md5(random()::text || clock_timestamp()::text))")
        op.execute("""
            CREATE FUNCTION portal_org_changed() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                UPDATE org_version SET token = md5(random()::text || clock_timestamp()::text) WHERE id = 1;
                RETURN NULL;
            END $$
        """)
        for name in TABLES:
            op.execute(f"CREATE TRIGGER {name}_org_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {name} FOR EACH STATEMENT EXECUTE FUNCTION portal_org_changed()")
    else:
        op.execute("INSERT INTO org_version (id, token) VALUES (1, lower(hex(randomblob(16))))")
        for name in TABLES:
            for event in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(f"CREATE TRIGGER {name}_org_version_{event.lower()} AFTER {event} ON {name} "
                           "BEGIN UPDATE org_version SET token = lower(hex(randomblob(16))) WHERE id = 1; END")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == 'postgresql':
        for name in TABLES:
            op.execute(f"DROP TRIGGER {name}_org_version ON {name}")
        op.execute("DROP FUNCTION portal_org_changed()")
    else:
        for name in TABLES:
            for event in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER {name}_org_version_{event}")
    op.drop_table('org_version')
