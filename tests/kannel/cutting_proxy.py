"""The network between Kannel and the gateway, which can lose an answer on its way back.

It passes every request to the gateway and its answer back, except that the first
answer to a message whose text is `cut_text` is dropped after the gateway has acted on
it (the connection closes with no answer, as when a load balancer times out), so Kannel
asks again with the same `%I`.
"""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PASSED_HEADERS = ("Content-Type", "X-Kannel-Coding", "Retry-After")


class CuttingProxy:
    def __init__(self, gateway: str, cut_text: str):
        self.gateway = gateway
        self.cut_text = cut_text
        self.cut_ids: list[str] = []
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _cut(self, query: dict) -> bool:
        """Whether to lose this answer: the first one for the chosen text."""
        with self.lock:
            self.requests.append(query)
            if query.get("text") != self.cut_text or query.get("id") in self.cut_ids:
                return False
            self.cut_ids.append(query.get("id"))
            return True

    def _handler(self):
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                try:
                    with urllib.request.urlopen(proxy.gateway + self.path, timeout=60) as answer:
                        status, headers, body = answer.status, answer.headers, answer.read()
                except urllib.error.HTTPError as err:
                    status, headers, body = err.code, err.headers, err.read()
                if proxy._cut(query):
                    self.close_connection = True
                    return
                self.send_response(status)
                for name in PASSED_HEADERS:
                    if headers.get(name):
                        self.send_header(name, headers[name])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler
