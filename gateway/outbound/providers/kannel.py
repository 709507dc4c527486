"""The `kannel` provider: Kannel's `sendsms` (spec 3.4), delivery reports to /webhooks/http/dlr.

Persian needs `coding=2` (UCS-2) with `charset=UTF-8`; `dlr-mask=31` asks for every
report (delivered, failed, buffered, submitted, rejected) and `dlr-url` brings it back
with our message id and Kannel's numeric status (`%d`). 202 means accepted; 503 is retried.
See https://www.kannel.org/download/kannel-userguide-snapshot/userguide.html#AEN5058
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from config.settings import Settings
from gateway.outbound.providers.http import post_form


@dataclass(frozen=True)
class KannelProvider:
    url: str
    username: str
    password: str
    sender: str
    dlr_base: str
    dlr_token: str
    timeout: float
    name = "kannel"
    channel = "http"  # its delivery reports arrive on the http DLR webhook
    dedupes = False  # Kannel would send a repeated request again

    def send(self, message_id: int, to: str, text: str) -> str:
        report = urllib.parse.urlencode({"token": self.dlr_token, "id": message_id})
        fields = {
            "username": self.username,
            "password": self.password,
            "to": to,
            "from": self.sender,
            "text": text,
            "coding": "2",
            "charset": "UTF-8",
            "dlr-mask": "31",
            "dlr-url": f"{self.dlr_base}?{report}&status=%d",
        }
        post_form(self.url, fields, self.timeout, method="GET")
        return str(message_id)


def make_provider(settings: Settings) -> KannelProvider:
    if not settings.KANNEL_SENDSMS_URL:
        raise ValueError("KANNEL_SENDSMS_URL is required with SMS_PROVIDER=kannel")
    return KannelProvider(
        settings.KANNEL_SENDSMS_URL,
        settings.KANNEL_USERNAME,
        settings.KANNEL_PASSWORD,
        settings.SMS_FROM,
        settings.PUBLIC_BASE_URL.rstrip("/") + "/webhooks/http/dlr",
        settings.HTTP_SMS_TOKEN,
        settings.SMS_SEND_TIMEOUT_SECONDS,
    )
