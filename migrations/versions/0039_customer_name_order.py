"""Customers in name order with their ids (name, id), in place of the index on the name alone: the
customer search reads a common name's first customers by name from the index alone, stopping at the
page's limit, instead of every customer whose name contains it (issue 14)

Revision ID: 0039_customer_name_order
Revises: 0038_credit_reasons
Create Date: 2026-12-01 16:45:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0039_customer_name_order'
down_revision = '0038_credit_reasons'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_customers_name_id', 'customers', ['name', 'id'], unique=False)
    op.drop_index('ix_customers_name', table_name='customers')


def downgrade():
    op.create_index('ix_customers_name', 'customers', ['name'], unique=False)
    op.drop_index('ix_customers_name_id', table_name='customers')
