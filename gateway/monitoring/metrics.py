"""Prometheus metrics: request counts and latency per endpoint, plus the gateway's own."""

from __future__ import annotations

import functools
import os
import time

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter("smsgw_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram(
    "smsgw_http_request_duration_seconds",
    "HTTP request latency",
    ["method", "endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
MESSAGES = Counter("smsgw_messages_total", "Messages stored", ["channel", "direction"])


@functools.lru_cache(maxsize=1024)
def labelled(metric, *values: str):
    """The metric's child for these label values, found once: `labels()` takes a lock
    and builds its key on every call, and the webhook counts three times a message."""
    return metric.labels(*values)


def init_metrics(app: Flask) -> None:
    """Time every request; label it by the route's endpoint name, not the raw path."""

    @app.before_request
    def _start_timer():
        g.request_started = time.perf_counter()

    @app.after_request
    def _record(response):
        endpoint = request.endpoint or "unmatched"
        elapsed = time.perf_counter() - g.get("request_started", time.perf_counter())
        labelled(LATENCY, request.method, endpoint).observe(elapsed)
        labelled(REQUESTS, request.method, endpoint, str(response.status_code)).inc()
        return response


def metrics_response() -> Response:
    """The Prometheus text; merged across gunicorn workers when PROMETHEUS_MULTIPROC_DIR is set."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), content_type=CONTENT_TYPE_LATEST)
