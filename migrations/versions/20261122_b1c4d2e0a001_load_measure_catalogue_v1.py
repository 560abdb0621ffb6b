"""Load version 1 of the County Durham Pound measure catalogue, with example proxy values.

The data lives in charter_app/pledges/data/measures_v1.json, which is never edited once
released: a new catalogue version gets a new file and a new migration.

Revision ID: b1c4d2e0a001
Revises: 6932fca5c388
Create Date: 2026-11-22 02:30:00

"""
import json
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "b1c4d2e0a001"
down_revision = "6932fca5c388"
branch_labels = None
depends_on = None

DATA = Path(__file__).resolve().parents[2] / "charter_app" / "pledges" / "data" / "measures_v1.json"

measures = sa.table(
    "measures",
    sa.column("id", sa.Integer),
    sa.column("code", sa.String),
    sa.column("theme", sa.String),
    sa.column("name", sa.String),
    sa.column("unit", sa.String),
    sa.column("guidance", sa.Text),
    sa.column("plausible_max", sa.Numeric(16, 2)),
    sa.column("national_toms_code", sa.String),
    sa.column("national_toms_edition", sa.String),
    sa.column("catalogue_version", sa.Integer),
    sa.column("sort_order", sa.Integer),
    sa.column("active", sa.Boolean),
)
proxy_values = sa.table(
    "proxy_values",
    sa.column("measure_id", sa.Integer),
    sa.column("financial_year", sa.Integer),
    sa.column("value", sa.Numeric(14, 4)),
    sa.column("source", sa.Text),
    sa.column("edition", sa.String),
    sa.column("is_example", sa.Boolean),
)


def upgrade():
    data = json.loads(DATA.read_text(encoding="utf-8"))
    connection = op.get_bind()
    for order, item in enumerate(data["measures"]):
        measure_id = connection.execute(
            measures.insert().returning(measures.c.id),
            {
                "code": item["code"],
                "theme": item["theme"],
                "name": item["name"],
                "unit": item["unit"],
                "guidance": item["guidance"],
                "plausible_max": Decimal(item["plausible_max"]),
                "national_toms_code": item["national_toms_code"],
                "national_toms_edition": item["national_toms_edition"],
                "catalogue_version": data["catalogue_version"],
                "sort_order": order,
                "active": True,
            },
        ).scalar_one()
        connection.execute(
            proxy_values.insert(),
            {
                "measure_id": measure_id,
                "financial_year": data["example_financial_year"],
                "value": Decimal(item["proxy_value"]) if item["proxy_value"] else None,
                "source": item["source"],
                "edition": item["national_toms_edition"],
                "is_example": True,
            },
        )


def downgrade():
    codes = [item["code"] for item in json.loads(DATA.read_text(encoding="utf-8"))["measures"]]
    connection = op.get_bind()
    ids = [row.id for row in connection.execute(sa.select(measures.c.id).where(measures.c.code.in_(codes)))]
    connection.execute(proxy_values.delete().where(proxy_values.c.measure_id.in_(ids)))
    connection.execute(measures.delete().where(measures.c.id.in_(ids)))
