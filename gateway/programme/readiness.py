"""Can the programme take registrations now, and if not, what is missing (`smsgw programme
check`, and the console's admin home): phases, quotas, the registry, the carriers'
secrets, the outbound provider, and workers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from redis.exceptions import RedisError
from rq import Worker

from config.settings import CHANNEL_SECRETS, PROVIDER_SETTINGS, PROVIDERS_CALLING_BACK
from gateway.platform.dates import utcnow
from gateway.platform.services import Services
from gateway.programme.phases import phase_state
from gateway.store import phases as phase_store
from gateway.store import registry
from gateway.store.quotas import quotas as quota_rows


@dataclass(frozen=True)
class PhaseLine:
    number: int
    opens: datetime | None
    closes: datetime | None
    state: str  # open, upcoming, closed, undated


@dataclass(frozen=True)
class AssociationLine:
    code: str
    name: str | None
    pensioners: int
    quotas: dict[int, tuple[int, int]]  # phase -> (used, limit)


@dataclass(frozen=True)
class Finding:
    """One thing the check found: a code (each page words it in its language) and values."""

    code: str
    params: dict = field(default_factory=dict)

    def english(self) -> str:
        return ENGLISH[self.code].format(**self.params)


# The command line's words for each finding; the console has its own, in both languages.
ENGLISH = {
    "no_open_phase": "no phase is open now (next: phase {next})",
    "no_phase_dated": "no phase is open now, and none is dated to open later",
    "empty_registry": "the registry is empty: import it with `smsgw registry import`",
    "no_quota": "association {code} has {pensioners} pensioners but no quota in phase {phase}",
    "quota_without_pensioners": (
        "association {code} has a quota but no pensioner in the registry (a typo?)"
    ),
    "unnamed": "association {code} has no name: no quotas file named it",
    "undated": "phase {numbers} has no dates yet: `smsgw phases set`",
    "channel_secret": "the {channel} channel answers 403: {secret} is not set",
    "provider_setting": "{name} is not set for SMS_PROVIDER={provider}",
    "no_public_base_url": "PUBLIC_BASE_URL is not set: delivery reports cannot come back",
    "console_provider": "SMS_PROVIDER=console: result SMS are printed, not sent",
    "no_worker": "no worker is running: nothing will be decided or sent",
}


@dataclass
class Readiness:
    """Everything the check looked at; `problems` stop registrations, `warnings` do not."""

    phases: list[PhaseLine]
    associations: list[AssociationLine]
    channels: dict[str, bool]  # enabled channel -> its secret is set
    provider: str
    workers: list[str]
    open_phase: int | None = None
    problems: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems


def check_programme(services: Services, now: datetime | None = None) -> Readiness:
    """Look at the database, Redis and the settings; say what stops registrations now."""
    now = now or utcnow()
    with services.database.session() as session:
        phases = [
            PhaseLine(p.number, p.opens_at, p.closes_at, phase_state(p.opens_at, p.closes_at, now))
            for p in phase_store.list_phases(session)
        ]
        quotas: dict[str, dict[int, tuple[int, int]]] = {}
        for quota, _name in quota_rows(session, None):
            quotas.setdefault(quota.association_code, {})[quota.phase] = (quota.used, quota.limit)
        associations = [
            AssociationLine(code, name, pensioners, quotas.get(code, {}))
            for code, name, pensioners in registry.pensioners_per_association(session)
        ]
    settings = services.settings
    report = Readiness(
        phases=phases,
        associations=associations,
        channels={
            name: bool(getattr(settings, CHANNEL_SECRETS[name])) for name in settings.CHANNELS
        },
        provider=settings.SMS_PROVIDER,
        workers=_workers(services),
    )
    open_now = [p.number for p in phases if p.state == "open"]
    report.open_phase = max(open_now) if open_now else None
    _judge_programme(report)
    _judge_platform(report, settings)
    return report


def _workers(services: Services) -> list[str]:
    """Workers whose heartbeat Redis still holds (each beats well within a minute)."""
    try:
        return sorted(worker.name for worker in Worker.all(connection=services.redis))
    except RedisError:
        return []


def _judge_programme(report: Readiness) -> None:
    phase = report.open_phase
    if phase is None:
        upcoming = [p.number for p in report.phases if p.state == "upcoming"]
        report.problems.append(
            Finding("no_open_phase", {"next": upcoming[0]}) if upcoming
            else Finding("no_phase_dated")
        )  # fmt: skip
    if not any(a.pensioners for a in report.associations):
        report.problems.append(Finding("empty_registry"))
    for a in report.associations:
        limit = a.quotas.get(phase, (0, 0))[1] if phase else None
        if a.pensioners and phase and not limit:
            report.problems.append(
                Finding("no_quota", {"code": a.code, "pensioners": a.pensioners, "phase": phase})
            )
        if not a.pensioners and any(limit for _used, limit in a.quotas.values()):
            report.problems.append(Finding("quota_without_pensioners", {"code": a.code}))
        if not a.name:
            report.warnings.append(Finding("unnamed", {"code": a.code}))
    undated = [str(p.number) for p in report.phases if p.state == "undated"]
    if undated:
        report.warnings.append(Finding("undated", {"numbers": ", ".join(undated)}))


def _judge_platform(report: Readiness, settings) -> None:
    for channel, has_secret in report.channels.items():
        if not has_secret:
            secret = CHANNEL_SECRETS[channel]
            report.problems.append(
                Finding("channel_secret", {"channel": channel, "secret": secret})
            )
    for name in PROVIDER_SETTINGS.get(settings.SMS_PROVIDER, ()):
        if not getattr(settings, name):
            params = {"name": name, "provider": settings.SMS_PROVIDER}
            report.problems.append(Finding("provider_setting", params))
    if settings.SMS_PROVIDER in PROVIDERS_CALLING_BACK and not settings.PUBLIC_BASE_URL:
        report.problems.append(Finding("no_public_base_url"))
    if settings.SMS_PROVIDER == "console":
        report.warnings.append(Finding("console_provider"))
    if not report.workers:
        report.problems.append(Finding("no_worker"))
