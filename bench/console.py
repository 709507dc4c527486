"""The operators' console over 1,000,000 messages and 400,000 applications on PostgreSQL."""

# Fills BENCH_CONSOLE_DATABASE_URL (default: the machine's `bench` database) through the
# project's migrations, with rows generated inside PostgreSQL (INSERT ... SELECT over
# generate_series) and counters that match them, then times each monitor and list query
# 50 times: p50 / p95 in ms and p50 as a multiple of a primary-key lookup's p50 measured
# in the same run. The schema is dropped at the end. Target: every query under 100 ms p95.

from __future__ import annotations

import os
import statistics
import time
from datetime import timedelta

from sqlalchemy import func, select, text

from bench._common import REDIS_URL, report
from config.settings import load_settings
from gateway import create_app
from gateway.console import api
from gateway.platform import services
from gateway.platform.dates import utcnow
from gateway.store import registrations
from gateway.store import transcripts as store
from gateway.store.migrate import drop_schema, upgrade_database
from gateway.store.models import Application, Message
from gateway.store.registrations import RegistrationFilters, Search
from gateway.store.transcripts import MessageFilters

DATABASE_URL = os.environ.get(
    "BENCH_CONSOLE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/bench"
)
MESSAGES, APPLICATIONS, PHONES = 1_000_000, 400_000, 200_000
RUNS, TARGET_MS = 50, 100.0
FILL = [
    "INSERT INTO associations (code, name) SELECT lpad(g::text, 2, '0'), 'assoc ' || g"
    " FROM generate_series(1, 31) g",
    "INSERT INTO phases (number, opens_at, closes_at) SELECT g, now() - interval '40 days'"
    " + (g - 1) * interval '30 days', now() - interval '10 days' + (g - 1) * interval '30 days'"
    " FROM generate_series(1, 4) g",
    # Applications: two per phone, created over the last 30 days; statuses as in a phase.
    "INSERT INTO applications (tracking_code, national_id, pension_number, phone, channel,"
    " lang, association_code, phase, status, reason, flags, created_at, decided_at, updated_at)"
    " SELECT lpad(g::text, 8, '0'), lpad(g::text, 10, '0'), '123456',"
    " '+98912' || lpad((g % {phones})::text, 7, '0'), 'twilio', 'fa',"
    " lpad((1 + g % 31)::text, 2, '0'), 2, (ARRAY['approved','waitlisted','rejected'])[1 + g % 3],"
    " CASE WHEN g % 3 = 2 THEN 'not_found' END, '', now() - (g * interval '6 seconds'),"
    " now() - (g * interval '6 seconds') + interval '1 minute', now()"
    " FROM generate_series(1, {applications}) g",
    # Messages: five per phone over the last 29 days; 0.1 % of the outbound ones failed.
    "INSERT INTO messages (direction, channel, external_id, phone, text, segments, kind, status,"
    " error_code, state, attempts, created_at, updated_at)"
    " SELECT CASE WHEN g % 2 = 0 THEN 'in' ELSE 'out' END,"
    " (ARRAY['twilio','http','ussd','simulator'])[1 + (g / 2) % 4], 'x' || g,"
    " '+98912' || lpad((g % {phones})::text, 7, '0'), 'متن پیام شماره ' || g, 1, 'reply',"
    " CASE WHEN g % 2 = 0 THEN 'handled' WHEN g % 2000 = 1 THEN 'failed' ELSE 'sent' END,"
    " CASE WHEN g % 2000 = 1 THEN '30003' END, 'ask_national_id', 1,"
    " now() - (({messages} - g) * interval '2.5 seconds'), now()"
    " FROM generate_series(1, {messages}) g",
    "INSERT INTO message_events (message_id, at, status, error_code, detail)"
    " SELECT id, created_at, status, error_code, 'report' FROM messages WHERE direction = 'out'",
    "INSERT INTO application_events (application_id, at, event, detail)"
    " SELECT id, decided_at, 'decided', 'status=' || status FROM applications",
    # The counters the hooks would have kept for these rows.
    "INSERT INTO stat_counters (metric, bucket_start, labels, count)"
    " SELECT 'messages', date_trunc('minute', created_at), channel || '|' || direction, count(*)"
    " FROM messages GROUP BY 2, 3",
    "INSERT INTO stat_counters (metric, bucket_start, labels, count)"
    " SELECT 'sends', date_trunc('minute', created_at), status || '|' || coalesce(error_code, ''),"
    " count(*) FROM messages WHERE direction = 'out' GROUP BY 2, 3",
    "INSERT INTO stat_counters (metric, bucket_start, labels, count)"
    " SELECT 'decisions', date_trunc('day', decided_at), phase || '|' || status || '|'"
    " || coalesce(reason, ''), count(*) FROM applications GROUP BY 2, 3",
    "INSERT INTO stat_counters (metric, bucket_start, labels, count)"
    " SELECT 'funnel', date_trunc('day', created_at), '2|' || step, count(*)"
    " FROM applications, unnest(ARRAY['started','national_id','pension_number','confirmed']) step"
    " GROUP BY 2, 3",
]


