"""The `http` provider: POST HTTP_SMS_SEND_URL with `to`, `from`, `text` and our message `id`.

Any 2xx is accepted; 4xx is a permanent refusal; 5xx, connection errors and time-outs
are retried. The receiver dedupes on `id`, so a re-send after a worker crash (when we
cannot know whether the first request arrived) reaches the phone once.
"""

from __future__ import annotations

import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from config.settings import Settings
from gateway.outbound.providers import PermanentSendError, TransientSendError


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an error, never followed: urllib would turn the POST into a GET to
    wherever the provider points, and count a message as sent that never was."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # urllib then raises HTTPError with the 3xx status


_OPENER = urllib.request.build_opener(_RefuseRedirects)


def post_form(url: str, fields: dict, timeout: float) -> int:
    """POST `fields` as a form; see send_request."""
    data = urllib.parse.urlencode(fields).encode()
    return send_request(urllib.request.Request(url, data=data, method="POST"), timeout)


def send_request(request: urllib.request.Request, timeout: float) -> int:
    """Return the HTTP status of a 2xx answer, or raise TransientSendError /
    PermanentSendError as the status or the failure says.

    4xx and redirects are permanent (the request or the URL is wrong; sending again
    cannot help); 5xx, refused connections and time-outs are transient."""
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        if 300 <= exc.code < 500:
            raise PermanentSendError(f"http_{exc.code}", exc.reason) from None
        raise TransientSendError(f"http_{exc.code}", exc.reason) from None
    except (urllib.error.URLError, OSError) as exc:  # refused, reset, DNS, time-out
        reason = getattr(exc, "reason", exc)
        code = "timeout" if isinstance(reason, TimeoutError) else "connection"
        raise TransientSendError(code, str(reason)) from None


@dataclass(frozen=True)
class HttpProvider:
    url: str
    sender: str
    timeout: float
    name = "http"
    channel = "http"
    dedupes = True

    def send(self, message_id: int, to: str, text: str) -> str:
        fields = {"to": to, "from": self.sender, "text": text, "id": str(message_id)}
        post_form(self.url, fields, self.timeout)
        return str(message_id)  # delivery reports carry our id back


def make_provider(settings: Settings) -> HttpProvider:
    if not settings.HTTP_SMS_SEND_URL:
        raise ValueError("HTTP_SMS_SEND_URL is required with SMS_PROVIDER=http")
    return HttpProvider(
        settings.HTTP_SMS_SEND_URL, settings.SMS_FROM, settings.SMS_SEND_TIMEOUT_SECONDS
    )
