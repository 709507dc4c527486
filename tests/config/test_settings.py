"""Settings from the environment; production refuses to start without its secrets."""

import pytest

from config.settings import ConfigError, ProductionSettings, TestSettings, load_settings

PRODUCTION_OK = {
    "GATEWAY_ENV": "production",
    "SECRET_KEY": "s" * 32,
    "TWILIO_AUTH_TOKEN": "tw",
    "HTTP_SMS_TOKEN": "ht",
    "USSD_TOKEN": "us",
    "DATABASE_URL": "postgresql://db/gateway",
    "REDIS_URL": "redis://cache:6379/0",
    "SMS_PROVIDER": "http",
    "HTTP_SMS_SEND_URL": "https://sms.example.ir/send",
}
DEV = {"GATEWAY_ENV": "development"}


def test_production_with_every_secret_loads():
    settings = load_settings(PRODUCTION_OK)
    assert isinstance(settings, ProductionSettings)
    assert settings.sqlalchemy_url == "postgresql+psycopg://db/gateway"


@pytest.mark.parametrize(
    ("missing", "named"),
    [
        ("SECRET_KEY", "SECRET_KEY"),
        ("TWILIO_AUTH_TOKEN", "TWILIO_AUTH_TOKEN"),
        ("HTTP_SMS_TOKEN", "HTTP_SMS_TOKEN"),
        ("USSD_TOKEN", "USSD_TOKEN"),
    ],
)
def test_production_refuses_to_start_naming_the_missing_secret(missing, named):
    environ = {k: v for k, v in PRODUCTION_OK.items() if k != missing}
    with pytest.raises(ConfigError, match=named) as info:
        load_settings(environ)
    assert "\n" not in str(info.value)


def test_production_without_a_channel_needs_no_secret_for_it():
    environ = {k: v for k, v in PRODUCTION_OK.items() if k != "USSD_TOKEN"}
    settings = load_settings({**environ, "CHANNELS": "twilio,http"})
    assert settings.CHANNELS == ("twilio", "http")


@pytest.mark.parametrize(
    ("provider", "needs"),
    [("twilio", "TWILIO_ACCOUNT_SID"), ("http", "HTTP_SMS_SEND_URL"), ("kannel", "KANNEL_")],
)
def test_production_provider_needs_its_settings(provider, needs):
    environ = {k: v for k, v in PRODUCTION_OK.items() if k != "HTTP_SMS_SEND_URL"}
    with pytest.raises(ConfigError, match=needs):
        load_settings({**environ, "SMS_PROVIDER": provider, "PUBLIC_BASE_URL": "https://x.ir"})


def test_with_no_gateway_env_at_all_the_gateway_runs_as_production(tmp_path):
    with pytest.raises(ConfigError, match="SECRET_KEY is required in production"):
        load_settings({"INSTANCE_PATH": str(tmp_path)})
    assert isinstance(load_settings(PRODUCTION_OK), ProductionSettings)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SMS_PROVIDER": "console"}, "SMS_PROVIDER=console sends nothing"),
        ({"SMS_PROVIDER": "twilio", "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_FROM": "7070"},
         "PUBLIC_BASE_URL is required with SMS_PROVIDER=twilio"),
        ({"SMS_PROVIDER": "kannel", "KANNEL_SENDSMS_URL": "http://kannel:13013/cgi-bin/sendsms",
          "KANNEL_USERNAME": "u", "KANNEL_PASSWORD": "p"},
         "PUBLIC_BASE_URL is required with SMS_PROVIDER=kannel"),
    ],
)  # fmt: skip
def test_production_refuses_what_would_lose_messages_or_reports(environ, message):
    with pytest.raises(ConfigError, match=message):
        load_settings({**PRODUCTION_OK, **environ})


def test_production_with_kannel_and_its_public_url_loads():
    environ = {
        **PRODUCTION_OK, "SMS_PROVIDER": "kannel", "PUBLIC_BASE_URL": "https://sms.example.ir",
        "KANNEL_SENDSMS_URL": "http://kannel:13013/cgi-bin/sendsms",
        "KANNEL_USERNAME": "u", "KANNEL_PASSWORD": "p",
    }  # fmt: skip
    assert load_settings(environ).SMS_PROVIDER == "kannel"


