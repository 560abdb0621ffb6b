"""Why staff cancelled a registration on the attendee's behalf

Revision ID: 5e1b0c2d9f47
Revises: cb37c1a1468b
Create Date: 2026-11-23 02:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '5e1b0c2d9f47'
down_revision = 'cb37c1a1468b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancellation_reason', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.drop_column('cancellation_reason')
