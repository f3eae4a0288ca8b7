"""The audit trail as a hash chain: each entry's place, previous hash and own hash; the chain head;
on PostgreSQL a trigger that refuses UPDATE, DELETE and TRUNCATE on the trail

Revision ID: 0010_trail_chain
Revises: 0009_pending_registrations
Create Date: 2026-11-30 23:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_trail_chain'
down_revision = '0009_pending_registrations'
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

# The trail as it stands at this revision, for chaining the entries already written.
entries = sa.table(
    'audit_entries',
    sa.column('id', BigId), sa.column('occurred_at', sa.DateTime(timezone=True)),
    sa.column('actor_id', sa.Integer()), sa.column('actor_name', sa.String()),
    sa.column('capacity', sa.String()), sa.column('action', sa.String()),
    sa.column('object_type', sa.String()), sa.column('object_id', sa.String()),
    sa.column('before', sa.JSON()), sa.column('after', sa.JSON()),
    sa.column('address', sa.String()), sa.column('user_agent', sa.String()),
    sa.column('chain_seq', BigId), sa.column('prev_hash', sa.String()), sa.column('entry_hash', sa.String()),
)

REFUSE_FUNCTION = """
CREATE FUNCTION audit_entries_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on audit_entries is refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""


def _chain_existing(bind) -> tuple[int, str]:
    from portal.audit.chain import GENESIS

    columns = [c for c in entries.c if c.name not in ('chain_seq', 'prev_hash', 'entry_hash')]
    last_seq, last_hash, last_id = 0, GENESIS, 0
    while True:  # in id order, a batch at a time
        rows = [dict(row._mapping) for row in bind.execute(
            sa.select(*columns).where(entries.c.id > last_id).order_by(entries.c.id).limit(1000))]
        if not rows:
            return last_seq, last_hash
        chained = _chain_from(rows, last_seq, last_hash)
        for row, (seq, prev, digest) in zip(rows, chained, strict=True):
            bind.execute(entries.update().where(entries.c.id == row['id'])
                         .values(chain_seq=seq, prev_hash=prev, entry_hash=digest))
            last_seq, last_hash, last_id = seq, digest, row['id']


def _chain_from(rows, seq, prev):
    from portal.audit.chain import entry_hash

    result = []
    for values in rows:
        seq += 1
        digest = entry_hash(values, seq, prev)
        result.append((seq, prev, digest))
        prev = digest
    return result


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chain_seq', BigId, nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('entry_hash', sa.String(length=64), nullable=True))
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', BigId, nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    bind = op.get_bind()
    last_seq, last_hash = _chain_existing(bind)
    op.bulk_insert(sa.table('audit_chain_head', sa.column('id', sa.Integer()), sa.column('last_seq', BigId),
                            sa.column('last_hash', sa.String())),
                   [{'id': 1, 'last_seq': last_seq, 'last_hash': last_hash}])
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.alter_column('chain_seq', existing_type=BigId, nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('entry_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_entries_chain_seq'), ['chain_seq'])
    if bind.dialect.name == 'postgresql':
        op.execute(REFUSE_FUNCTION)
        op.execute("CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries "
                   "FOR EACH ROW EXECUTE FUNCTION audit_entries_refuse_change()")
        op.execute("CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_refuse_change()")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER audit_entries_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER audit_entries_append_only ON audit_entries")
        op.execute("DROP FUNCTION audit_entries_refuse_change()")
    op.drop_table('audit_chain_head')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_entries_chain_seq'), type_='unique')
        batch_op.drop_column('entry_hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('chain_seq')
