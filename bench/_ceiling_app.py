"""The ceiling of bench/webhook.py: a bare Flask app answering the webhook paths.

It parses the request like any webhook would and returns the reply bytes the bench gives
it (BENCH_CEILING_PATHS, BENCH_CEILING_CONTENT_TYPE, BENCH_CEILING_BODY_FILE), without
a database, Redis, signature check or dialog. Run as `gunicorn bench._ceiling_app:app`.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response, request

app = Flask(__name__)
BODY = Path(os.environ.get("BENCH_CEILING_BODY_FILE", os.devnull)).read_bytes()
CONTENT_TYPE = os.environ.get("BENCH_CEILING_CONTENT_TYPE", "text/plain; charset=utf-8")


def answer() -> Response:
    request.values  # noqa: B018 - parse the form and query as the gateway does
    return Response(BODY, content_type=CONTENT_TYPE)


@app.get("/readyz")
def readyz() -> Response:
    return Response("ok", content_type="text/plain")


for number, path in enumerate(os.environ.get("BENCH_CEILING_PATHS", "/").split(",")):
    app.add_url_rule(path, f"webhook_{number}", answer, methods=["GET", "POST"])
