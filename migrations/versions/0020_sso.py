"""Signing in through the municipality's identity provider: a user's stable identity there, and on
each session how it was signed in and the provider's subject and session (for its logout)

Revision ID: 0020_sso
Revises: 0019_customer_search
Create Date: 2026-12-01 05:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_sso'
down_revision = '0019_customer_search'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTERs, no batch copy: copying `users` on SQLite trips the foreign keys to it.
    op.add_column('users', sa.Column('external_id', sa.String(length=255), nullable=True))
    op.create_index('ix_users_external_id', 'users', ['external_id'], unique=True)
    op.add_column('user_sessions', sa.Column('login_method', sa.String(length=20), nullable=False,
                                             server_default='password'))
    op.add_column('user_sessions', sa.Column('idp_sub', sa.String(length=255), nullable=True))
    op.add_column('user_sessions', sa.Column('idp_sid', sa.String(length=255), nullable=True))
    op.create_index('ix_user_sessions_idp_sub', 'user_sessions', ['idp_sub'], unique=False)
    op.create_index('ix_user_sessions_idp_sid', 'user_sessions', ['idp_sid'], unique=False)


def downgrade():
    op.drop_index('ix_user_sessions_idp_sid', table_name='user_sessions')
    op.drop_index('ix_user_sessions_idp_sub', table_name='user_sessions')
    op.drop_index('ix_users_external_id', table_name='users')
    if op.get_bind().dialect.name == 'sqlite':
        for table, column in (('user_sessions', 'idp_sid'), ('user_sessions', 'idp_sub'),
                              ('user_sessions', 'login_method'), ('users', 'external_id')):
            op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
    else:
        op.drop_column('user_sessions', 'idp_sid')
        op.drop_column('user_sessions', 'idp_sub')
        op.drop_column('user_sessions', 'login_method')
        op.drop_column('users', 'external_id')
