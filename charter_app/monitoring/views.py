"""/metrics for Prometheus (/healthz, for the load balancer, is among the service's own pages)."""

from flask import Blueprint, make_response

from charter_app.access import metrics_token_required
from charter_app.extensions import limiter
from charter_app.monitoring import health, metrics

bp = Blueprint("monitoring", __name__)


@bp.route("/metrics")
@metrics_token_required
@limiter.exempt
def prometheus_metrics():
    payload, content_type = metrics.exposition(health.operating_state)
    return _no_store(make_response(payload, 200, {"Content-Type": content_type}))


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
