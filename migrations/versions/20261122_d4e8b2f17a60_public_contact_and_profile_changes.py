"""a public contact on the profile, a record of profile edits, and legal change requests

Revision ID: d4e8b2f17a60
Revises: 5e1c7a9d3b42
Create Date: 2026-11-22 21:30:00.000000

"""
import sqlalchemy as sa
from alembic import op

import charter_app.timeutil

# revision identifiers, used by Alembic.
revision = 'd4e8b2f17a60'
down_revision = '5e1c7a9d3b42'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('legal_change_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('old_name', sa.String(length=160), nullable=False),
    sa.Column('new_name', sa.String(length=160), nullable=False),
    sa.Column('old_legal_form', sa.String(length=30), nullable=True),
    sa.Column('new_legal_form', sa.String(length=30), nullable=False),
    sa.Column('old_company_number', sa.String(length=8), nullable=True),
    sa.Column('new_company_number', sa.String(length=8), nullable=True),
    sa.Column('old_charity_number', sa.String(length=8), nullable=True),
    sa.Column('new_charity_number', sa.String(length=8), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_legal_change_requests_decided_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_legal_change_requests_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_legal_change_requests_requested_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_legal_change_requests'))
    )
    with op.batch_alter_table('legal_change_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_legal_change_requests_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_legal_change_requests_status'), ['status'], unique=False)

    op.create_table('profile_edits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('field', sa.String(length=30), nullable=False),
    sa.Column('old_value', sa.Text(), nullable=True),
    sa.Column('new_value', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_profile_edits_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_profile_edits_organisation_id_organisations'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_profile_edits'))
    )
    with op.batch_alter_table('profile_edits', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_profile_edits_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('contact_phone', sa.String(length=20), nullable=True))



def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('contact_phone')
        batch_op.drop_column('contact_email')

    with op.batch_alter_table('profile_edits', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_profile_edits_organisation_id'))

    op.drop_table('profile_edits')
    with op.batch_alter_table('legal_change_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_legal_change_requests_status'))
        batch_op.drop_index(batch_op.f('ix_legal_change_requests_organisation_id'))

    op.drop_table('legal_change_requests')
