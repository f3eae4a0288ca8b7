"""Bodies other than committees: a company's board, the executive committee, a joint authority's
board (issue 12 §9); every existing body is a committee (nämnd)

Revision ID: 0032_body_kinds
Revises: 0031_batch_committee
Create Date: 2026-12-01 13:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032_body_kinds'
down_revision = '0031_batch_committee'
branch_labels = None
depends_on = None


def _sqlite_org_version_triggers():
    """SQLite's batch mode rebuilds the table and loses its triggers (0027_org_version): put them back."""
    if op.get_bind().dialect.name != 'sqlite':
        return
    for event in ('INSERT', 'UPDATE', 'DELETE'):
        op.execute(f"DROP TRIGGER IF EXISTS committees_org_version_{event.lower()}")
        op.execute(f"CREATE TRIGGER committees_org_version_{event.lower()} AFTER {event} ON committees "
                   "BEGIN UPDATE org_version SET token = lower(hex(randomblob(16))) WHERE id = 1; END")


def upgrade():
    with op.batch_alter_table('committees', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=30), server_default='committee', nullable=False))
        batch_op.create_check_constraint(
            'kind', "kind in ('committee', 'executive_committee', 'company_board', 'federation_board')")
    _sqlite_org_version_triggers()


def downgrade():
    with op.batch_alter_table('committees', schema=None) as batch_op:
        batch_op.drop_constraint('kind', type_='check')
        batch_op.drop_column('kind')
    _sqlite_org_version_triggers()
