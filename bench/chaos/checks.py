"""After the load and the reconciler: what the carriers, the sink and staff saw against
what the database holds. Each check is a figure and a list of what is wrong (empty =
the promise held)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func, select

from bench.chaos.load import Ledger
from bench.chaos.sink import Sink
from bench.chaos.staff import StaffLog
from gateway.store.models import Application, ApplicationEvent, Message, Quota

DELIVERED = ("sent", "delivered")


@dataclass
class Check:
    name: str
    figures: dict
    wrong: list[str] = field(default_factory=list)


def all_settled(session) -> bool:
    """No application pending, no outbound message still to send."""
    pending = session.scalar(
        select(func.count()).select_from(Application).where(Application.status == "pending")
    )
    unsent = session.scalar(
        select(func.count())
        .select_from(Message)
        .where(Message.direction == "out", Message.status.in_(("queued", "sending")))
    )
    return pending == 0 and unsent == 0


def run_checks(session, ledger: Ledger, sink: Sink, staff: StaffLog, last_fault: float):
    return [
        messages_stored(session, ledger),
        dialogs_applied(session, ledger, staff),
        quotas_kept(session),
        results_sent(session, sink),
        waitlists_contiguous(session),
        pending_time(session, last_fault),
    ]


def messages_stored(session, ledger: Ledger) -> Check:
    """Every message a carrier had a 2xx for is stored, once; a redelivery got the same
    answer as the first delivery; a fault is answered 503 (try again), never another 5xx."""
    stored = dict(
        session.execute(
            select(Message.external_id, func.count())
            .where(Message.direction == "in", Message.external_id.is_not(None))
            .group_by(Message.external_id)
        ).all()
    )
    lost = sorted(k for k in ledger.acknowledged if k not in stored)
    doubled = sorted(k for k, n in stored.items() if n > 1)
    wrong = [f"lost {k}" for k in lost] + [f"stored twice {k}" for k in doubled]
    if ledger.redelivery_mismatches:
        wrong.append(f"{ledger.redelivery_mismatches} redeliveries got another answer")
    errors = {a: n for a, n in ledger.answers.items() if a.startswith("5") and a != "503"}
    wrong += [f"{n} answered {answer}, not 503" for answer, n in sorted(errors.items())]
    figures = {
        "acknowledged": len(ledger.acknowledged),
        "stored": len(ledger.acknowledged) - len(lost),
        "lost": len(lost),
        "stored_twice": len(doubled),
        "redelivered": ledger.redelivered,
        "redelivery_answers_differing": ledger.redelivery_mismatches,
        "server_errors_but_503": sum(errors.values()),
    }
    return Check("messages", figures, wrong)


def dialogs_applied(session, ledger: Ledger, staff: StaffLog) -> Check:
    """Each confirmed dialog has exactly one application, under the code it was told;
    each cancel the CLI reported done is cancelled."""
    by_id = defaultdict(list)
    for national_id, code, status in session.execute(
        select(Application.national_id, Application.tracking_code, Application.status)
    ):
        by_id[national_id].append((code, status))
    missing = [c for n, c in ledger.confirmed.items() if not by_id.get(n)]
    doubled = [c for n, c in ledger.confirmed.items() if len(by_id.get(n, [])) > 1]
    wrong = [f"{c}: no application" for c in missing] + [f"{c}: doubled" for c in doubled]
    wrong += [
        f"{code}: told, but the application is {by_id[n][0][0]}"
        for n, code in ledger.confirmed.items()
        if len(by_id.get(n, [])) == 1 and by_id[n][0][0] != code
    ]
    statuses = {code: status for found in by_id.values() for code, status in found}
    wrong += [
        f"{code}: cancelled by the CLI but {statuses.get(code)}"
        for code in staff.cancelled
        if statuses.get(code) != "cancelled"
    ]
    if ledger.given_up:
        wrong.append(f"{ledger.given_up} dialogs never got their tracking code")
    figures = {
        "confirmed_dialogs": len(ledger.confirmed),
        "applications": sum(len(found) for found in by_id.values()),
        "missing": len(missing),
        "doubled": len(doubled),
        "applications_of_unconfirmed_dialogs": len(set(by_id) - set(ledger.confirmed)),
        "dialogs_given_up": ledger.given_up,
        "cancelled_by_cli": len(staff.cancelled),
        "cancels_refused": len(staff.refused),
        "quota_raises": len(staff.raised),
    }
    return Check("dialogs", figures, wrong)


def quotas_kept(session) -> Check:
    """`used` is the number of approved applications, never over the limit."""
    approved = Counter(
        {
            (code, phase): n
            for code, phase, n in session.execute(
                select(Application.association_code, Application.phase, func.count())
                .where(Application.status == "approved")
                .group_by(Application.association_code, Application.phase)
            )
        }
    )
    wrong, figures = [], {}
    for quota in session.scalars(select(Quota).order_by(Quota.association_code, Quota.phase)):
        held = approved[(quota.association_code, quota.phase)]
        name = f"{quota.association_code}/{quota.phase}"
        figures[name] = f"used={quota.used},approved={held},limit={quota.limit}"
        if quota.used != held or quota.used > quota.limit:
            wrong.append(f"{name}: {figures[name]}")
    return Check("quotas", figures, wrong)


def results_sent(session, sink: Sink) -> Check:
    """Each decision and promotion gave one result SMS, which reached the sink once (a
    re-send after a crash is deduped by the sink on our id); `unknown_outcome` would be a
    message given up because its provider cannot dedupe - the http provider can."""
    expected = Counter(
        dict(
            session.execute(
                select(ApplicationEvent.application_id, func.count())
                .where(ApplicationEvent.event.in_(("decided", "promoted")))
                .group_by(ApplicationEvent.application_id)
            ).all()
        )
    )
    results = session.execute(
        select(Message.id, Message.application_id, Message.status, Message.error_code).where(
            Message.direction == "out", Message.kind == "result"
        )
    ).all()
    per_application = Counter(r.application_id for r in results)
    delivered = sink.delivered
    unknown = {r.id for r in results if r.error_code == "unknown_outcome"}
    at_sink = {r.id for r in results if str(r.id) in delivered}
    wrong = [
        f"application {a}: {per_application[a]} result SMS for {n} decisions"
        for a, n in expected.items()
        if per_application[a] != n
    ]
    wrong += [
        f"message {r.id} is {r.status} but {'' if r.id in at_sink else 'never '}at the sink"
        for r in results
        if r.id not in unknown and (r.status in DELIVERED) != (r.id in at_sink)
    ]
    ours = {str(i) for i in session.scalars(select(Message.id).where(Message.direction == "out"))}
    wrong += [f"the sink got {i}, which we never stored" for i in sorted(delivered - ours)]
    figures = {
        "decisions_and_promotions": sum(expected.values()),
        "result_sms": len(results),
        "result_sms_at_sink": len(at_sink),
        "sent_again_deduped_by_sink": sum(n - 1 for n in sink.requests.values()),
        "unknown_outcome": len(unknown),
        "other_sms_at_sink": len(delivered) - len(at_sink),
    }
    return Check("results", figures, wrong)


def waitlists_contiguous(session) -> Check:
    """Each waitlist's positions are 1..n with no gap and no repeat."""
    positions = defaultdict(list)
    for code, phase, position in session.execute(
        select(
            Application.association_code, Application.phase, Application.waitlist_position
        ).where(Application.status == "waitlisted")
    ):
        positions[f"{code}/{phase}"].append(position or 0)
    wrong = [
        f"{name}: positions {sorted(found)}"
        for name, found in positions.items()
        if sorted(found) != list(range(1, len(found) + 1))
    ]
    figures = {name: len(found) for name, found in sorted(positions.items())}
    return Check("waitlists", figures or {"waitlisted": 0}, wrong)


def pending_time(session, last_fault: float) -> Check:
    """The longest any application waited for its decision after the last fault."""
    fault = datetime.fromtimestamp(last_fault, UTC)
    longest = 0.0
    for created, decided in session.execute(
        select(Application.created_at, Application.decided_at).where(
            Application.decided_at >= fault
        )
    ):
        longest = max(longest, (decided - max(created, fault)).total_seconds())
    still = session.scalar(
        select(func.count()).select_from(Application).where(Application.status == "pending")
    )
    figures = {"longest_pending_after_last_fault_s": round(longest, 1), "still_pending": still}
    return Check("pending", figures, [f"{still} applications still pending"] if still else [])
