"""Staff see the retention rules and what each daily run deleted, at /staff/retention."""

from datetime import timedelta

from flask import Blueprint, render_template
from sqlalchemy import func, select

from charter_app.access import staff_required
from charter_app.extensions import db
from charter_app.privacy.models import RetentionRun
from charter_app.privacy.retention import RULES
from charter_app.timeutil import london_date, utcnow

bp = Blueprint("privacy_staff", __name__, url_prefix="/staff/retention")

RECENT_DAYS = 30


@bp.route("")
@staff_required
def index():
    since = london_date(utcnow()) - timedelta(days=RECENT_DAYS)
    totals = dict(db.session.execute(
        select(RetentionRun.rule, func.sum(RetentionRun.affected))
        .where(RetentionRun.day > since).group_by(RetentionRun.rule)).all())
    runs = db.session.scalars(
        select(RetentionRun).where(RetentionRun.day > since)
        .order_by(RetentionRun.day.desc(), RetentionRun.id)).all()
    last_day = runs[0].day if runs else None
    return render_template("privacy/staff/retention.html", title="Data retention", rules=RULES,
                           totals=totals, runs=runs, last_day=last_day,
                           recent_days=RECENT_DAYS, labels={r.name: r.what for r in RULES})
