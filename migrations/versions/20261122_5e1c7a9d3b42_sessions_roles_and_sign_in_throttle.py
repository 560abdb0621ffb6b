"""sessions, staff roles and the sign-in throttle

Revision ID: 5e1c7a9d3b42
Revises: c7d31a9e5b42
Create Date: 2026-11-22 20:50:00.000000

"""
import sqlalchemy as sa
from alembic import op

import charter_app.timeutil

# revision identifiers, used by Alembic.
revision = '5e1c7a9d3b42'
down_revision = 'c7d31a9e5b42'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('deactivated_at', charter_app.timeutil.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('session_generation', sa.Integer(), nullable=False,
                                      server_default='1'))
    # Existing staff keep what they could do: until now every staff account managed everything.
    op.execute(sa.text("UPDATE users SET is_admin = :yes WHERE is_staff = :yes").bindparams(
        yes=True))
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('is_admin', server_default=None)

    op.create_table(
        'sign_in_throttles',
        sa.Column('email_key', sa.String(length=64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('window_started_at', charter_app.timeutil.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('email_key', name=op.f('pk_sign_in_throttles')),
    )


def downgrade():
    op.drop_table('sign_in_throttles')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('session_generation')
        batch_op.drop_column('deactivated_at')
        batch_op.drop_column('is_admin')
