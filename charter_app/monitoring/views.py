"""/metrics for Prometheus (/healthz, for the load balancer, is among the service's own pages)."""

from flask import Blueprint, make_response
from sqlalchemy.exc import SQLAlchemyError

from charter_app.access import metrics_token_required
from charter_app.extensions import db, limiter
from charter_app.monitoring import health, metrics

bp = Blueprint("monitoring", __name__)


@bp.route("/metrics")
@metrics_token_required
@limiter.exempt
def prometheus_metrics():
    payload, content_type = metrics.exposition(_database_state)
    return _no_store(make_response(payload, 200, {"Content-Type": content_type}))


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _database_state():
    """The outbox and scheduler state, or None when the database cannot be read: the scrape
    still gives this process's own metrics, with charter_database_up 0."""
    try:
        return health.operating_state()
    except SQLAlchemyError:
        db.session.rollback()
        return None
