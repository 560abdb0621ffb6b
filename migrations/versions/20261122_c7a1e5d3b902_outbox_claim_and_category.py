"""outbox: a delivery lease per message, and each email's category

Revision ID: c7a1e5d3b902
Revises: 6bbf5478dbad
Create Date: 2026-11-22 20:50:00

"""
import sqlalchemy as sa
from alembic import op

from charter_app.timeutil import UTCDateTime

# revision identifiers, used by Alembic.
revision = 'c7a1e5d3b902'
down_revision = '6bbf5478dbad'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        # Existing rows are account and application emails: none of them optional.
        batch_op.add_column(sa.Column('category', sa.String(length=20), nullable=False,
                                      server_default='transactional'))
        batch_op.add_column(sa.Column('claimed_until', UTCDateTime(), nullable=True))
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.alter_column('category', server_default=None)


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
        batch_op.drop_column('category')
