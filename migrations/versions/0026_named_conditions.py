"""Named eligibility conditions (issue 12 §2, RULINGS 14): each committee's own yes/no conditions,
the officer's answers on a case; the built-in conditions (applied before the due date, no other
unpaid debt) become two entries every committee's list starts with, and the rules and further
delegations that required them now name those entries

Revision ID: 0026_named_conditions
Revises: 0025_invoice_amount_limit
Create Date: 2026-12-01 10:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_named_conditions'
down_revision = '0025_invoice_amount_limit'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
TABLES = ('delegation_rules', 'further_delegations')
# (column of old, built-in code, the entry's name as the committee's list shows it)
BUILTIN = (('requires_applied_before_due', 'applied_before_due', 'Ansökan kom in före förfallodagen'),
           ('requires_no_other_unpaid_debt', 'no_other_unpaid_debt', 'Ingen annan obetald skuld till kommunen'))


def upgrade():
    conditions = op.create_table(
        'eligibility_conditions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('committee_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('requires_document', sa.Boolean(), nullable=False),
        sa.Column('builtin', sa.String(length=30), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['committee_id'], ['committees.id'],
                                name=op.f('fk_eligibility_conditions_committee_id_committees')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_eligibility_conditions_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_eligibility_conditions')),
        sa.UniqueConstraint('committee_id', 'name', name=op.f('uq_eligibility_conditions_committee_id')),
    )
    op.create_index(op.f('ix_eligibility_conditions_committee_id'), 'eligibility_conditions', ['committee_id'])
    op.create_table(
        'case_condition_answers',
        sa.Column('id', BigId, nullable=False),
        sa.Column('case_id', BigId, nullable=False),
        sa.Column('condition_id', sa.Integer(), nullable=False),
        sa.Column('met', sa.Boolean(), nullable=False),
        sa.Column('answered_by_id', sa.Integer(), nullable=False),
        sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attachment_id', BigId, nullable=True),
        sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_condition_answers_case_id_cases')),
        sa.ForeignKeyConstraint(['condition_id'], ['eligibility_conditions.id'],
                                name=op.f('fk_case_condition_answers_condition_id_eligibility_conditions')),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'],
                                name=op.f('fk_case_condition_answers_answered_by_id_users')),
        sa.ForeignKeyConstraint(['attachment_id'], ['case_attachments.id'],
                                name=op.f('fk_case_condition_answers_attachment_id_case_attachments')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_case_condition_answers')),
        sa.UniqueConstraint('case_id', 'condition_id', name=op.f('uq_case_condition_answers_case_id')),
    )
    op.create_index(op.f('ix_case_condition_answers_case_id'), 'case_condition_answers', ['case_id'])
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('required_conditions', sa.JSON(), nullable=True))

    bind = op.get_bind()
    # The built-in conditions belong to no committee: every committee's list starts with them.
    op.bulk_insert(conditions, [{'committee_id': None, 'name': name, 'requires_document': False, 'builtin': code}
                                for _column, code, name in BUILTIN])
    ids = dict(bind.execute(sa.text(
        "SELECT builtin, id FROM eligibility_conditions WHERE builtin IS NOT NULL")).all())
    for table in TABLES:
        target = sa.table(table, sa.column('id', sa.Integer()), sa.column('required_conditions', sa.JSON()))
        rows = bind.execute(sa.text(
            f"SELECT id, {BUILTIN[0][0]}, {BUILTIN[1][0]} FROM {table}")).all()
        for row_id, *flags in rows:
            required = [[ids[code], code]
                        for flag, (_column, code, _name) in zip(flags, BUILTIN) if flag]
            if required:
                bind.execute(target.update().where(target.c.id == row_id).values(required_conditions=required))
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _code, _name in BUILTIN:
                batch_op.drop_column(column)


def downgrade():
    bind = op.get_bind()
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, _code, _name in BUILTIN:
                batch_op.add_column(sa.Column(column, sa.Boolean(), nullable=False, server_default=sa.false()))
        source = sa.table(table, sa.column('id', sa.Integer()), sa.column('required_conditions', sa.JSON()))
        for row_id, required in bind.execute(sa.select(source.c.id, source.c.required_conditions)).all():
            codes = {code for _id, code in required or ()}
            for column, code, _name in BUILTIN:
                if code in codes:
                    bind.execute(sa.text(f"UPDATE {table} SET {column} = :yes WHERE id = :id"),
                                 {'yes': True, 'id': row_id})
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('required_conditions')
    op.drop_index(op.f('ix_case_condition_answers_case_id'), table_name='case_condition_answers')
    op.drop_table('case_condition_answers')
    op.drop_index(op.f('ix_eligibility_conditions_committee_id'), table_name='eligibility_conditions')
    op.drop_table('eligibility_conditions')
