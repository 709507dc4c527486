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
}


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
    with pytest.raises(ConfigError, match=needs):
        load_settings({**PRODUCTION_OK, "SMS_PROVIDER": provider})


def test_development_generates_and_keeps_a_secret_key(tmp_path):
    first = load_settings({"INSTANCE_PATH": str(tmp_path)})
    second = load_settings({"INSTANCE_PATH": str(tmp_path)})
    assert len(first.SECRET_KEY) == 64
    assert first.SECRET_KEY == second.SECRET_KEY
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_defaults_follow_the_spec(tmp_path):
    settings = load_settings({"INSTANCE_PATH": str(tmp_path)})
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
    ],
)
def test_malformed_settings_are_refused_with_a_reason(environ, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        load_settings({**environ, "INSTANCE_PATH": str(tmp_path)})
