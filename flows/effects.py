"""What a dialog step asks the gateway to do, and what the gateway reports back.

The gateway runs each effect and answers with an Outcome (or None when the effect has
nothing to say); the flow turns outcomes into its replies (Flow.outcome_replies), so
every word a pensioner reads is chosen in flows/.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class CreateApplication:
    """Store a pending application and queue its validation.

    Outcomes: `created` (tracking_code), `exists` (tracking_code, status),
    `phone_limit` (limit).
    """

    national_id: str
    pension_number: str


@dataclass(frozen=True)
class ShowStatus:
    """The status of this phone's latest application, or of tracking_code.

    Outcomes: `no_application`, `unknown_code`, or the application's status
    (tracking_code; position when waitlisted; reason when rejected).
    """

    tracking_code: str | None


@dataclass(frozen=True)
class SetOptOut:
    """Remember whether this phone wants no messages except direct replies."""

    opted_out: bool


@dataclass(frozen=True)
class SetLanguage:
    """Remember this phone's reply language (fa or en)."""

    lang: str


@dataclass(frozen=True)
class RemindIfDropped:
    """Schedule the one "how to finish" SMS of a USSD session, should it go silent."""


@dataclass(frozen=True)
class PassToSupport:
    """Put this message in the support inbox of the phone's application's association.

    Outcomes: `passed_to_support` when the phone gets the day's acknowledgement, None
    when it had one today already (the message is kept; no reply).
    """


Effect = CreateApplication | ShowStatus | SetOptOut | SetLanguage | RemindIfDropped | PassToSupport


@dataclass(frozen=True)
class Outcome:
    """What running an effect gave: a name the flow maps to a reply, and its values."""

    name: str
    params: Mapping[str, object] = field(default_factory=dict)
