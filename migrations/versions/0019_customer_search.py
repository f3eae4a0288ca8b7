"""Customer search by index: names by trigrams (PostgreSQL pg_trgm GIN on lower(name); SQLite an FTS5
trigram table kept by triggers), invoices by OCR reference

Revision ID: 0019_customer_search
Revises: 0018_jobs
Create Date: 2026-12-01 04:40:00

A later migration that rebuilds `customers` on SQLite (batch_alter_table copies the table) must create
the three triggers below again.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_customer_search'
down_revision = '0018_jobs'
branch_labels = None
depends_on = None

SQLITE_TRIGGERS = {
    "customers_name_search_insert": """
        CREATE TRIGGER customers_name_search_insert AFTER INSERT ON customers BEGIN
          INSERT INTO customers_name_search (rowid, name) VALUES (new.id, new.name);
        END""",
    "customers_name_search_delete": """
        CREATE TRIGGER customers_name_search_delete AFTER DELETE ON customers BEGIN
          INSERT INTO customers_name_search (customers_name_search, rowid, name) VALUES ('delete', old.id, old.name);
        END""",
    "customers_name_search_update": """
        CREATE TRIGGER customers_name_search_update AFTER UPDATE OF name ON customers BEGIN
          INSERT INTO customers_name_search (customers_name_search, rowid, name) VALUES ('delete', old.id, old.name);
          INSERT INTO customers_name_search (rowid, name) VALUES (new.id, new.name);
        END""",
}


def upgrade():
    op.create_index(op.f('ix_invoices_ocr_reference'), 'invoices', ['ocr_reference'], unique=False)
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("CREATE VIRTUAL TABLE customers_name_search USING fts5("
                   "name, content='customers', content_rowid='id', tokenize='trigram')")
        for statement in SQLITE_TRIGGERS.values():
            op.execute(statement)
        op.execute("INSERT INTO customers_name_search (customers_name_search) VALUES ('rebuild')")
        return
    # pg_trgm ships with PostgreSQL (contrib) and is a trusted extension: the database's owner may
    # create it. Where it cannot be created, the search still works, reading the table.
    with bind.begin_nested() as savepoint:
        try:
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError:
            savepoint.rollback()
    # The operator class named with the extension's schema: the portal's own schema may be another.
    schema = bind.execute(sa.text(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'")).scalar()
    if schema is not None:
        op.execute(f"CREATE INDEX ix_customers_name_trgm ON customers USING gin (lower(name) {schema}.gin_trgm_ops)")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS customers_name_search")
    else:
        op.execute("DROP INDEX IF EXISTS ix_customers_name_trgm")
    op.drop_index(op.f('ix_invoices_ocr_reference'), table_name='invoices')
