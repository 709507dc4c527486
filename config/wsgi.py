"""The WSGI entry point: `gunicorn config.wsgi:app` (or `smsgw web`).

Settings that cannot work stop the process with one line on stderr, not a traceback.
"""

import sys

from config.settings import ConfigError
from gateway import create_app

# gunicorn's "worker failed to boot" status: the master stops instead of forking again.
WORKER_BOOT_ERROR = 3

try:
    app = create_app()
except ConfigError as exc:
    sys.stderr.write(f"smsgw: {exc}\n")
    sys.exit(WORKER_BOOT_ERROR)