@pytest.mark.parametrize("name", ["PUBLIC_BASE_URL", "HTTP_SMS_SEND_URL", "KANNEL_SENDSMS_URL"])
@pytest.mark.parametrize(
    "value", ["file:///etc/passwd", "ftp://host/x", "sms.example.ir", "http://"]
)
def test_urls_must_be_http_or_https(name, value, tmp_path):
    with pytest.raises(ConfigError, match=f"{name} must be an http:// or https:// URL"):
        load_settings({**DEV, name: value, "INSTANCE_PATH": str(tmp_path)})


def test_development_generates_and_keeps_its_secrets(tmp_path):
    first = load_settings({**DEV, "INSTANCE_PATH": str(tmp_path)})
    second = load_settings({**DEV, "INSTANCE_PATH": str(tmp_path)})
    for name in ("SECRET_KEY", "HTTP_SMS_TOKEN", "USSD_TOKEN", "TWILIO_AUTH_TOKEN"):
        file = name.lower()
        assert len(getattr(first, name)) == 64
        assert getattr(first, name) == getattr(second, name)
        assert (tmp_path / file).stat().st_mode & 0o777 == 0o600
    assert len({first.SECRET_KEY, first.HTTP_SMS_TOKEN, first.USSD_TOKEN}) == 3


def test_development_keeps_a_secret_it_is_given(tmp_path):
    settings = load_settings({**DEV, "HTTP_SMS_TOKEN": "mine", "INSTANCE_PATH": str(tmp_path)})
    assert settings.HTTP_SMS_TOKEN == "mine"
    assert not (tmp_path / "http_sms_token").exists()


def test_the_test_environment_makes_no_channel_secret(tmp_path):
    settings = load_settings({"GATEWAY_ENV": "test", "INSTANCE_PATH": str(tmp_path)})
    assert (settings.HTTP_SMS_TOKEN, settings.USSD_TOKEN, settings.TWILIO_AUTH_TOKEN) == ("",) * 3


def test_defaults_follow_the_spec(tmp_path):
    settings = load_settings({**DEV, "INSTANCE_PATH": str(tmp_path)})
    assert settings.GATEWAY_ENV == "development"
    assert settings.SMS_PROVIDER == "console"
    assert settings.SMS_RATE_PER_SECOND == 100
    assert settings.TIMEZONE == "Asia/Tehran"
    assert settings.PORT == 8000
    assert settings.PHONE_MATCH_POLICY == "flag"
    assert settings.MAX_APPLICATIONS_PER_PHONE == 3
    assert settings.sqlalchemy_url == f"sqlite:///{tmp_path.resolve()}/gateway.db"


def test_test_environment_gets_its_own_class(tmp_path):
    assert isinstance(
        load_settings({"GATEWAY_ENV": "test", "INSTANCE_PATH": str(tmp_path)}), TestSettings
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"GATEWAY_ENV": "staging"}, "GATEWAY_ENV"),
        ({"SMS_PROVIDER": "pigeon"}, "SMS_PROVIDER"),
        ({"PHONE_MATCH_POLICY": "maybe"}, "PHONE_MATCH_POLICY"),
        ({"PORT": "eighty"}, "PORT must be a whole number"),
        ({"CHANNELS": "twilio,fax"}, "fax"),
        ({"EXPORT_RETENTION_DAYS": "0"}, "EXPORT_RETENTION_DAYS must be 1 or more"),
        ({"EXPORT_RETENTION_DAYS": "week"}, "EXPORT_RETENTION_DAYS must be a whole number"),
    ],
)
def test_malformed_settings_are_refused_with_a_reason(environ, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        load_settings({**DEV, **environ, "INSTANCE_PATH": str(tmp_path)})


def test_export_folder_and_retention_come_from_the_environment(tmp_path):
    shared = tmp_path / "nfs" / "exports"
    environ = {**DEV, "INSTANCE_PATH": str(tmp_path), "EXPORT_FOLDER": str(shared)}
    settings = load_settings({**environ, "EXPORT_RETENTION_DAYS": "30"})
    assert settings.export_folder == shared and settings.EXPORT_RETENTION_DAYS == 30
    default = load_settings({**DEV, "INSTANCE_PATH": str(tmp_path)})
    assert default.export_folder == tmp_path.resolve() / "exports"
    assert default.EXPORT_RETENTION_DAYS == 7
