"""Email preferences for news and the staff digest; the unsubscribe URL of optional emails

Revision ID: b9f04d8fc12a
Revises: 5e1b0c2d9f47
Create Date: 2026-11-23 03:19:41.672495

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b9f04d8fc12a'
down_revision = '5e1b0c2d9f47'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('unsubscribe_url', sa.String(length=500), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wants_news', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('wants_staff_digest', sa.Boolean(), server_default=sa.true(),
                                      nullable=False))



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('wants_staff_digest')
        batch_op.drop_column('wants_news')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('unsubscribe_url')

