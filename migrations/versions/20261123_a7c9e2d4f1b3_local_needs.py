"""Local needs: small areas' deprivation deciles, the postcodes in them, and their imports

Revision ID: a7c9e2d4f1b3
Revises: f1a2c3d4e5b6
Create Date: 2026-11-23 08:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'a7c9e2d4f1b3'
down_revision = 'f1a2c3d4e5b6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'deprivation_areas',
        sa.Column('edition', sa.String(length=10), nullable=False),
        sa.Column('code', sa.String(length=9), nullable=False),
        sa.Column('name', sa.String(length=80), nullable=False),
        sa.Column('decile', sa.Integer(), nullable=False),
        sa.Column('geography', sa.String(length=10), nullable=False),
        sa.CheckConstraint('decile BETWEEN 1 AND 10',
                           name=op.f('ck_deprivation_areas_decile_1_to_10')),
        sa.PrimaryKeyConstraint('edition', 'code', name=op.f('pk_deprivation_areas')),
    )
    op.create_table(
        'postcode_areas',
        sa.Column('edition', sa.String(length=10), nullable=False),
        sa.Column('postcode', sa.String(length=8), nullable=False),
        sa.Column('area_code', sa.String(length=9), nullable=False),
        sa.PrimaryKeyConstraint('edition', 'postcode', name=op.f('pk_postcode_areas')),
    )
    op.create_table(
        'local_needs_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('edition', sa.String(length=10), nullable=False),
        sa.Column('source', sa.String(length=500), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('rows', sa.Integer(), nullable=False),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.Column('imported_by', sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_local_needs_imports')),
    )
    with op.batch_alter_table('local_needs_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_needs_imports_edition'), ['edition'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('local_needs_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_needs_imports_edition'))
    op.drop_table('local_needs_imports')
    op.drop_table('postcode_areas')
    op.drop_table('deprivation_areas')
