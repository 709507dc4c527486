"""Gunicorn settings used by `smsgw web` and `smsgw run` (`gunicorn -c python:config.gunicorn`)."""

import os

from prometheus_client import multiprocess

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
# The longest request line gunicorn takes: a Kannel get-url carries the whole text in the
# query (ten Persian segments are about 4,000 bytes encoded); longer ones use post-url.
limit_request_line = 8190
# A request may wait LOCK_WAIT (20 s) for its phone's lock, then take its turn: on SIGTERM
# the requests in flight get that long, within the 30 s platforms allow before SIGKILL.
graceful_timeout = 25
control_socket_disable = True  # several gunicorns (run, bench) share a home folder
accesslog = None  # query strings carry phone numbers (Kannel GET); the app logs masked lines


def child_exit(server, worker):
    """Drop a dead worker's metric files so /metrics merges only live processes."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(worker.pid)
