"""Reports: the day a decision was executed in the ledger (finance reports count by it, RULINGS 19),
filled for executed cases from the trail; and the municipality's reporting deadline for delegated
decisions (the internal-control page)

Revision ID: 0029_reports
Revises: 0028_whole_debt_due
Create Date: 2026-12-01 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_reports'
down_revision = '0028_whole_debt_due'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('cases', sa.Column('executed_on', sa.Date(), nullable=True))
    op.create_index('ix_cases_executed_on', 'cases', ['executed_on'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        executed_day = "(min(a.occurred_at) AT TIME ZONE 'Europe/Stockholm')::date"
        case_id = "CAST(cases.id AS VARCHAR)"
    else:
        executed_day = "date(min(a.occurred_at))"
        case_id = "CAST(cases.id AS TEXT)"
    op.execute(
        f"UPDATE cases SET executed_on = (SELECT {executed_day} FROM audit_entries a "
        f"WHERE a.action = 'case.execute' AND a.object_type = 'case' AND a.object_id = {case_id}) "
        "WHERE state = 'executed'")
    op.create_table(
        'reporting_settings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('report_within_days', sa.Integer(), nullable=False),
        sa.CheckConstraint('report_within_days BETWEEN 1 AND 365',
                           name=op.f('ck_reporting_settings_report_within_days')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_settings')),
    )


def downgrade():
    op.drop_table('reporting_settings')
    op.drop_index('ix_cases_executed_on', table_name='cases')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE cases DROP COLUMN executed_on')
    else:
        op.drop_column('cases', 'executed_on')
