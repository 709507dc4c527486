"""What a dialog step asks the gateway to do; the gateway runs it and picks the reply."""

from dataclasses import dataclass


@dataclass(frozen=True)
class CreateApplication:
    """Store a pending application and queue its validation; reply with an outcome key."""

    national_id: str
    pension_number: str


@dataclass(frozen=True)
class ShowStatus:
    """Reply with the status of this phone's latest application, or of tracking_code."""

    tracking_code: str | None


@dataclass(frozen=True)
class SetOptOut:
    """Remember whether this phone wants no messages except direct replies."""

    opted_out: bool


@dataclass(frozen=True)
class SetLanguage:
    """Remember this phone's reply language (fa or en)."""

    lang: str


Effect = CreateApplication | ShowStatus | SetOptOut | SetLanguage
