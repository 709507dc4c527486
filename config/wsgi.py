"""The WSGI entry point: `gunicorn config.wsgi:app`."""

from gateway import create_app

app = create_app()
