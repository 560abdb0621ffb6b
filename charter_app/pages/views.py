"""The service's own pages: home, the Charter, legal pages, health."""

from flask import Blueprint, current_app, jsonify, render_template
from sqlalchemy import text

from charter_app import shared_state
from charter_app.access import public
from charter_app.extensions import db, limiter
from charter_app.hub import news
from charter_app.monitoring import health
from charter_app.organisations.commitments import COMMITMENTS
from charter_app.pledges.catalogue import THEMES, measures_by_theme

bp = Blueprint("pages", __name__)

HOME_NEWS_POSTS = 3
NO_STORE = {"Cache-Control": "no-store"}


@bp.route("/")
@public
def home():
    return render_template("pages/home.html", title="Home", commitments=COMMITMENTS,
                           themes=THEMES, latest_news=news.latest_posts(HOME_NEWS_POSTS))


@bp.route("/charter")
@public
def charter():
    return render_template("pages/charter.html", title="The Charter", commitments=COMMITMENTS,
                           themes=THEMES, grouped=measures_by_theme())


@bp.route("/accessibility")
@public
def accessibility():
    return render_template("pages/accessibility.html", title="Accessibility statement")


@bp.route("/privacy")
@public
def privacy():
    return render_template("pages/privacy.html", title="Privacy notice")


@bp.route("/cookies")
@public
def cookies():
    return render_template("pages/cookies.html", title="Cookies")


@bp.route("/healthz")
@public
@limiter.exempt
def healthz():
    """200 while the database answers, 503 when it does not: nothing else changes the code, so
    a mail outage never takes a node out of the load balancer. The body adds whether the outbox
    is backed up, when the scheduler last ran and whether Redis answers (or is not configured),
    for monitoring to alert on."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to reach the database is "unavailable"
        db.session.rollback()
        return jsonify(status="unavailable", database="unreachable"), 503, NO_STORE
    body = {"status": "ok", "database": "ok", "redis": _redis_health()}
    try:
        body.update(health.operating_state().as_health())
    except Exception:  # noqa: BLE001 - the extras must never make a healthy node unhealthy
        db.session.rollback()
        current_app.logger.warning("healthz could not read the outbox or scheduler state",
                                   exc_info=True)
    return jsonify(body), 200, NO_STORE


def _redis_health() -> str:
    # Shared state is a help, not a dependency: a Redis outage only shows here.
    state = shared_state.current()
    return "not configured" if state is None else state.health()


@bp.route("/livez")
@public
@limiter.exempt
def livez():
    """Liveness without touching the database (also the benchmarks' reference endpoint)."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8"}
