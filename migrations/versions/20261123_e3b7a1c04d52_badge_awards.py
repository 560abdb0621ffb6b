"""Badge awards (Charter Signatory, Reported <year>, levels), kept for ever; the nightly
re-check's record of the days it ran

Revision ID: e3b7a1c04d52
Revises: b9f04d8fc12a
Create Date: 2026-11-23 07:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = 'e3b7a1c04d52'
down_revision = 'b9f04d8fc12a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'badge_awards',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('public_id', sa.String(length=32), nullable=False),
        sa.Column('credential_id', sa.String(length=64), nullable=False),
        sa.Column('organisation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('level', sa.String(length=10), nullable=True),
        sa.Column('pledge_period_id', sa.Integer(), nullable=True),
        sa.Column('year_label', sa.String(length=20), nullable=False),
        sa.Column('current_key', sa.String(length=60), nullable=True),
        sa.Column('recipient_salt', sa.String(length=32), nullable=False),
        sa.Column('valid_from', sa.DateTime(), nullable=False),
        sa.Column('valid_until', sa.DateTime(), nullable=True),
        sa.Column('ended_reason', sa.String(length=300), nullable=True),
        sa.Column('revoked_at', sa.DateTime(), nullable=True),
        sa.Column('revocation_reason', sa.String(length=300), nullable=True),
        sa.Column('checked_on', sa.Date(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'],
                                name=op.f('fk_badge_awards_organisation_id_organisations'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['pledge_period_id'], ['pledge_periods.id'],
                                name=op.f('fk_badge_awards_pledge_period_id_pledge_periods'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_awards')),
        sa.UniqueConstraint('credential_id', name=op.f('uq_badge_awards_credential_id')),
        sa.UniqueConstraint('current_key', name=op.f('uq_badge_awards_current_key')),
        sa.UniqueConstraint('public_id', name=op.f('uq_badge_awards_public_id')),
    )
    with op.batch_alter_table('badge_awards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_badge_awards_organisation_id'), ['organisation_id'],
                              unique=False)
    op.create_table(
        'badge_rechecks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('finished_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_rechecks')),
        sa.UniqueConstraint('day', name=op.f('uq_badge_rechecks_day')),
    )


def downgrade():
    op.drop_table('badge_rechecks')
    with op.batch_alter_table('badge_awards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_badge_awards_organisation_id'))
    op.drop_table('badge_awards')
