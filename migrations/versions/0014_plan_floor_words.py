"""Plan-length floors in the rule books' words (RULINGS 3): drafts' floors "longer than N months"
become the same floors "N + 1 months or more"; published versions keep theirs unchanged

Revision ID: 0014_plan_floor_words
Revises: 0013_user_sessions
Create Date: 2026-12-01 04:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_plan_floor_words'
down_revision = '0013_user_sessions'
branch_labels = None
depends_on = None

OR_MORE = 'or_more'

versions = sa.table('scheme_versions', sa.column('id', sa.Integer()), sa.column('state', sa.String()))
rules = sa.table(
    'delegation_rules',
    sa.column('id', sa.Integer()), sa.column('version_id', sa.Integer()),
    sa.column('plan_length_floors', sa.JSON()),
)
further = sa.table(
    'further_delegations', sa.column('id', sa.Integer()), sa.column('plan_length_floors', sa.JSON()),
)


def _rewrite(table, rows, convert):
    bind = op.get_bind()
    for row_id, floors in rows:
        if not floors:
            continue
        new = [convert(list(floor)) for floor in floors]
        if new != floors:
            bind.execute(table.update().where(table.c.id == row_id).values(plan_length_floors=new))


def _to_or_more(floor):
    if len(floor) > 2:
        return floor
    months, debt = floor
    return [int(months) + 1, int(debt), OR_MORE]


def _to_longer_than(floor):
    if len(floor) == 2:
        return floor
    months, debt = floor[0], floor[1]
    return [int(months) - 1, int(debt)]


def upgrade():
    bind = op.get_bind()
    drafts = bind.execute(
        sa.select(rules.c.id, rules.c.plan_length_floors)
        .join(versions, versions.c.id == rules.c.version_id)
        .where(versions.c.state == 'draft', rules.c.plan_length_floors.is_not(None))
    ).all()
    _rewrite(rules, drafts, _to_or_more)


def downgrade():
    bind = op.get_bind()
    _rewrite(rules, bind.execute(sa.select(rules.c.id, rules.c.plan_length_floors)).all(),
             _to_longer_than)
    _rewrite(further, bind.execute(sa.select(further.c.id, further.c.plan_length_floors)).all(),
             _to_longer_than)
