"""Proxy-value imports waiting for an administrator's confirmation

Revision ID: 3c5a7e91d2b4
Revises: 1019858a81a1
Create Date: 2026-11-23 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

import charter_app.timeutil

# revision identifiers, used by Alembic.
revision = '3c5a7e91d2b4'
down_revision = '1019858a81a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('catalogue_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('filename', sa.String(length=120), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('applied_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('applied_by_id', sa.Integer(), nullable=True),
    sa.Column('applied_counts', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['applied_by_id'], ['users.id'], name=op.f('fk_catalogue_imports_applied_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_catalogue_imports_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_imports')),
    sa.UniqueConstraint('key', name=op.f('uq_catalogue_imports_key'))
    )
    with op.batch_alter_table('catalogue_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_imports_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('catalogue_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_imports_created_at'))

    op.drop_table('catalogue_imports')
