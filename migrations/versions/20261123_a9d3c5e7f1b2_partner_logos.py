"""Partners' logos in the Knowledge Hub

Revision ID: a9d3c5e7f1b2
Revises: f7c2a9d4e1b8
Create Date: 2026-11-23 16:40:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'a9d3c5e7f1b2'
down_revision = 'f7c2a9d4e1b8'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo_stem', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('logo_content_type', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('logo_widths', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_column('logo_widths')
        batch_op.drop_column('logo_content_type')
        batch_op.drop_column('logo_stem')
