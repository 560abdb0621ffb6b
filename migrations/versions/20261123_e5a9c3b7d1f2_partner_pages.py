"""Partners' public pages in the Knowledge Hub: slug, what they buy, tenders, social value contact

Revision ID: e5a9c3b7d1f2
Revises: aca780f1ac2f
Create Date: 2026-11-23 11:15:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e5a9c3b7d1f2'
down_revision = 'aca780f1ac2f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('what_it_buys', sa.String(length=2000), nullable=True))
        batch_op.add_column(sa.Column('tenders_url', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('tenders_text', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('social_value_contact_name', sa.String(length=120),
                                      nullable=True))
        batch_op.add_column(sa.Column('social_value_contact_email', sa.String(length=254),
                                      nullable=True))
        batch_op.add_column(sa.Column('published', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1',
                                      nullable=False))
        batch_op.create_unique_constraint(batch_op.f('uq_partners_slug'), ['slug'])


def downgrade():
    with op.batch_alter_table('partners', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_partners_slug'), type_='unique')
        for column in ('version', 'published', 'social_value_contact_email',
                       'social_value_contact_name', 'tenders_text', 'tenders_url',
                       'what_it_buys', 'slug'):
            batch_op.drop_column(column)
