"""The dialog session: where a phone is in its dialog, stored as JSON between messages."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flows.messages import DEFAULT_LANGUAGE, LANGUAGES


@dataclass
class Session:
    """One phone's dialog: state name, reply language, answers so far, wrong tries, and
    when and by which medium (sms or ussd) its last turn came."""

    state: str = "start"
    lang: str = DEFAULT_LANGUAGE
    data: dict[str, str] = field(default_factory=dict)
    tries: int = 0
    updated_at: float | None = None
    via: str = "sms"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe copy of the session."""
        return {
            "state": self.state,
            "lang": self.lang,
            "data": dict(self.data),
            "tries": self.tries,
            "updated_at": self.updated_at,
            "via": self.via,
        }

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any] | None) -> "Session":
        """A session from to_dict() output; unknown keys and bad values are tolerated."""
        raw = raw if isinstance(raw, Mapping) else {}
        state = raw.get("state")
        lang = raw.get("lang")
        data = raw.get("data")
        tries = raw.get("tries")
        updated_at = raw.get("updated_at")
        via = raw.get("via")
        return cls(
            state=state if isinstance(state, str) and state else "start",
            lang=lang if lang in LANGUAGES else DEFAULT_LANGUAGE,
            data={str(k): str(v) for k, v in (data.items() if isinstance(data, Mapping) else ())},
            tries=tries if isinstance(tries, int) and not isinstance(tries, bool) else 0,
            updated_at=(
                float(updated_at)
                if isinstance(updated_at, int | float) and not isinstance(updated_at, bool)
                else None
            ),
            via=via if via in ("sms", "ussd") else "sms",
        )
