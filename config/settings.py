"""Typed settings read from the environment, one class per GATEWAY_ENV."""

from __future__ import annotations

import functools
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit

ENVIRONMENTS = ("development", "test", "production")
PROVIDERS = ("console", "twilio", "http", "kannel")
CHANNELS = ("twilio", "http", "ussd")
HTTP_SMS_CANONICAL_FIELDS = ("token", "from", "to", "text", "id")
PHONE_MATCH_POLICIES = ("off", "flag", "require")
# The secret each inbound channel is verified with; production refuses to start without it.
CHANNEL_SECRETS = {"twilio": "TWILIO_AUTH_TOKEN", "http": "HTTP_SMS_TOKEN", "ussd": "USSD_TOKEN"}
# Providers whose delivery reports come back to PUBLIC_BASE_URL (production needs it).
PROVIDERS_CALLING_BACK = ("twilio", "kannel")
REDIS_SCHEMES = ("redis", "rediss", "unix")
URL_SETTINGS = ("PUBLIC_BASE_URL", "HTTP_SMS_SEND_URL", "KANNEL_SENDSMS_URL")
PROVIDER_SETTINGS = {
    "twilio": ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM"),
    "http": ("HTTP_SMS_SEND_URL",),
    "kannel": ("KANNEL_SENDSMS_URL", "KANNEL_USERNAME", "KANNEL_PASSWORD"),
}


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for the operator."""


def _env_field(default, *, kind=str):
    return field(default=default, metadata={"kind": kind})


@dataclass(frozen=True)
class Settings:
    """Every setting of spec 3.2, plus the tuning knobs the README documents."""

    GATEWAY_ENV: str = "production"
    INSTANCE_PATH: str = _env_field("instance")
    DATABASE_URL: str = _env_field("")
    REDIS_URL: str = _env_field("")
    # Redis behind Sentinel: its host:port list and the name it monitors the primary by.
    # REDIS_URL then only gives the scheme (rediss: TLS), user, password and database.
    REDIS_SENTINELS: tuple[str, ...] = _env_field((), kind=tuple)
    REDIS_SENTINEL_MASTER: str = _env_field("")
    SECRET_KEY: str = _env_field("")
    PUBLIC_BASE_URL: str = _env_field("")
    SMS_PROVIDER: str = _env_field("console")
    SMS_FROM: str = _env_field("7070")
    TWILIO_ACCOUNT_SID: str = _env_field("")
    TWILIO_AUTH_TOKEN: str = _env_field("")
    TWILIO_FROM: str = _env_field("")
    HTTP_SMS_SEND_URL: str = _env_field("")
    KANNEL_SENDSMS_URL: str = _env_field("")
    KANNEL_USERNAME: str = _env_field("")
    KANNEL_PASSWORD: str = _env_field("")
    SMS_RATE_PER_SECOND: int = _env_field(100, kind=int)
    SMS_MAX_ATTEMPTS: int = _env_field(6, kind=int)
    SMS_SEND_TIMEOUT_SECONDS: int = _env_field(10, kind=int)
    SMS_SENDING_STUCK_SECONDS: int = _env_field(300, kind=int)
    RECONCILE_AFTER_SECONDS: int = _env_field(120, kind=int)
    HTTP_SMS_TOKEN: str = _env_field("")
    USSD_TOKEN: str = _env_field("")
    TIMEZONE: str = _env_field("Asia/Tehran")
    PORT: int = _env_field(8000, kind=int)
    PHONE_MATCH_POLICY: str = _env_field("flag")
    MAX_APPLICATIONS_PER_PHONE: int = _env_field(3, kind=int)
    CHANNELS: tuple[str, ...] = _env_field(CHANNELS, kind=tuple)
    ALLOWED_COUNTRIES: tuple[str, ...] = _env_field(("IR",), kind=tuple)
    SESSION_TIMEOUT_MINUTES: int = _env_field(30, kind=int)
    PENSION_NUMBER_MIN_DIGITS: int = _env_field(4, kind=int)
    PENSION_NUMBER_MAX_DIGITS: int = _env_field(12, kind=int)
    RATE_LIMIT_MESSAGES: int = _env_field(20, kind=int)
    RATE_LIMIT_WINDOW_SECONDS: int = _env_field(600, kind=int)
    HTTP_SMS_FIELDS: tuple[str, ...] = _env_field((), kind=tuple)
    # The reply's header naming its coding (0 GSM-7, 2 UCS-2); Kannel's get-url reply is
    # sent as GSM-7, Persian as "?", unless it says 2 here. Empty: no such header.
    HTTP_SMS_CODING_HEADER: str = _env_field("X-Kannel-Coding")
    WEB_CONCURRENCY: int = _env_field(2, kind=int)
    WEB_THREADS: int = _env_field(4, kind=int)  # also sizes each process's database pool
    # off behind PgBouncer in transaction pooling: psycopg then prepares no statement.
    DATABASE_PREPARED_STATEMENTS: str = _env_field("on")
    # A statement running longer is cancelled (its request gets a 503, its job a retry);
    # the gunicorn timeout is 30 s, past which no one waits for the answer. 0: no limit.
    DATABASE_STATEMENT_TIMEOUT_MS: int = _env_field(30000, kind=int)
    LOG_LEVEL: str = _env_field("INFO")
    # The console's monitor warns above these: messages waiting in any one queue, and the
    # share of outbound sends in the last hour that failed or were not delivered.
    MONITOR_MAX_QUEUE_DEPTH: int = _env_field(1000, kind=int)
    MONITOR_MAX_FAILURE_RATE: float = _env_field(0.05, kind=float)
    TRUSTED_PROXIES: int = _env_field(0, kind=int)
    CONSOLE_SIMULATOR: str = _env_field("")  # on / off; empty: on except in production
    # The phones the console's simulator may speak as (any format); empty: any phone in
    # development and test, none in production.
    CONSOLE_SIMULATOR_PHONES: tuple[str, ...] = _env_field((), kind=tuple)
    STATS_FLUSH_SECONDS: float = _env_field(1.0, kind=float)
    # Where console exports are written and downloaded from: a folder every web and worker
    # node mounts (NFS, a cloud file share) when there is more than one node.
    EXPORT_FOLDER: str = _env_field("")
    EXPORT_RETENTION_DAYS: int = _env_field(7, kind=int)

    @property
    def is_production(self) -> bool:
        return self.GATEWAY_ENV == "production"

    def check(self) -> None:
        """Raise ConfigError with a one-line reason when the settings cannot work."""
        choices = {
            "CONSOLE_SIMULATOR": ("", "on", "off"),
            "DATABASE_PREPARED_STATEMENTS": ("on", "off"),
            "SMS_PROVIDER": PROVIDERS,
            "PHONE_MATCH_POLICY": PHONE_MATCH_POLICIES,
            "GATEWAY_ENV": ENVIRONMENTS,
        }
        for name, allowed in choices.items():
            if getattr(self, name) not in allowed:
                raise ConfigError(f"{name} must be one of {', '.join(allowed)}")
        for channel in self.CHANNELS:
            if channel not in CHANNELS:
                raise ConfigError(f"CHANNELS: unknown channel {channel!r}")
        for name in URL_SETTINGS:
            value = getattr(self, name)
            if value and not _is_web_url(value):
                raise ConfigError(f"{name} must be an http:// or https:// URL")
        for pair in self.HTTP_SMS_FIELDS:
            canonical, sep, theirs = pair.partition("=")
            if not sep or canonical.strip() not in HTTP_SMS_CANONICAL_FIELDS or not theirs.strip():
                raise ConfigError(
                    f"HTTP_SMS_FIELDS: {pair!r} is not NAME=THEIRS with NAME one of "
                    + ", ".join(HTTP_SMS_CANONICAL_FIELDS)
                )
        for name in ("EXPORT_RETENTION_DAYS", "WEB_CONCURRENCY", "WEB_THREADS"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name} must be 1 or more")
        self._check_redis()
        if self.DATABASE_STATEMENT_TIMEOUT_MS < 0:
            raise ConfigError("DATABASE_STATEMENT_TIMEOUT_MS must be 0 (no limit) or more")
        if self.is_production:
            self._check_production()

    def _check_redis(self) -> None:
        if self.REDIS_URL and urlsplit(self.REDIS_URL).scheme not in REDIS_SCHEMES:
            raise ConfigError("REDIS_URL must be a redis://, rediss:// or unix:// URL")
        for address in self.REDIS_SENTINELS:
            host, _, port = address.rpartition(":")
            if not host or not port.isdigit():
                raise ConfigError(f"REDIS_SENTINELS: {address!r} is not HOST:PORT")
        if bool(self.REDIS_SENTINELS) != bool(self.REDIS_SENTINEL_MASTER):
            raise ConfigError("REDIS_SENTINELS and REDIS_SENTINEL_MASTER go together")

    @property
    def embedded_redis(self) -> bool:
        """No Redis named: the embedded server under instance/ (one machine)."""
        return not self.REDIS_URL and not self.REDIS_SENTINELS

    @property
    def sentinel_addresses(self) -> list[tuple[str, int]]:
        pairs = (address.rpartition(":") for address in self.REDIS_SENTINELS)
        return [(host, int(port)) for host, _, port in pairs]

    def _check_production(self) -> None:
        if not self.SECRET_KEY:
            raise ConfigError("SECRET_KEY is required in production")
        if self.SMS_PROVIDER == "console":
            raise ConfigError(
                "SMS_PROVIDER=console sends nothing: production needs twilio, http or kannel"
            )
        for name in PROVIDER_SETTINGS.get(self.SMS_PROVIDER, ()):
            if not getattr(self, name):
                raise ConfigError(f"{name} is required with SMS_PROVIDER={self.SMS_PROVIDER}")
        if self.SMS_PROVIDER in PROVIDERS_CALLING_BACK and not self.PUBLIC_BASE_URL:
            raise ConfigError(
                f"PUBLIC_BASE_URL is required with SMS_PROVIDER={self.SMS_PROVIDER}: "
                "its delivery reports come back to it"
            )
        for channel in self.CHANNELS:
            if not getattr(self, CHANNEL_SECRETS[channel]):
                raise ConfigError(
                    f"{CHANNEL_SECRETS[channel]} is required in production while the "
                    f"{channel} channel is enabled (or remove it from CHANNELS)"
                )

    @functools.cached_property
    def http_sms_fields(self) -> dict[str, str]:
        """Canonical field -> the aggregator's name, from HTTP_SMS_FIELDS `from=sender,...`
        (read on every request of the channel: worked out once)."""
        names = {name: name for name in HTTP_SMS_CANONICAL_FIELDS}
        for pair in self.HTTP_SMS_FIELDS:
            canonical, _, theirs = pair.partition("=")
            names[canonical.strip()] = theirs.strip()
        return names

    @property
    def console_simulator_enabled(self) -> bool:
        """The simulator stores real applications: off in production unless asked for."""
        if self.CONSOLE_SIMULATOR:
            return self.CONSOLE_SIMULATOR == "on"
        return not self.is_production

    @property
    def instance_path(self) -> Path:
        return Path(self.INSTANCE_PATH).resolve()

    @property
    def export_folder(self) -> Path:
        """EXPORT_FOLDER, or instance/exports when it is unset (one node)."""
        return Path(self.EXPORT_FOLDER or self.instance_path / "exports").resolve()

    @property
    def sqlalchemy_url(self) -> str:
        """DATABASE_URL with the psycopg 3 driver named, or the embedded SQLite file."""
        url = self.DATABASE_URL or f"sqlite:///{self.instance_path / 'gateway.db'}"
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url


class DevelopmentSettings(Settings):
    """Local use: embedded SQLite and Redis, console SMS; SECRET_KEY and the channels'
    secrets generated into instance/ when unset."""


@dataclass(frozen=True)
class TestSettings(Settings):
    """The test suite: TEST_DATABASE_URL / TEST_REDIS_URL choose real servers."""

    __test__ = False  # not a pytest class


class ProductionSettings(Settings):
    """Refuses to start without SECRET_KEY, every enabled channel's secret, a real SMS
    provider and, for providers that report back, PUBLIC_BASE_URL."""


SETTINGS_CLASSES = {
    "development": DevelopmentSettings,
    "test": TestSettings,
    "production": ProductionSettings,
}


def _convert(name: str, kind, raw: str):
    raw = raw.strip()
    if kind is int:
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if kind is float:
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a number such as 0.05, got {raw!r}") from None
    if kind is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw


def load_settings(environ: Mapping[str, str] | None = None, **overrides) -> Settings:
    """Read settings from the environment (and overrides), check them, return them."""
    environ = os.environ if environ is None else environ
    env_name = overrides.get("GATEWAY_ENV") or environ.get("GATEWAY_ENV") or "production"
    if env_name not in SETTINGS_CLASSES:
        raise ConfigError(f"GATEWAY_ENV must be one of {', '.join(ENVIRONMENTS)}")
    cls = SETTINGS_CLASSES[env_name]
    values = {"GATEWAY_ENV": env_name}
    for f in fields(cls):
        if f.name in environ and f.name != "GATEWAY_ENV":
            values[f.name] = _convert(f.name, f.metadata.get("kind", str), environ[f.name])
    values.update(overrides)
    settings = cls(**values)
    settings.check()
    generated = {}
    if not settings.is_production and not settings.SECRET_KEY:
        generated["SECRET_KEY"] = instance_secret(settings.instance_path, "secret_key")
    if settings.GATEWAY_ENV == "development":
        for name in CHANNEL_SECRETS.values():
            if not getattr(settings, name):
                generated[name] = instance_secret(settings.instance_path, name.lower())
    return cls(**{**values, **generated}) if generated else settings


def _is_web_url(value: str) -> bool:
    parsed = urlsplit(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def instance_secret(instance: Path, name: str) -> str:
    """A secret generated once into instance/<name> (mode 0600), for development and tests;
    production reads every secret from its environment."""
    path = instance / name
    instance.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made earlier, or by another process just now
        for _ in range(50):
            if key := path.read_text().strip():
                return key
            time.sleep(0.02)
        raise ConfigError(f"{path} is empty: delete it and a new secret is made") from None
    key = secrets.token_hex(32)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
