"""The `kannel` provider: Kannel's `sendsms` (spec 3.4), delivery reports to /webhooks/http/dlr.

The message goes as a `text/plain; charset=utf-8` POST whose body is the text and whose
fields are X-Kannel-* headers, credentials included, so the password never sits in a URL
(proxies and Kannel's own logs keep URLs). Kannel 1.4.5's smsbox reads exactly that; it
does not read a form-encoded POST body (400). Text outside GSM-7 (Persian) needs coding
2, UCS-2. `dlr-mask=31` asks for every report (delivered, failed, buffered, submitted,
rejected) and `dlr-url` brings it back with our message id and Kannel's numeric status
(`%d`). 202 means accepted; 503 is retried.
See https://www.kannel.org/download/1.4.5/userguide-1.4.5/userguide.html#AEN5058
"""

from __future__ import annotations

import urllib.parse
import urllib.request
from dataclasses import dataclass

from config.settings import Settings
from flows.segments import is_gsm7
from gateway.outbound.providers.http import send_request

GSM7, UCS2 = "0", "2"  # Kannel's `coding` values (1 would be 8-bit data)


def kannel_coding(text: str) -> str:
    """Kannel's coding for text: GSM-7 when every character is in its alphabet, else UCS-2."""
    return GSM7 if is_gsm7(text) else UCS2


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
        headers = {
            "Content-Type": "text/plain; charset=utf-8",
            "X-Kannel-Username": self.username,
            "X-Kannel-Password": self.password,
            "X-Kannel-To": to,
            "X-Kannel-From": self.sender,
            "X-Kannel-Coding": kannel_coding(text),
            "X-Kannel-DLR-Mask": "31",
            "X-Kannel-DLR-Url": f"{self.dlr_base}?{report}&status=%d",
        }
        body = text.encode()
        send_request(urllib.request.Request(self.url, body, headers, method="POST"), self.timeout)
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
