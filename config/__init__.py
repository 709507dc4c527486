"""Settings and the WSGI entry point."""
