"""The `twilio` provider: Twilio's Messages API with a status callback to our webhook.

https://www.twilio.com/docs/messaging/api/message-resource#create-a-message-resource
Twilio's Messages API takes no idempotency key, so a message whose worker died after
the request is not re-sent (`dedupes = False`): send_sms marks it failed `unknown_outcome`.
The status callback URL carries our message id (`?id=42`, inside Twilio's signature),
so a report for a message whose worker died before it stored the SID still finds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from config.settings import Settings
from gateway.outbound.providers import PermanentSendError, TransientSendError


@dataclass(frozen=True)
class TwilioProvider:
    client: Client
    sender: str
    status_callback: str | None
    name = "twilio"
    channel = "twilio"
    dedupes = False

    def send(self, message_id: int, to: str, text: str) -> str:
        extra = {}
        if self.status_callback:
            extra["status_callback"] = f"{self.status_callback}?id={message_id}"
        try:
            created = self.client.messages.create(to=to, from_=self.sender, body=text, **extra)
        except TwilioRestException as exc:
            code = f"twilio_{exc.code or exc.status}"
            if 400 <= exc.status < 500 and exc.status != 429:  # 429: too many, try later
                raise PermanentSendError(code, exc.msg) from None
            raise TransientSendError(code, exc.msg) from None
        except requests.Timeout as exc:
            raise TransientSendError("timeout", str(exc)) from None
        except requests.RequestException as exc:
            raise TransientSendError("connection", str(exc)) from None
        return created.sid


def make_provider(settings: Settings) -> TwilioProvider:
    http_client = TwilioHttpClient(timeout=settings.SMS_SEND_TIMEOUT_SECONDS)
    client = Client(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http_client
    )
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    callback = f"{base}/webhooks/twilio/status" if base else None
    return TwilioProvider(client, settings.TWILIO_FROM, callback)
