"""Messages from the public: the messages, staff replies, the per-address and per-email
counters, and a Reply-To for outbox emails

Revision ID: c4d8e1f2a3b5
Revises: b8d1f3a5c7e9
Create Date: 2026-11-23 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'c4d8e1f2a3b5'
down_revision = 'b8d1f3a5c7e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'contact_throttles',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('messages', sa.Integer(), nullable=False),
        sa.Column('window_started_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_contact_throttles')),
    )
    op.create_table(
        'contact_messages',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('organisation', sa.String(length=160), nullable=True),
        sa.Column('topic', sa.String(length=20), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=False),
        sa.Column('handled_at', sa.DateTime(), nullable=True),
        sa.Column('handled_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['handled_by_id'], ['users.id'],
                                name=op.f('fk_contact_messages_handled_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_messages')),
    )
    with op.batch_alter_table('contact_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_messages_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_messages_topic'), ['topic'], unique=False)
    op.create_table(
        'contact_replies',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('message_id', sa.Integer(), nullable=False),
        sa.Column('form_key', sa.String(length=32), nullable=False),
        sa.Column('subject', sa.String(length=150), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('sent_at', sa.DateTime(), nullable=False),
        sa.Column('sent_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['message_id'], ['contact_messages.id'],
                                name=op.f('fk_contact_replies_message_id_contact_messages'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['sent_by_id'], ['users.id'],
                                name=op.f('fk_contact_replies_sent_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_replies')),
        sa.UniqueConstraint('form_key', name=op.f('uq_contact_replies_form_key')),
    )
    with op.batch_alter_table('contact_replies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_replies_message_id'), ['message_id'],
                              unique=False)
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('reply_to')
    with op.batch_alter_table('contact_replies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_replies_message_id'))
    op.drop_table('contact_replies')
    with op.batch_alter_table('contact_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_messages_topic'))
        batch_op.drop_index(batch_op.f('ix_contact_messages_status'))
    op.drop_table('contact_messages')
    op.drop_table('contact_throttles')
