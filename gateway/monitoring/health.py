"""Health, readiness and metrics endpoints for the load balancer and Prometheus."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from gateway.monitoring.metrics import metrics_response
from gateway.platform import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 while the process runs."""
    return jsonify(status="ok")


@bp.get("/readyz")
def readyz():
    """200 when the database and Redis answer; 503 naming whichever does not."""
    failed = {}
    try:
        services.database().ping()
    except Exception as exc:  # any driver error means "not ready"
        failed["database"] = type(exc).__name__
    try:
        services.redis_client().ping()
    except Exception as exc:
        failed["redis"] = type(exc).__name__
    if failed:
        current_app.logger.warning("readyz failed=%s", ",".join(sorted(failed)))
        return jsonify(status="unavailable", failed=failed), 503
    return jsonify(status="ok")


@bp.get("/metrics")
def metrics():
    return metrics_response()
