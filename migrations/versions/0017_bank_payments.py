"""Bank payment files (BgMax): the bank payments matched or waiting for a person, where an open
amount came from, the settlement order per municipality and category; how late a plan is broken

Revision ID: 0017_bank_payments
Revises: 0016_limit_bounds
Create Date: 2026-12-01 04:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_bank_payments'
down_revision = '0016_limit_bounds'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
ORDERS = ('fees,capital,interest', 'fees,interest,capital', 'capital,fees,interest',
          'capital,interest,fees', 'interest,fees,capital', 'interest,capital,fees')


def upgrade():
    with op.batch_alter_table('invoices') as batch:
        batch.add_column(sa.Column('open_amount_source', sa.String(length=10), nullable=True))
    with op.batch_alter_table('payments') as batch:
        batch.add_column(sa.Column('source', sa.String(length=10), nullable=True))
    with op.batch_alter_table('ledger_imports') as batch:
        batch.add_column(sa.Column('count_unmatched', sa.BigInteger(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('file_identity', sa.String(length=64), nullable=True))
        batch.create_index(batch.f('ix_ledger_imports_file_identity'), ['file_identity'], unique=False)
    op.create_table(
        'follow_up_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('broken_after_days', sa.Integer(), nullable=False),
        sa.CheckConstraint('broken_after_days >= 0', name=op.f('ck_follow_up_settings_broken_after_days')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up_settings')),
    )
    op.create_table(
        'settlement_orders',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('category_id', sa.Integer(), nullable=True),
        sa.Column('settlement_order', sa.String(length=40), nullable=False),
        sa.CheckConstraint("settlement_order in (%s)" % ", ".join(repr(o) for o in ORDERS),
                           name=op.f('ck_settlement_orders_settlement_order')),
        sa.ForeignKeyConstraint(['category_id'], ['invoice_categories.id'],
                                name=op.f('fk_settlement_orders_category_id_invoice_categories')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_orders')),
        sa.UniqueConstraint('category_id', name=op.f('uq_settlement_orders_category_id')),
    )
    op.create_table(
        'bank_payments',
        sa.Column('id', BigId, nullable=False),
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('import_id', sa.Integer(), nullable=False),
        sa.Column('line', sa.Integer(), nullable=False),
        sa.Column('receiving_bankgiro', sa.String(length=10), nullable=False),
        sa.Column('deposit_date', sa.Date(), nullable=False),
        sa.Column('bank_serial', sa.String(length=12), nullable=True),
        sa.Column('amount_ore', sa.BigInteger(), nullable=False),
        sa.Column('reference', sa.String(length=25), nullable=True),
        sa.Column('reference_type', sa.String(length=10), nullable=False),
        sa.Column('payer_name', sa.String(length=100), nullable=True),
        sa.Column('information', sa.String(length=500), nullable=True),
        sa.Column('invoice_id', BigId, nullable=True),
        sa.Column('payment_id', BigId, nullable=True),
        sa.Column('matched_by', sa.String(length=20), nullable=True),
        sa.Column('matched_by_user_id', sa.Integer(), nullable=True),
        sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('direction', sa.String(length=40), nullable=True),
        sa.Column('settlement', sa.JSON(), nullable=True),
        sa.CheckConstraint("matched_by in ('ocr', 'invoice_number', 'hand')",
                           name=op.f('ck_bank_payments_matched_by')),
        sa.ForeignKeyConstraint(['import_id'], ['ledger_imports.id'],
                                name=op.f('fk_bank_payments_import_id_ledger_imports')),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoices.id'], name=op.f('fk_bank_payments_invoice_id_invoices')),
        sa.ForeignKeyConstraint(['payment_id'], ['payments.id'], name=op.f('fk_bank_payments_payment_id_payments')),
        sa.ForeignKeyConstraint(['matched_by_user_id'], ['users.id'],
                                name=op.f('fk_bank_payments_matched_by_user_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_payments')),
        sa.UniqueConstraint('key', name=op.f('uq_bank_payments_key')),
    )
    op.create_index(op.f('ix_bank_payments_import_id'), 'bank_payments', ['import_id'], unique=False)
    op.create_index(op.f('ix_bank_payments_deposit_date'), 'bank_payments', ['deposit_date'], unique=False)
    op.create_index(op.f('ix_bank_payments_invoice_id'), 'bank_payments', ['invoice_id'], unique=False)


def downgrade():
    op.drop_table('bank_payments')
    op.drop_table('settlement_orders')
    op.drop_table('follow_up_settings')
    with op.batch_alter_table('ledger_imports') as batch:
        batch.drop_index(batch.f('ix_ledger_imports_file_identity'))
        batch.drop_column('file_identity')
        batch.drop_column('count_unmatched')
    with op.batch_alter_table('payments') as batch:
        batch.drop_column('source')
    with op.batch_alter_table('invoices') as batch:
        batch.drop_column('open_amount_source')
