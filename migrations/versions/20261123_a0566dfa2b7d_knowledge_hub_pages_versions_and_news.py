"""Knowledge Hub: guidance pages with every saved version, and news posts; installs the
standard guidance pages (charter_app/hub/data/pages/) so a fresh installation has them.

Revision ID: a0566dfa2b7d
Revises: c4d8e1f2a3b5
Create Date: 2026-11-23 09:42:24.942943

"""
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from charter_app.hub.standard_pages import INSTALLED_NOTE, read_standard_pages

revision = 'a0566dfa2b7d'
down_revision = 'c4d8e1f2a3b5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('hub_pages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_pages')),
    sa.UniqueConstraint('slug', name=op.f('uq_hub_pages_slug'))
    )
    op.create_table('hub_page_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('page_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published', sa.Boolean(), nullable=False),
    sa.Column('change_note', sa.String(length=300), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('restored_from', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_hub_page_versions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['page_id'], ['hub_pages.id'], name=op.f('fk_hub_page_versions_page_id_hub_pages'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hub_page_versions')),
    sa.UniqueConstraint('page_id', 'number', name=op.f('uq_hub_page_versions_page_id'))
    )
    op.create_table('news_posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_news_posts_author_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_news_posts')),
    sa.UniqueConstraint('slug', name=op.f('uq_news_posts_slug'))
    )
    with op.batch_alter_table('news_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_news_posts_published_at'), ['published_at'], unique=False)
    install_standard_pages()


def install_standard_pages():
    pages = sa.table(
        'hub_pages', sa.column('id', sa.Integer), sa.column('slug', sa.String),
        sa.column('kind', sa.String), sa.column('title', sa.String),
        sa.column('summary', sa.String), sa.column('body', sa.Text),
        sa.column('published', sa.Boolean), sa.column('sort_order', sa.Integer),
        sa.column('version', sa.Integer), sa.column('updated_at', sa.DateTime))
    versions = sa.table(
        'hub_page_versions', sa.column('page_id', sa.Integer), sa.column('number', sa.Integer),
        sa.column('title', sa.String), sa.column('summary', sa.String),
        sa.column('body', sa.Text), sa.column('published', sa.Boolean),
        sa.column('change_note', sa.String), sa.column('created_at', sa.DateTime))
    # Naive UTC, as the application's UTCDateTime stores it.
    now = datetime.now(UTC).replace(tzinfo=None)
    connection = op.get_bind()
    for item in read_standard_pages():
        text = {'title': item['title'], 'summary': item['summary'], 'body': item['body'],
                'published': True}
        page_id = connection.execute(
            pages.insert().returning(pages.c.id),
            {**text, 'slug': item['slug'], 'kind': 'guidance', 'sort_order': item['sort_order'],
             'version': 1, 'updated_at': now},
        ).scalar_one()
        connection.execute(versions.insert(), {**text, 'page_id': page_id, 'number': 1,
                                               'change_note': INSTALLED_NOTE,
                                               'created_at': now})



def downgrade():
    with op.batch_alter_table('news_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_news_posts_published_at'))

    op.drop_table('news_posts')
    op.drop_table('hub_page_versions')
    op.drop_table('hub_pages')
