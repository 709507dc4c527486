"""A Twilio-like client for tests: form posts signed with twilio's own RequestValidator."""

from __future__ import annotations

import itertools

from twilio.request_validator import RequestValidator

TOKEN = "test-twilio-auth-token"
_sids = itertools.count(1)


def new_sid() -> str:
    return f"SM{next(_sids):032d}"


def sign(url: str, form: dict, token: str = TOKEN) -> str:
    return RequestValidator(token).compute_signature(url, form)


def post_signed(client, path: str, form: dict, *, base="http://localhost", token=TOKEN, **kw):
    """POST `form` to `path` as Twilio would, signed for `base` + path."""
    signature = sign(base + path, form, token)
    return client.post(path, data=form, headers={"X-Twilio-Signature": signature}, **kw)


def sms_form(phone: str, body: str, sid: str | None = None) -> dict:
    return {
        "MessageSid": sid or new_sid(),
        "SmsSid": sid or "",
        "AccountSid": "AC" + "0" * 32,
        "From": phone,
        "To": "+987070",
        "Body": body,
        "NumMedia": "0",
    }
