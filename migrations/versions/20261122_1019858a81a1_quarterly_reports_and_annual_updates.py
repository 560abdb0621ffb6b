"""Quarterly reports with revisions, entries and evidence; staff checks; annual updates; the
catalogue audit log; default deflators per measure; and the choice to publish social value

Revision ID: 1019858a81a1
Revises: d4e8b2f17a60
Create Date: 2026-11-22 23:26:18.433956

"""
import sqlalchemy as sa
from alembic import op

import charter_app.timeutil

# revision identifiers, used by Alembic.
revision = '1019858a81a1'
down_revision = 'd4e8b2f17a60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('catalogue_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('measure_code', sa.String(length=20), nullable=False),
    sa.Column('financial_year', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('batch', sa.String(length=32), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_catalogue_changes_actor_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_changes'))
    )
    with op.batch_alter_table('catalogue_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_changes_batch'), ['batch'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_changes_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_changes_measure_code'), ['measure_code'], unique=False)

    op.create_table('annual_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('pledge_period_id', sa.Integer(), nullable=False),
    sa.Column('next_period_id', sa.Integer(), nullable=True),
    sa.Column('narratives', sa.JSON(), nullable=False),
    sa.Column('achieved', sa.JSON(), nullable=False),
    sa.Column('submitted_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['next_period_id'], ['pledge_periods.id'], name=op.f('fk_annual_updates_next_period_id_pledge_periods'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_annual_updates_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pledge_period_id'], ['pledge_periods.id'], name=op.f('fk_annual_updates_pledge_period_id_pledge_periods'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_annual_updates_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_updates')),
    sa.UniqueConstraint('organisation_id', 'pledge_period_id', name=op.f('uq_annual_updates_organisation_id'))
    )
    with op.batch_alter_table('annual_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_annual_updates_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('quarterly_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('financial_year', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.Integer(), nullable=False),
    sa.Column('pledge_period_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('submitted_revision_id', sa.Integer(), nullable=True),
    sa.Column('draft_revision_id', sa.Integer(), nullable=True),
    sa.Column('first_submitted_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('updated_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_quarterly_reports_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['pledge_period_id'], ['pledge_periods.id'], name=op.f('fk_quarterly_reports_pledge_period_id_pledge_periods'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarterly_reports')),
    sa.UniqueConstraint('organisation_id', 'financial_year', 'quarter', name=op.f('uq_quarterly_reports_organisation_id'))
    )
    with op.batch_alter_table('quarterly_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quarterly_reports_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index('ix_quarterly_reports_period', ['financial_year', 'quarter', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarterly_reports_pledge_period_id'), ['pledge_period_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quarterly_reports_status'), ['status'], unique=False)

    op.create_table('report_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', charter_app.timeutil.UTCDateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('change_note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_report_revisions_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['quarterly_reports.id'], name=op.f('fk_report_revisions_report_id_quarterly_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_report_revisions_submitted_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_revisions')),
    sa.UniqueConstraint('report_id', 'number', name=op.f('uq_report_revisions_report_id'))
    )
    with op.batch_alter_table('report_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_revisions_report_id'), ['report_id'], unique=False)

    # A report and its revisions point at each other: the report's two pointers are added once
    # both tables exist.
    with op.batch_alter_table('quarterly_reports', schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f('fk_quarterly_reports_submitted_revision_id_report_revisions'),
            'report_revisions', ['submitted_revision_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(
            batch_op.f('fk_quarterly_reports_draft_revision_id_report_revisions'),
            'report_revisions', ['draft_revision_id'], ['id'], ondelete='SET NULL')

    op.create_table('report_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_report_checks_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['report_id'], ['quarterly_reports.id'], name=op.f('fk_report_checks_report_id_quarterly_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['revision_id'], ['report_revisions.id'], name=op.f('fk_report_checks_revision_id_report_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_checks'))
    )
    with op.batch_alter_table('report_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_checks_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_checks_revision_id'), ['revision_id'], unique=False)

    op.create_table('report_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision_id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('description', sa.String(length=500), nullable=False),
    sa.Column('location', sa.String(length=60), nullable=True),
    sa.Column('area', sa.String(length=40), nullable=True),
    sa.Column('evidence_url', sa.String(length=500), nullable=True),
    sa.Column('deadweight', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('attribution', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('displacement', sa.Numeric(precision=5, scale=2), nullable=False),
    sa.Column('deflator_reason', sa.String(length=200), nullable=True),
    sa.Column('proxy_value', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('proxy_source', sa.Text(), nullable=True),
    sa.Column('proxy_edition', sa.String(length=60), nullable=True),
    sa.Column('national_toms_code', sa.String(length=12), nullable=True),
    sa.Column('national_toms_edition', sa.String(length=60), nullable=True),
    # Millionths of a pound (charter_app.reporting.models.MicroPounds): exact sums on SQLite too.
    sa.Column('gross', sa.BigInteger(), nullable=True),
    sa.Column('net', sa.BigInteger(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.Column('updated_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['measure_id'], ['measures.id'], name=op.f('fk_report_entries_measure_id_measures')),
    sa.ForeignKeyConstraint(['revision_id'], ['report_revisions.id'], name=op.f('fk_report_entries_revision_id_report_revisions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_entries')),
    sa.UniqueConstraint('revision_id', 'measure_id', name=op.f('uq_report_entries_revision_id'))
    )
    with op.batch_alter_table('report_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_entries_area'), ['area'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_entries_measure_id'), ['measure_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_entries_revision_id'), ['revision_id'], unique=False)

    op.create_table('evidence_files',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('stored_name', sa.String(length=64), nullable=False),
    sa.Column('original_name', sa.String(length=120), nullable=False),
    sa.Column('content_type', sa.String(length=40), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', charter_app.timeutil.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['entry_id'], ['report_entries.id'], name=op.f('fk_evidence_files_entry_id_report_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_evidence_files_uploaded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_files'))
    )
    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_files_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evidence_files_stored_name'), ['stored_name'], unique=False)

    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('default_deadweight', sa.Numeric(precision=5, scale=2), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('default_attribution', sa.Numeric(precision=5, scale=2), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('default_displacement', sa.Numeric(precision=5, scale=2), nullable=False,
                                      server_default='0'))

    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publishes_social_value', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_column('publishes_social_value')

    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_column('default_displacement')
        batch_op.drop_column('default_attribution')
        batch_op.drop_column('default_deadweight')

    with op.batch_alter_table('evidence_files', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_files_stored_name'))
        batch_op.drop_index(batch_op.f('ix_evidence_files_entry_id'))

    op.drop_table('evidence_files')
    with op.batch_alter_table('report_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_entries_revision_id'))
        batch_op.drop_index(batch_op.f('ix_report_entries_measure_id'))
        batch_op.drop_index(batch_op.f('ix_report_entries_area'))

    op.drop_table('report_entries')
    with op.batch_alter_table('report_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_checks_revision_id'))
        batch_op.drop_index(batch_op.f('ix_report_checks_report_id'))

    op.drop_table('report_checks')
    with op.batch_alter_table('quarterly_reports', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_quarterly_reports_draft_revision_id_report_revisions'), type_='foreignkey')
        batch_op.drop_constraint(
            batch_op.f('fk_quarterly_reports_submitted_revision_id_report_revisions'),
            type_='foreignkey')

    with op.batch_alter_table('report_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_revisions_report_id'))

    op.drop_table('report_revisions')
    with op.batch_alter_table('quarterly_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quarterly_reports_status'))
        batch_op.drop_index(batch_op.f('ix_quarterly_reports_pledge_period_id'))
        batch_op.drop_index('ix_quarterly_reports_period')
        batch_op.drop_index(batch_op.f('ix_quarterly_reports_organisation_id'))

    op.drop_table('quarterly_reports')
    with op.batch_alter_table('annual_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_annual_updates_organisation_id'))

    op.drop_table('annual_updates')
    with op.batch_alter_table('catalogue_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_changes_measure_code'))
        batch_op.drop_index(batch_op.f('ix_catalogue_changes_created_at'))
        batch_op.drop_index(batch_op.f('ix_catalogue_changes_batch'))

    op.drop_table('catalogue_changes')
