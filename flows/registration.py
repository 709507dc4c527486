"""The registration dialog as data: national ID, pension number, confirmation."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flows.effects import CreateApplication
from flows.engine import Ask, Choose, End, Flow, Start
from flows.parsing import (
    digit_groups,
    extract_id_and_pension,
    parse_national_id,
    parse_pension_number,
)

FIELDS = ("national_id", "pension_number")
STATUSES = ("pending", "approved", "waitlisted", "rejected", "cancelled", "paid", "payment_failed")
# What the gateway's effects can report (flows.effects), and the reply for each.
OUTCOME_REPLIES = {
    "created": "application_created",
    "exists": "application_exists",
    "phone_limit": "phone_limit",
    "no_application": "status_none",
    "unknown_code": "status_unknown_code",
    "passed_to_support": "support_received",
    **{status: f"status_{status}" for status in STATUSES},
}
# Outcome values that are codes, shown to the pensioner as catalogue words.
WORD_PARAMS = {"status": "status_word_", "reason": "reason_"}
# The dialog funnel the console shows: reaching each state is one step further.
FUNNEL = (
    ("ask_national_id", "started"),
    ("ask_pension_number", "national_id"),
    ("confirm", "pension_number"),
    ("submit", "confirmed"),
)
FUNNEL_STEPS = tuple(name for _state, name in FUNNEL)


@dataclass(frozen=True)
class RegistrationConfig:
    """Pension number length, wrong tries per question, idle seconds before expiry."""

    pension_min: int = 4
    pension_max: int = 12
    max_tries: int = 3
    idle_timeout: float = 1800


def build_registration_flow(config: RegistrationConfig | None = None) -> Flow:
    """The registration dialog for step(); config defaults to RegistrationConfig()."""
    config = config or RegistrationConfig()
    states = {
        "start": Start(prompt="welcome_ask_national_id", next="ask_national_id"),
        "ask_national_id": Ask(
            prompt="ask_national_id",
            field="national_id",
            parse=_national_id_reader(config),
            error="bad_national_id",
            next="ask_pension_number",
        ),
        "ask_pension_number": Ask(
            prompt="ask_pension_number",
            field="pension_number",
            parse=_pension_number_reader(config),
            error="bad_pension_number",
            next="confirm",
        ),
        "confirm": Choose(
            prompt="confirm",
            error="bad_confirm",
            on_yes="submit",
            on_no="ask_national_id",
            forget_on_no=FIELDS,
        ),
        "submit": End(make_effect=_create_application),
    }
    return Flow(
        states=states,
        start="start",
        max_tries=config.max_tries,
        idle_timeout=config.idle_timeout,
        outcome_replies=OUTCOME_REPLIES,
        word_params=WORD_PARAMS,
        funnel=FUNNEL,
    )


Reader = Callable[[str, Mapping[str, str]], dict[str, str] | None]


def _national_id_reader(config: RegistrationConfig) -> Reader:
    def read(text: str, data: Mapping[str, str]) -> dict[str, str] | None:
        national_id, pension = extract_id_and_pension(text, config.pension_min, config.pension_max)
        if national_id is None:
            return None
        found = {"national_id": national_id}
        if pension is not None:
            found["pension_number"] = pension
        return found

    return read


def _pension_number_reader(config: RegistrationConfig) -> Reader:
    def read(text: str, data: Mapping[str, str]) -> dict[str, str] | None:
        both = _read_both_again(text, data, config)
        if both is not None:
            return both
        pension = parse_pension_number(text, config.pension_min, config.pension_max)
        if pension is None or _is_the_national_id(pension, data):
            return None
        return {"pension_number": pension}

    return read


def _read_both_again(
    text: str, data: Mapping[str, str], config: RegistrationConfig
) -> dict[str, str] | None:
    """Both numbers sent again: two numbers, one a national ID written in full or the
    one already given; "1234 5678 9012" alone stays a spaced 12-digit pension number."""
    groups = digit_groups(text)
    if len(groups) != 2:
        return None
    for index, group in enumerate(groups):
        national_id = parse_national_id(group)
        if national_id is None:
            continue
        if len(group) != 10 and national_id != data.get("national_id"):
            continue
        other = groups[1 - index]
        pension = parse_pension_number(other, config.pension_min, config.pension_max)
        if pension is not None and pension != national_id:
            return {"national_id": national_id, "pension_number": pension}
    return None


def _is_the_national_id(number: str, data: Mapping[str, str]) -> bool:
    return 8 <= len(number) <= 10 and number.zfill(10) == data.get("national_id")


def _create_application(data: Mapping[str, str]) -> CreateApplication:
    return CreateApplication(data["national_id"], data["pension_number"])
