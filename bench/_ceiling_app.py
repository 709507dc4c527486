"""The ceilings of bench/webhook.py: minimal apps answering the webhook paths.

`bare` parses the request like any webhook would and returns the reply bytes the bench
gives it, nothing else. `io` (BENCH_CEILING_IO=1) also does the I/O every durable
webhook must do for a message, and nothing more: it checks the carrier's signature or
token, reads and writes the sender's session in Redis (one GET, one SET) and inserts the
message into PostgreSQL (one INSERT, deduplicated on the carrier's id, one commit)
before it answers. The gateway's ratio to `io` is what its own logic costs.

Settings: BENCH_CEILING_PATHS, BENCH_CEILING_CONTENT_TYPE, BENCH_CEILING_BODY_FILE, and
for `io` DATABASE_URL, REDIS_URL, TWILIO_AUTH_TOKEN, HTTP_SMS_TOKEN, USSD_TOKEN. Run as
`gunicorn bench._ceiling_app:app`.
"""

from __future__ import annotations

import hmac
import os
from pathlib import Path

from flask import Flask, Response, abort, request

app = Flask(__name__)
BODY = Path(os.environ.get("BENCH_CEILING_BODY_FILE", os.devnull)).read_bytes()
CONTENT_TYPE = os.environ.get("BENCH_CEILING_CONTENT_TYPE", "text/plain; charset=utf-8")
IO = os.environ.get("BENCH_CEILING_IO") == "1"
TABLE = "ceiling_messages"
CREATE_TABLE = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id BIGSERIAL PRIMARY KEY, carrier_id TEXT NOT NULL"
    " UNIQUE, phone TEXT NOT NULL, body TEXT NOT NULL, received_at TIMESTAMPTZ NOT NULL"
    " DEFAULT now())"
)


def bare() -> Response:
    request.values  # noqa: B018 - parse the form and query as the gateway does
    return Response(BODY, content_type=CONTENT_TYPE)


def durable() -> Response:
    """Verify, Redis GET + SET of the session, INSERT + commit, answer."""
    values = request.values
    carrier_id, phone, body = message_fields(values)
    if not carrier_id or not phone:
        abort(400)
    key = f"ceiling:session:{phone}"
    session = REDIS.get(key)
    REDIS.set(key, (session or b"")[:64] + b".", ex=600)
    with ENGINE.begin() as conn:
        conn.execute(INSERT, {"carrier_id": carrier_id, "phone": phone, "body": body})
    return Response(BODY, content_type=CONTENT_TYPE)


def message_fields(values) -> tuple[str, str, str]:
    """(carrier id, phone, text) once the request's signature or token is checked."""
    if request.path.startswith("/webhooks/twilio/"):
        signature = request.headers.get("X-Twilio-Signature", "")
        if not VALIDATOR.validate(request.url, request.form, signature):
            abort(403)
        return values.get("MessageSid", ""), values.get("From", ""), values.get("Body", "")
    if request.path.startswith("/webhooks/ussd"):
        check_token(values.get("token", ""), os.environ["USSD_TOKEN"])
        carrier_id = f"{values.get('sessionId', '')}:{values.get('text', '')}"
        return carrier_id, values.get("phoneNumber", ""), values.get("text", "")
    check_token(values.get("token", ""), os.environ["HTTP_SMS_TOKEN"])
    return values.get("id", ""), values.get("from", ""), values.get("text", "")


def check_token(given: str, expected: str) -> None:
    if not hmac.compare_digest(given.encode(), expected.encode()):
        abort(403)


@app.get("/readyz")
def readyz() -> Response:
    return Response("ok", content_type="text/plain")


if IO:
    import redis
    from sqlalchemy import create_engine, text
    from twilio.request_validator import RequestValidator

    VALIDATOR = RequestValidator(os.environ.get("TWILIO_AUTH_TOKEN", ""))
    REDIS = redis.Redis.from_url(os.environ["REDIS_URL"])
    url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    ENGINE = create_engine(url, pool_size=10, max_overflow=20)
    INSERT = text(
        f"INSERT INTO {TABLE} (carrier_id, phone, body) VALUES (:carrier_id, :phone, :body)"
        " ON CONFLICT (carrier_id) DO NOTHING"
    )

for number, path in enumerate(os.environ.get("BENCH_CEILING_PATHS", "/").split(",")):
    handler = durable if IO else bare
    app.add_url_rule(path, f"webhook_{number}", handler, methods=["GET", "POST"])
