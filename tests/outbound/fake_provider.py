"""A fake HTTP SMS provider on 127.0.0.1 that behaves like a real one: status codes, delays.

It answers each request with the next step of its script (then 200 for ever), counts
requests per message id, and - like a real gateway that dedupes on `id` - delivers each
id to the phone at most once.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeProvider:
    """Script steps: an HTTP status (200, 400, 500 ... or a 301 to `/moved`, counted like
    any request) or ("slow", seconds): accept, then answer 200 only after that long (the
    client has given up by then)."""

    def __init__(self, script=()):
        self.script = list(script)
        self.requests: list[dict] = []
        self.paths: list[str] = []
        self.per_id: Counter = Counter()
        self.delivered: Counter = Counter()
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def _next(self, fields: dict):
        with self.lock:
            self.requests.append(fields)
            self.per_id[fields.get("id")] += 1
            step = self.script.pop(0) if self.script else 200
            accepted = step == 200 or isinstance(step, tuple)
            if accepted and not self.delivered[fields.get("id")]:
                self.delivered[fields.get("id")] += 1
            return step

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                fake.paths.append(self.path)
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                if self.headers.get_content_type() == "text/plain":
                    self.answer(kannel_fields(self.headers, body))
                else:
                    self.answer(dict(urllib.parse.parse_qsl(body)))

            def answer(self, fields: dict):
                step = fake._next(fields)
                if isinstance(step, tuple):
                    fake.release.wait(step[1])
                    step = 200
                try:
                    self.send_response(step)
                    if 300 <= step < 400:
                        self.send_header("Location", "/moved")
                    self.end_headers()
                    self.wfile.write(b"ok" if step < 300 else b"error")
                except OSError:
                    pass  # the client gave up waiting (its time-out)

            def log_message(self, *args):
                pass

        return Handler


def kannel_fields(headers, body: str) -> dict:
    """Kannel's sendsms POST in text/plain: the body is the text, every other field is an
    X-Kannel-* header (`X-Kannel-DLR-Url` -> `dlr-url`), the charset the content type's."""
    prefix = "x-kannel-"
    fields = {
        name.lower()[len(prefix) :]: value
        for name, value in headers.items()
        if name.lower().startswith(prefix)
    }
    return {**fields, "text": body, "charset": headers.get_content_charset()}
