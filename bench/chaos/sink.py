"""The carrier's send API as the rehearsal sees it: a threaded HTTP server on 127.0.0.1.

Like a real aggregator it dedupes on our `id` (a re-send after a crash reaches the phone
once) and is sometimes slow (a seeded share of requests waits before answering), so
workers are often killed while a send is in flight.
"""

from __future__ import annotations

import random
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Sink:
    def __init__(self, seed: int, slow_share: float = 0.1, slow_seconds: float = 2.0):
        self.requests: Counter[str] = Counter()  # our message id -> requests received
        self.phones: dict[str, str] = {}  # our message id -> the phone it reached
        self.waiting: set[int] = set()  # client ports of the requests it is slow to answer
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.slow_share, self.slow_seconds = slow_share, slow_seconds
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def receive(self, fields: dict[str, str]) -> float:
        """Record one request; how long to wait before answering 200."""
        with self.lock:
            message_id = fields.get("id", "")
            self.requests[message_id] += 1
            self.phones.setdefault(message_id, fields.get("to", ""))
            slow = self.rng.random() < self.slow_share
        return self.slow_seconds if slow else 0.0

    @property
    def delivered(self) -> set[str]:
        with self.lock:
            return set(self.phones)

    def _handler(self):
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                delay = sink.receive(dict(urllib.parse.parse_qsl(body)))
                if delay:
                    port = self.client_address[1]
                    with sink.lock:
                        sink.waiting.add(port)
                    time.sleep(delay)
                    with sink.lock:
                        sink.waiting.discard(port)
                try:
                    self.send_response(200)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the worker was killed or gave up waiting

            def log_message(self, *args):
                pass

        return Handler
