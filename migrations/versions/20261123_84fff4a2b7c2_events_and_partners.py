"""Events (meet-the-buyer days, webinars, workshops), partners, and the buyers at an event

Revision ID: 84fff4a2b7c2
Revises: 3c5a7e91d2b4
Create Date: 2026-11-23 00:44:44.765516

"""
import sqlalchemy as sa
from alembic import op

import charter_app.timeutil

# revision identifiers, used by Alembic.
revision = '84fff4a2b7c2'
down_revision = '3c5a7e91d2b4'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=160), nullable=False),
    sa.Column('website', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_partners')),
    sa.UniqueConstraint('name', name=op.f('uq_partners_name'))
    )
    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('starts_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('ends_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('venue', sa.String(length=160), nullable=True),
    sa.Column('address', sa.String(length=300), nullable=True),
    sa.Column('join_url', sa.String(length=500), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('registration_opens_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('registration_closes_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('places_per_organisation', sa.Integer(), nullable=False),
    sa.Column('eligibility', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('cancellation_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('updated_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('published_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('cancelled_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_events_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index('ix_events_listing', ['status', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_status'), ['status'], unique=False)

    op.create_table('event_buyers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('partner_id', sa.Integer(), nullable=False),
    sa.Column('buys', sa.Text(), nullable=True),
    sa.Column('opportunities', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_buyers_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['partners.id'], name=op.f('fk_event_buyers_partner_id_partners')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_buyers')),
    sa.UniqueConstraint('event_id', 'partner_id', name=op.f('uq_event_buyers_event_id'))
    )
    with op.batch_alter_table('event_buyers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_buyers_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_buyers_partner_id'), ['partner_id'], unique=False)



def downgrade():
    with op.batch_alter_table('event_buyers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_buyers_partner_id'))
        batch_op.drop_index(batch_op.f('ix_event_buyers_event_id'))

    op.drop_table('event_buyers')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_status'))
        batch_op.drop_index('ix_events_listing')

    op.drop_table('events')
    op.drop_table('partners')
