"""Signing in through the municipality's identity provider: a user's stable identity there, and on
each session how it was signed in and the provider's subject and session (for its logout)

Revision ID: 0012_sso
Revises: 0011_user_sessions
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_sso'
down_revision = '0011_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('external_id', sa.String(length=255), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_external_id'), ['external_id'])
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('login_method', sa.String(length=20), nullable=False,
                                      server_default='password'))
        batch_op.add_column(sa.Column('idp_sub', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('idp_sid', sa.String(length=255), nullable=True))
        batch_op.create_index('ix_user_sessions_idp_sub', ['idp_sub'], unique=False)
        batch_op.create_index('ix_user_sessions_idp_sid', ['idp_sid'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_user_sessions_idp_sid')
        batch_op.drop_index('ix_user_sessions_idp_sub')
        batch_op.drop_column('idp_sid')
        batch_op.drop_column('idp_sub')
        batch_op.drop_column('login_method')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_external_id'), type_='unique')
        batch_op.drop_column('external_id')