def fill(engine) -> None:
    sizes = {"messages": MESSAGES, "applications": APPLICATIONS, "phones": PHONES}
    with engine.begin() as conn:
        for statement in FILL:
            conn.execute(text(statement.format(**sizes)))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


def timed(call, runs: int = RUNS) -> tuple[float, float]:
    """(p50, p95) in ms of `runs` calls after one warm-up call."""
    call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[18]


def queries(app, session) -> dict:
    """name -> a call running what one page or JSON poll runs."""
    deep = session.execute(
        select(Message.created_at, Message.id).order_by(Message.id).offset(100_000).limit(1)
    ).one()
    rare = MessageFilters(status="failed")
    ussd = MessageFilters(channel="ussd", direction="in")
    ranged = MessageFilters(channel="http", since=utcnow() - timedelta(days=3))
    app_row = session.scalar(select(Application).where(Application.id == 123_456))
    by_phone, by_text = MessageFilters(phone=app_row.phone), MessageFilters(text="وام")

    def conversation(phones, national_id=None):
        messages = [m for p in phones for m in store.transcript(session, p)]
        store.events_of_messages(session, [m.id for m in messages])
        found = store.applications_of(session, phones, national_id)
        store.events_of_applications(session, [a.id for a in found])

    def monitor(span: int = 60):
        with app.test_request_context("/console/api/monitor"):
            api.monitor_snapshot(utcnow(), span)

    def registration_page(order="newest", page=1, **search):
        found = RegistrationFilters(search=Search(**search) if search else None)
        registrations.list_registrations(session, found, None, order, page)
        registrations.count_by_status(session, found, None)

    by_status = select(Application.status, func.count()).group_by(Application.status)
    by_association = select(
        Application.association_code, Application.phase, Application.status, func.count()
    ).group_by(Application.association_code, Application.phase, Application.status)
    return {
        "baseline_pk_lookup": lambda: session.get(Message, 777_777, populate_existing=True),
        "select_1": lambda: session.execute(text("SELECT 1")),
        "monitor_json": monitor,
        "log_first_page": lambda: store.message_page(session, MessageFilters(), None, 51),
        "log_deep_page": lambda: store.message_page(session, MessageFilters(), tuple(deep), 51),
        "log_failed_first": lambda: store.message_page(session, rare, None, 51),
        "log_failed_deep": lambda: store.message_page(session, rare, tuple(deep), 51),
        "log_ussd_in_deep": lambda: store.message_page(session, ussd, tuple(deep), 51),
        "log_http_3_days": lambda: store.message_page(session, ranged, None, 51),
        "search_phone": lambda: conversation([app_row.phone]),
        "search_national_id": lambda: conversation(
            store.phones_of_national_id(session, app_row.national_id), app_row.national_id
        ),
        "search_tracking_code": lambda: conversation(
            [store.phone_of_tracking_code(session, app_row.tracking_code)]
        ),
        "registrations_by_status": lambda: session.execute(by_status).all(),
        "registrations_by_association": lambda: session.execute(by_association).all(),
        "monitor_json_24_hours": lambda: monitor(1440),
        "log_by_phone": lambda: store.message_page(session, by_phone, None, 51),
        "log_by_text_not_found": lambda: store.message_page(session, by_text, None, 51),
        "registrations_page_1": registration_page,
        "registrations_page_100_oldest": lambda: registration_page("oldest", 100),
        "registrations_search_tracking_code": lambda: registration_page(
            tracking_code=app_row.tracking_code
        ),
        "registrations_search_phone": lambda: registration_page(phone=app_row.phone),
    }


def main() -> None:
    settings = load_settings(
        {}, GATEWAY_ENV="test", DATABASE_URL=DATABASE_URL, REDIS_URL=REDIS_URL,
        INSTANCE_PATH="/tmp/smsgw-bench-console",
    )  # fmt: skip
    url = settings.sqlalchemy_url
    drop_schema(url)
    upgrade_database(url)
    app = create_app(settings)
    with app.app_context():  # services are the app's
        run(app, url)


def run(app, url: str) -> None:
    engine = services.database().engine
    started = time.perf_counter()
    fill(engine)
    report("console_fill", messages=MESSAGES, applications=APPLICATIONS,
           seconds=time.perf_counter() - started)  # fmt: skip
    try:
        with services.database().session() as session:
            results = {name: timed(call) for name, call in queries(app, session).items()}
        baseline = results["baseline_pk_lookup"][0]
        for name, (p50, p95) in results.items():
            report(f"console_{name}", p50_ms=p50, p95_ms=p95, x_pk_lookup=p50 / baseline,
                   under_target=p95 < TARGET_MS)  # fmt: skip
    finally:
        engine.dispose()
        drop_schema(url)
