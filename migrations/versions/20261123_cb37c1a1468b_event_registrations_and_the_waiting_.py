"""Event registrations and the waiting list, buyers' slots and bookings, feedback;
calendar feed token and event announcements opt-in

Revision ID: cb37c1a1468b
Revises: 84fff4a2b7c2
Create Date: 2026-11-23 02:28:58.914581

"""
import sqlalchemy as sa
from alembic import op

import charter_app.timeutil

# revision identifiers, used by Alembic.
revision = 'cb37c1a1468b'
down_revision = '84fff4a2b7c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('attendee_name', sa.String(length=120), nullable=False),
    sa.Column('attendee_email', sa.String(length=254), nullable=False),
    sa.Column('email_key', sa.String(length=254), nullable=False),
    sa.Column('needs', sa.Text(), nullable=True),
    sa.Column('needs_erased_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('waiting_since', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('confirmed_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('promoted_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('promoted_by_id', sa.Integer(), nullable=True),
    sa.Column('cancelled_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.Column('checked_in_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.Column('walk_in', sa.Boolean(), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['users.id'], name=op.f('fk_event_registrations_cancelled_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['users.id'], name=op.f('fk_event_registrations_checked_in_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_registrations_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_event_registrations_organisation_id_organisations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['promoted_by_id'], ['users.id'], name=op.f('fk_event_registrations_promoted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['registered_by_id'], ['users.id'], name=op.f('fk_event_registrations_registered_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_registrations'))
    )
    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_registrations_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_event_registrations_queue', ['event_id', 'status', 'waiting_since'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_registrations_registered_by_id'), ['registered_by_id'], unique=False)
        batch_op.create_index('uq_event_registrations_active_email', ['event_id', 'email_key'], unique=True, sqlite_where=sa.text("status IN ('confirmed', 'waiting')"), postgresql_where=sa.text("status IN ('confirmed', 'waiting')"))

    op.create_table('buyer_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('ends_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['buyer_id'], ['event_buyers.id'], name=op.f('fk_buyer_slots_buyer_id_event_buyers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyer_slots')),
    sa.UniqueConstraint('buyer_id', 'starts_at', name=op.f('uq_buyer_slots_buyer_id'))
    )
    op.create_table('event_feedback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_feedback_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['event_registrations.id'], name=op.f('fk_event_feedback_registration_id_event_registrations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_feedback')),
    sa.UniqueConstraint('registration_id', name=op.f('uq_event_feedback_registration_id'))
    )
    with op.batch_alter_table('event_feedback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_feedback_event_id'), ['event_id'], unique=False)

    op.create_table('slot_bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('booked_by_id', sa.Integer(), nullable=True),
    sa.Column('offer', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('cancelled_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['booked_by_id'], ['users.id'], name=op.f('fk_slot_bookings_booked_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['buyer_id'], ['event_buyers.id'], name=op.f('fk_slot_bookings_buyer_id_event_buyers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_slot_bookings_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_slot_bookings_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['slot_id'], ['buyer_slots.id'], name=op.f('fk_slot_bookings_slot_id_buyer_slots'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_slot_bookings'))
    )
    with op.batch_alter_table('slot_bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slot_bookings_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_slot_bookings_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('uq_slot_bookings_buyer_supplier', ['buyer_id', 'organisation_id'], unique=True, sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'"))
        batch_op.create_index('uq_slot_bookings_slot', ['slot_id'], unique=True, sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'"))

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('published_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('announced_at', charter_app.timeutil.UTCDateTime(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_events_published_by_id_users'), 'users', ['published_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_events_cancelled_by_id_users'), 'users', ['cancelled_by_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('attachment_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('attachment_type', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('attachment_body', sa.Text(), nullable=True))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('wants_event_announcements', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_users_calendar_token'), ['calendar_token'])



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_users_calendar_token'), type_='unique')
        batch_op.drop_column('calendar_token')
        batch_op.drop_column('wants_event_announcements')

    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_column('attachment_body')
        batch_op.drop_column('attachment_type')
        batch_op.drop_column('attachment_name')

    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_events_cancelled_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_events_published_by_id_users'), type_='foreignkey')
        batch_op.drop_column('announced_at')
        batch_op.drop_column('cancelled_by_id')
        batch_op.drop_column('published_by_id')

    with op.batch_alter_table('slot_bookings', schema=None) as batch_op:
        batch_op.drop_index('uq_slot_bookings_slot', sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'"))
        batch_op.drop_index('uq_slot_bookings_buyer_supplier', sqlite_where=sa.text("status = 'booked'"), postgresql_where=sa.text("status = 'booked'"))
        batch_op.drop_index(batch_op.f('ix_slot_bookings_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_slot_bookings_event_id'))

    op.drop_table('slot_bookings')
    with op.batch_alter_table('event_feedback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_feedback_event_id'))

    op.drop_table('event_feedback')
    op.drop_table('buyer_slots')
    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.drop_index('uq_event_registrations_active_email', sqlite_where=sa.text("status IN ('confirmed', 'waiting')"), postgresql_where=sa.text("status IN ('confirmed', 'waiting')"))
        batch_op.drop_index(batch_op.f('ix_event_registrations_registered_by_id'))
        batch_op.drop_index('ix_event_registrations_queue')
        batch_op.drop_index(batch_op.f('ix_event_registrations_organisation_id'))

    op.drop_table('event_registrations')
