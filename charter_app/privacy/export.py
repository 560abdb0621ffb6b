"""Everything held about a user, as a ZIP they download from their account page: `data.json` and
the files they uploaded (UK GDPR Article 15, the right of access).

What to include is read from the models' tags (charter_app/personal_data.py), not listed here,
so a column added tomorrow is exported the day it is tagged. A table is searched when it holds
a tagged column or refers to the user; its rows are found by:
- a foreign key to the user (memberships, evidence they uploaded, registrations they made);
- an email column tagged `personal(email=True)` holding their address (messages they sent
  through the contact form, email sent to them, invitations);
- for organisations, those they are a member of (the contact details they gave);
- a foreign key to rows already found (the replies to their messages, feedback on their
  registrations).
Secret columns (password hashes, link tokens) are never exported.
"""

import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Column, Table, func, or_, select

from charter_app import images
from charter_app.accounts.models import Membership, User
from charter_app.extensions import db
from charter_app.hub.case_study_models import CaseStudy, CaseStudyImage
from charter_app.organisations.models import Organisation
from charter_app.personal_data import finds_by_email, is_personal, is_secret
from charter_app.reporting import evidence
from charter_app.reporting.models import EvidenceFile
from charter_app.timeutil import utcnow


class UnreachableTable(Exception):
    """A table holds personal data but nothing says how to find a user's rows in it."""


@dataclass
class TablePlan:
    table: Table
    user_keys: list[Column] = field(default_factory=list)
    email_columns: list[Column] = field(default_factory=list)
    parent_keys: list[tuple[Column, Table]] = field(default_factory=list)

    @property
    def exported_columns(self) -> list[Column]:
        return [column for column in self.table.columns if not is_secret(column)]


def plan() -> list[TablePlan]:
    """How each table is searched, parents before children; raises when a table with personal
    columns cannot be searched."""
    users = User.__table__
    plans: list[TablePlan] = []
    for table in db.metadata.sorted_tables:
        holds_personal = any(is_personal(column) for column in table.columns)
        found = TablePlan(table)
        for key in table.foreign_keys:
            if key.column.table is users:
                found.user_keys.append(key.parent)
        found.email_columns = [column for column in table.columns if finds_by_email(column)]
        searched = {p.table for p in plans}
        # Not through users or organisations: a colleague's rows hang off those too.
        found.parent_keys = [(key.parent, key.column.table) for key in table.foreign_keys
                             if key.column.table in searched
                             and key.column.table not in (users, Organisation.__table__)]
        reachable = (table is users or table is Organisation.__table__ or found.user_keys
                     or found.email_columns or found.parent_keys)
        if holds_personal and not reachable:
            raise UnreachableTable(f"{table.name} holds personal data but no foreign key or "
                                   "email column leads to a user's rows")
        if holds_personal or found.user_keys or table is users:
            plans.append(found)
    return plans


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def personal_data(user: User) -> dict:
    """Every row held about the user, by table, in plain JSON values."""
    email = user.email.lower()
    organisation_ids = list(db.session.scalars(
        select(Membership.organisation_id).where(Membership.user_id == user.id)))
    found_ids: dict[str, list] = {}
    records: dict[str, list[dict]] = {}
    for table_plan in plan():
        table = table_plan.table
        primary = table.primary_key.columns.values()[0]
        conditions = [key == user.id for key in table_plan.user_keys]
        conditions += [func.lower(column) == email for column in table_plan.email_columns]
        conditions += [key.in_(found_ids[parent.name]) for key, parent in table_plan.parent_keys
                       if found_ids.get(parent.name)]
        if table is User.__table__:
            conditions.append(primary == user.id)
        if table is Organisation.__table__ and organisation_ids:
            conditions.append(primary.in_(organisation_ids))
        if not conditions:
            continue
        columns = table_plan.exported_columns
        rows = db.session.execute(select(*columns).where(or_(*conditions))
                                  .order_by(primary)).all()
        if rows:
            found_ids[table.name] = [row._mapping[primary.name] for row in rows
                                     if primary.name in row._mapping]
            records[table.name] = [{column.name: _plain(row._mapping[column.name])
                                    for column in columns} for row in rows]
    return {"exported_at": utcnow().isoformat(timespec="seconds"), "email": user.email,
            "about": "Everything the County Durham Pound Charter service holds about you, "
                     "by table. Files you uploaded are in the uploads folder.",
            "records": records}


def export_zip(user: User) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(personal_data(user), indent=2,
                                                 ensure_ascii=False))
        for file in db.session.scalars(select(EvidenceFile).where(
                EvidenceFile.uploaded_by_id == user.id).order_by(EvidenceFile.id)):
            try:
                content = evidence.path_of(file).read_bytes()
            except FileNotFoundError:
                continue  # its row outlived its bytes; data.json still lists it
            # The cleaned stored name (evidence.clean_name), led by the id so two never clash.
            archive.writestr(f"uploads/evidence/{file.id}-{file.original_name}", content)
        for image in db.session.scalars(
                select(CaseStudyImage).join(CaseStudy).where(CaseStudy.created_by_id == user.id)
                .order_by(CaseStudyImage.id)):
            # The largest size kept: the picture as they gave it, without its metadata.
            name = images.upload_name(image.stored_name, max(
                int(width) for width in image.widths.split(",")), image.content_type)
            try:
                content = images.upload_path(name).read_bytes()
            except FileNotFoundError:
                continue
            archive.writestr(f"uploads/case-studies/{image.case_study_id}-{name}", content)
    return buffer.getvalue()
